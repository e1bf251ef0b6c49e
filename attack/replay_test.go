package attack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/internal/machine"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// sendOffsets reads a run's results: their send times from the run's start,
// sorted, and the requests per endpoint.
func sendOffsets(t *testing.T, dir string) ([]time.Duration, map[string]int) {
	t.Helper()
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	resolve := results.NewResolverFor(m)
	var offsets []time.Duration
	counts := map[string]int{}
	if err := results.ReadFile(filepath.Join(dir, results.ResultsFile), func(r *vegeta.Result) error {
		offsets = append(offsets, r.Timestamp.Sub(m.Started))
		counts[resolve.Name(r)]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(offsets)
	return offsets, counts
}

func replayJob(t *testing.T, url string, open replay.Opener, info replay.Info, creds []auth.Credential) *attack.ReplayJob {
	t.Helper()
	return &attack.ReplayJob{Player: replay.NewPlayer(open, info), Info: info, Source: "test", Speed: 1, Loops: 1,
		Setup: attack.Setup{Dir: filepath.Join(t.TempDir(), "replay"), Target: url, Scenario: targets.Default(), Credentials: creds,
			Seed: 1, Options: attack.Options{Name: "replay"}, Tool: "ragload test"}}
}

// TestRecordReplayRoundTrip records an attack and replays it at speed 1:
// the same requests per endpoint, the same count, and send offsets within
// 2 ms at p99 of the recorded ones.
func TestRecordReplayRoundTrip(t *testing.T) {
	_, url := fastDemo(t, demo.Config{})
	creds := []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}}
	stream := filepath.Join(t.TempDir(), "stream.jsonl")
	f, err := os.Create(stream)
	if err != nil {
		t.Fatal(err)
	}
	rec := replay.NewRecorder(f)
	job := newJob(t, url, plan.Constant(200, 3*time.Second))
	job.Record = rec
	if _, err := job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// The stream: in offset order, one line per request, no credentials.
	var recorded []time.Duration
	fr, _ := os.Open(stream)
	defer fr.Close()
	sc := bufio.NewScanner(fr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e replay.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", len(recorded)+1, err)
		}
		if n := len(recorded); n > 0 && e.Offset < recorded[n-1] {
			t.Fatalf("line %d is out of order", n+1)
		}
		if e.Header.Get("Authorization") != "" {
			t.Fatalf("line %d carries credentials", len(recorded)+1)
		}
		recorded = append(recorded, e.Offset)
	}
	_, original := sendOffsets(t, job.Dir)
	if len(recorded) != 600 {
		t.Fatalf("%d lines recorded, want 600", len(recorded))
	}

	machine.WaitQuiet()
	open, info, err := replay.OpenStream(stream, false)
	if err != nil {
		t.Fatal(err)
	}
	rj := replayJob(t, url, open, info, creds)
	rep, err := rj.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	replayed, counts := sendOffsets(t, rj.Dir)
	if len(replayed) != len(recorded) || rep.Manifest.Mode != "replay" || rep.Manifest.Replay.Digest == "" {
		t.Fatalf("replayed %d of %d; manifest %+v", len(replayed), len(recorded), rep.Manifest.Replay)
	}
	for name, n := range original {
		if counts[name] != n {
			t.Errorf("%s: %d requests replayed, %d recorded", name, counts[name], n)
		}
	}
	diffs := make([]float64, len(recorded))
	for i := range recorded {
		diffs[i] = math.Abs(float64(replayed[i] - recorded[i]))
	}
	sort.Float64s(diffs)
	p99 := time.Duration(diffs[len(diffs)*99/100])
	t.Logf("replay send offsets vs recorded: p50 %s, p99 %s, max %s", time.Duration(diffs[len(diffs)/2]), p99, time.Duration(diffs[len(diffs)-1]))
	// 2 ms under `make proof` (the proofs alone on the machine); under
	// `go test ./...` other packages share the two cores, and the
	// proofs' tolerance applies (a run at load 5 saw 2.7 ms).
	bound := tolerance(0)
	if os.Getenv("RAGLOAD_STRICT_PROOFS") == "1" {
		bound = 2 * time.Millisecond
	}
	if p99 > bound {
		t.Errorf("offsets differ by %s at p99; want ≤ %s", p99, bound)
	}
	if st := rep.Total; st.Failures != 0 || st.Unauthorized != 0 {
		t.Errorf("%d failures (%d 401s): the replay must log in itself", st.Failures, st.Unauthorized)
	}
}

// TestReplayAccessLogBurst replays an access log with a known burst at
// speed 10: the burst comes at a tenth of its recorded time.
func TestReplayAccessLogBurst(t *testing.T) {
	_, url := fastDemo(t, demo.Config{})
	// 10/s for 5 s, 100 in the sixth second, 10/s for 4 s more.
	var lines []string
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for s := range 10 {
		n := 10
		if s == 5 {
			n = 100
		}
		for range n {
			lines = append(lines, fmt.Sprintf(`127.0.0.1 - - [%s] "GET /health HTTP/1.1" 200 12 "-" "curl"`, at.Add(time.Duration(s)*time.Second).Format("02/Jan/2006:15:04:05 -0700")))
		}
	}
	logFile := filepath.Join(t.TempDir(), "access.log")
	os.WriteFile(logFile, []byte(joinLines(lines)), 0o644)
	open, info, err := replay.FromAccessLog(logFile, targets.Default(), 1, false)
	if err != nil {
		t.Fatal(err)
	}
	open, info, err = replay.Scaled(open, info, 10, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	machine.WaitQuiet()
	rj := replayJob(t, url, open, info, nil)
	rj.Speed = 10
	if _, err := rj.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	offsets, _ := sendOffsets(t, rj.Dir)
	if len(offsets) != 190 {
		t.Fatalf("%d requests replayed, want 190", len(offsets))
	}
	// Recorded second 5 becomes 0.5–0.6 s: 100 requests there, about 10 in
	// each other tenth of a second.
	perTenth := make([]int, 11)
	for _, o := range offsets {
		perTenth[min(int(o/(100*time.Millisecond)), 10)]++
	}
	t.Logf("requests per 100 ms: %v", perTenth)
	if perTenth[5] < 95 || perTenth[4] > 15 || perTenth[6] > 15 {
		t.Errorf("requests per 100 ms %v: want the burst of 100 in the sixth tenth", perTenth)
	}
}

func joinLines(lines []string) string {
	out := ""
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}
