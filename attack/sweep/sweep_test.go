package sweep_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/internal/machine"
	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/attack/sweep"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/render"
	"github.com/ragload/ragload/results/sweepfile"
	"github.com/ragload/ragload/results/threshold"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

func sweepJob(t *testing.T, url string, sc *targets.Scenario, creds []auth.Credential) *sweep.Job {
	t.Helper()
	rules, err := threshold.Rules(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &sweep.Job{
		Setup: attack.Setup{Dir: filepath.Join(t.TempDir(), "sweep"), Target: url, Scenario: sc, Credentials: creds,
			Seed: 3, Options: attack.Options{Name: "sweep"}, Tool: "ragload test"},
		SweepSpec: runspec.SweepSpec{From: 25, To: 1000, StepDuration: 2 * time.Second, Warmup: 500 * time.Millisecond},
		Rules:     rules,
	}
}

// runSweep runs a sweep on a quiet machine, again (up to 3 times) when a
// step was generator-limited: under go test ./... other packages' tests
// can keep both cores busy, ragload then rightly refuses to claim a
// capacity, and these tests are about the search, not that guard (which
// TestProofStarvedGenerator checks).
func runSweep(t *testing.T, job *sweep.Job) (*sweepfile.Sweep, int) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		machine.WaitQuiet()
		j := *job
		j.Dir = filepath.Join(t.TempDir(), "sweep")
		sw, err := j.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !sw.GeneratorLimited || attempt == 3 {
			job.Dir = j.Dir
			return sw, attempt
		}
		t.Logf("attempt %d was generator-limited (%s); again", attempt, sw.Answer)
	}
}

// TestSweepFindsCapacity: the demo API with W workers and a fixed service
// time S serves W/S requests a second; the sweep finds that within 10%.
func TestSweepFindsCapacity(t *testing.T) {
	const workers, service = 2, 20 * time.Millisecond // 100 rps
	srv := demo.New(demo.Config{Workers: workers, QueryLatency: service, EnhancedLatency: service, DocumentsLatency: service, Sigma: -1, LoginLatency: -1})
	url := serve(t, srv)
	sc := targets.Default()
	for i := range sc.Endpoints {
		if sc.Endpoints[i].Key == "health" { // not in the worker pool
			sc.Endpoints[i].Weight = 0
		}
	}
	job := sweepJob(t, url, sc, []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}})
	job.From = 40
	sw, attempts := runSweep(t, job)
	var b strings.Builder
	render.Sweep(&b, render.FormatText, sw)
	t.Logf("\n%s", b.String())
	capacity := float64(workers) / service.Seconds()
	if !sw.Found || sw.Capacity < 0.9*capacity || sw.Capacity > 1.1*capacity {
		t.Errorf("found %v, capacity %g rps; want %g ± 10%%", sw.Found, sw.Capacity, capacity)
	}
	if sw.Limit <= sw.Capacity || (sw.Limit-sw.Capacity)/sw.Capacity > 0.1 {
		t.Errorf("bracket [%g, %g]: want a failing step within the search's precision above the capacity", sw.Capacity, sw.Limit)
	}
	// The summary on disk says the same, and every step is a run of its own.
	disk, err := sweepfile.Read(job.Dir)
	if err != nil || disk.Capacity != sw.Capacity || len(disk.Steps) != len(sw.Steps) {
		t.Fatalf("sweep.json: %+v, %v", disk, err)
	}
	for _, st := range sw.Steps {
		if m, err := results.ReadManifest(filepath.Join(job.Dir, st.Dir)); err != nil || m.Status != results.StatusComplete {
			t.Errorf("step %s: manifest %v, %v", st.Dir, m, err)
		}
	}
	if st := srv.Stats(); st.Logins != int64(attempts) {
		t.Errorf("%d logins in %d sweeps of %d steps: a sweep logs in once", st.Logins, attempts, len(sw.Steps))
	}
}

// TestSweepFindsCapacitySlowAnswers: RAG answers take seconds. With W
// workers and S = 1 s per answer the server serves W requests a second,
// each in a second (W in flight, Little's law); the sweep finds W/S within
// 10%, although a second's worth of answers to each step's requests comes
// after the step, and to its warm-up's inside it.
func TestSweepFindsCapacitySlowAnswers(t *testing.T) {
	const workers, service = 20, time.Second // 20 rps
	srv := demo.New(demo.Config{Workers: workers, QueryLatency: service, EnhancedLatency: service, DocumentsLatency: service, Sigma: -1, LoginLatency: -1})
	url := serve(t, srv)
	sc := targets.Default()
	for i := range sc.Endpoints {
		if sc.Endpoints[i].Key == "health" {
			sc.Endpoints[i].Weight = 0
		}
	}
	job := sweepJob(t, url, sc, []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}})
	job.From, job.StepDuration, job.Warmup = 12, 3*time.Second, 500*time.Millisecond
	sw, _ := runSweep(t, job)
	var b strings.Builder
	render.Sweep(&b, render.FormatText, sw)
	t.Logf("\n%s", b.String())
	capacity := float64(workers) / service.Seconds()
	if !sw.Found || sw.Capacity < 0.9*capacity || sw.Capacity > 1.1*capacity {
		t.Errorf("found %v, capacity %g rps; want %g ± 10%%", sw.Found, sw.Capacity, capacity)
	}
	// Below capacity every step served what it sent, at 1 s an answer.
	for _, st := range sw.Steps {
		if st.Rate < 0.9*capacity && (st.Verdict != sweepfile.StepPass || st.Throughput < 0.95*st.Rate) {
			t.Errorf("step %g rps below the capacity: %s, served %.1f/s (%s)", st.Rate, st.Verdict, st.Throughput, st.Reason)
		}
	}
}

