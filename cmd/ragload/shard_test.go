package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
)

func TestSharding(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	at := "2026-11-27T10:00:00Z"
	tests := []struct {
		name    string
		o       runOptions
		env     func(string) string
		want    attack.Shard
		wantID  string
		wantErr string
	}{
		{name: "none", env: env()},
		{name: "flag", o: runOptions{Shard: "2/4", StartAt: at}, env: env(), want: attack.Shard{Index: 2, Count: 4}, wantID: "run-20261127T100000Z"},
		{name: "env", o: runOptions{StartAt: at}, env: env("RAGLOAD_SHARD", "1", "RAGLOAD_SHARDS", "3", "RAGLOAD_RUN_ID", "r7"), want: attack.Shard{Index: 1, Count: 3}, wantID: "r7"},
		{name: "indexed job", o: runOptions{StartAt: at, RunID: "k8s"}, env: env("JOB_COMPLETION_INDEX", "3", "RAGLOAD_SHARDS", "4"), want: attack.Shard{Index: 3, Count: 4}, wantID: "k8s"},
		{name: "no start", o: runOptions{Shard: "0/2"}, env: env(), wantErr: "--shard 0/2 needs --start-at"},
		{name: "index too big", o: runOptions{Shard: "4/4", StartAt: at}, env: env(), wantErr: "want 0 ≤ index < count"},
		{name: "bad spec", o: runOptions{Shard: "two", StartAt: at}, env: env(), wantErr: `--shard "two": want i/N`},
		{name: "bad time", o: runOptions{StartAt: "tomorrow"}, env: env(), wantErr: `--start-at "tomorrow"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, _, id, err := tt.o.sharding(tt.env)
			if expectErr(t, err, tt.wantErr) {
				return
			}
			if sh != tt.want || id != tt.wantID {
				t.Errorf("shard %v run %q; want %v %q", sh, id, tt.want, tt.wantID)
			}
		})
	}
	for n, total := range map[int]int{4: 10, 3: 3, 5: 2} {
		sum := 0
		for i := range n {
			sum += attack.Shard{Index: i, Count: n}.Split(total)
		}
		if sum != total {
			t.Errorf("%d over %d shards splits into %d", total, n, sum)
		}
	}
}

// TestShardsMergeLikeOneRun starts 4 ragload processes with --shard i/4
// against the demo API; their merged report matches a single process
// running the same plan, and its p95 is that of all their samples.
func TestShardsMergeLikeOneRun(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{Workers: 256})
	root := t.TempDir()
	startAt := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)
	done := make(chan error, 4)
	for i := range 4 {
		cmd := command(t, "attack", "-u", url, "--rate", "200", "-d", "4s", "--shard", fmt.Sprintf("%d/4", i), "--start-at", startAt,
			"--run-id", "merge-test", "-o", filepath.Join(root, fmt.Sprintf("shard-%d", i)), "-q", "--seed", fmt.Sprint(i+1))
		go func() {
			out, err := cmd.CombinedOutput()
			if err != nil {
				err = fmt.Errorf("shard %d: %v\n%s", i, err, out)
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if out, errOut, code := ragload(t, "attack", "-u", url, "--rate", "200", "-d", "4s", "-o", filepath.Join(root, "single"), "-q"); !ranOK(out, code) {
		t.Fatalf("single: exit %d\n%s\n%s", code, out, errOut)
	}
	summary := func(args ...string) (requests uint64, rps, p95 float64, warnings []string) {
		t.Helper()
		out, errOut, code := ragload(t, append([]string{"report", "-f", "json"}, args...)...)
		var doc struct {
			Total struct {
				Requests uint64  `json:"requests"`
				RPS      float64 `json:"rps"`
				Latency  struct {
					P95 float64 `json:"p95"`
				} `json:"latency_ms"`
			} `json:"total"`
			Warnings []string `json:"warnings"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitOK {
			t.Fatalf("report %v: exit %d, %v\n%s", args, code, err, errOut)
		}
		return doc.Total.Requests, doc.Total.RPS, doc.Total.Latency.P95, doc.Warnings
	}
	n, rps, p95, warnings := summary(filepath.Join(root, "shard-*"))
	n1, rps1, _, _ := summary(filepath.Join(root, "single"))
	t.Logf("4 shards: %d requests, %.1f/s, p95 %.3f ms; one process: %d requests, %.1f/s; warnings %q", n, rps, p95, n1, rps1, warnings)
	if math.Abs(float64(n)-float64(n1))/float64(n1) > 0.02 || math.Abs(rps-rps1)/rps1 > 0.02 {
		t.Errorf("merged %d requests at %.1f/s; one process %d at %.1f/s: want within 2%%", n, rps, n1, rps1)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings on a complete set of shards: %q", warnings)
	}

	// The merged p95 is that of every shard's samples together (exact
	// nearest rank; the report's HDR histogram is within 0.1%).
	var all []float64
	for i := range 4 {
		dir := filepath.Join(root, fmt.Sprintf("shard-%d", i))
		results.ReadFile(filepath.Join(dir, results.ResultsFile), func(r *vegeta.Result) error {
			lag, _ := results.Lag(r)
			all = append(all, float64(r.Latency+lag)/1e6)
			return nil
		})
	}
	slices.Sort(all)
	exact := all[int(math.Ceil(0.95*float64(len(all))))-1]
	if math.Abs(p95-exact) > 0.001*exact+0.001 {
		t.Errorf("merged p95 %.3f ms; p95 of all %d samples %.3f ms", p95, len(all), exact)
	}

	// plot draws the shards as one run, with the single run beside it.
	page := filepath.Join(root, "plot.html")
	if _, stderr, code := plotCLI(t, filepath.Join(root, "shard-*"), filepath.Join(root, "single"), "-o", page); code != exitOK {
		t.Fatalf("plot: exit %d\n%s", code, stderr)
	} else {
		wantContains(t, "plot stderr", stderr, "(2 runs,")
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, "plot", string(html), fmt.Sprintf(`"label":"merge-test","source":"%s`, filepath.Join(root, "shard-0")), fmt.Sprintf(`"requests":%d`, n))

	// A missing shard and a shard of another run are named.
	_, _, _, warnings = summary(filepath.Join(root, "shard-0"), filepath.Join(root, "shard-1"), filepath.Join(root, "shard-2"))
	if w := strings.Join(warnings, "\n"); !strings.Contains(w, `shard 3/4 of run "merge-test" is missing`) {
		t.Errorf("missing shard not reported: %q", warnings)
	}
	_, _, _, warnings = summary(filepath.Join(root, "shard-*"), filepath.Join(root, "single"))
	if w := strings.Join(warnings, "\n"); !strings.Contains(w, filepath.Join(root, "single")+` belongs to run "", not "merge-test"`) {
		t.Errorf("a run of its own among shards not reported: %q", warnings)
	}
}
