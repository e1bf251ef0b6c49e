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

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
)

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
			if code := cmd.ProcessState.ExitCode(); err != nil && !ranOK(string(out), code) {
				err = fmt.Errorf("shard %d: %v\n%s", i, err, out)
			} else {
				err = nil // ran (a busy machine may leave it not conclusive)
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
			Verdict  struct {
				Inconclusive []string `json:"inconclusive"`
			} `json:"verdict"`
		}
		err := json.Unmarshal([]byte(out), &doc)
		// A busy machine may leave a run not conclusive because the
		// generator saturated: the merge is what this test judges.
		saturatedOnly := code == exitInconclusive && len(doc.Verdict.Inconclusive) > 0
		for _, why := range doc.Verdict.Inconclusive {
			saturatedOnly = saturatedOnly && strings.Contains(why, "generator was saturated")
		}
		if err != nil || (code != exitOK && !saturatedOnly) {
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
	for _, w := range warnings { // a busy machine may saturate the generators; nothing else may be wrong
		if !strings.Contains(w, "load generator was saturated") {
			t.Errorf("warnings on a complete set of shards: %q", warnings)
			break
		}
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