// collapsing fails every request once more than limit arrive in a second.
func collapsing(t *testing.T, limit int) string {
	t.Helper()
	var mu sync.Mutex
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		mu.Lock()
		arrivals = append(arrivals, now)
		for len(arrivals) > 0 && now.Sub(arrivals[0]) > time.Second {
			arrivals = arrivals[1:]
		}
		over := len(arrivals) > limit
		mu.Unlock()
		if over {
			http.Error(w, "overloaded", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSweepStopsOnBadFailure: a server that fails everything beyond 60
// requests a second ends the search within two steps of that rate.
func TestSweepStopsOnBadFailure(t *testing.T) {
	job := sweepJob(t, collapsing(t, 60), scenario("/health"), nil)
	job.From = 10
	sw, _ := runSweep(t, job)
	beyond := 0
	for _, st := range sw.Steps {
		if st.Rate > 60 {
			beyond++
		}
	}
	last := sw.Steps[len(sw.Steps)-1]
	if beyond > 2 || last.Verdict != sweepfile.StepBad || !strings.Contains(sw.Answer, "stopped early") {
		t.Errorf("%d steps beyond 60 rps, last %+v, answer %q", beyond, last, sw.Answer)
	}
	if sw.Capacity > 60 || sw.Limit <= 60 {
		t.Errorf("bracket [%g, %g] does not hold the 60 rps where the server collapses", sw.Capacity, sw.Limit)
	}
}

func TestSweepFixedStepsAndInterrupt(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	t.Cleanup(srv.Close)
	job := sweepJob(t, srv.URL, scenario("/health"), nil)
	job.Steps, job.StepDuration, job.Warmup = []float64{10, 20, 40}, time.Second, 0
	sw, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Steps) != 3 || !sw.Found || sw.Capacity != 40 || !strings.Contains(sw.Answer, "at least 40 rps") {
		t.Errorf("fixed steps: %d steps, answer %q", len(sw.Steps), sw.Answer)
	}

	job = sweepJob(t, srv.URL, scenario("/health"), nil)
	job.StepDuration = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	sw, err = job.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sw.Status != results.StatusInterrupted || len(sw.Steps) != 1 {
		t.Errorf("interrupted sweep: status %s, %d steps", sw.Status, len(sw.Steps))
	}
}

// TestSweepNotesFewSamples: a step judged on fewer samples than a run's
// verdict needs (a p95 needs 100) still passes, and says so; a step with
// enough says nothing.
func TestSweepNotesFewSamples(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	t.Cleanup(srv.Close)
	job := sweepJob(t, srv.URL, scenario("/health"), nil)
	job.Steps, job.StepDuration, job.Warmup = []float64{20, 150}, time.Second, 0
	sw, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Steps) != 2 {
		t.Fatalf("%d steps, want 2", len(sw.Steps))
	}
	small, large := sw.Steps[0], sw.Steps[1]
	if small.Verdict != sweepfile.StepPass || !strings.Contains(small.Reason, "few samples: p95<2s rests on") || !strings.Contains(small.Reason, "of the 100 a p95 needs") {
		t.Errorf("step of %d requests: %s, reason %q; want a pass that notes its few samples", small.Requests, small.Verdict, small.Reason)
	}
	if large.Verdict == sweepfile.StepPass && strings.Contains(large.Reason, "few samples") {
		t.Errorf("step of %d requests notes few samples: %q", large.Requests, large.Reason)
	}
	var b strings.Builder
	if err := render.Sweep(&b, render.FormatText, sw); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), small.Dir+": few samples") {
		t.Errorf("the sweep table does not show the note:\n%s", b.String())
	}
}

// serve runs the demo server on loopback for the test.
func serve(t *testing.T, s *demo.Server) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

// scenario is a scenario without login over the given GET paths, each
// weighted 1.
func scenario(paths ...string) *targets.Scenario {
	sc := &targets.Scenario{Name: "sweep", Source: "test", Auth: targets.Default().Auth}
	for _, p := range paths {
		sc.Endpoints = append(sc.Endpoints, targets.Endpoint{Key: strings.Trim(p, "/"), Name: p, Method: "GET", Path: p, Weight: 1})
	}
	return sc
}
