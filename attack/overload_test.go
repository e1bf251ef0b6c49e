package attack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/threshold"
)

// TestOverloadDropsAndCounts: a plan of 1,000 requests a second on 4
// requests in flight at most, to a server that takes 20 ms (so 200 a
// second at best): ragload sends what the cap lets leave within MaxLag of
// its due time and drops the rest, counted; what it says it sent is what
// the server counted; the rate it states is over when requests actually
// left; and the run ends within its plan, MaxLag and one answer.
func TestOverloadDropsAndCounts(t *testing.T) {
	t.Parallel()
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		seen.Add(1)
		time.Sleep(20 * time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	const maxLag = 100 * time.Millisecond
	plan := plan.Constant(1000, time.Second)
	job := openJob(t, srv.URL, scenario("/health"), nil, plan)
	job.Options.MaxWorkers, job.Options.MaxLag = 4, maxLag
	start := time.Now()
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	m := rep.Manifest
	d := m.Dropped
	if d == nil || d.Total == 0 || d.Endpoints["/health"] != d.Total || d.Late+d.Capped != d.Total {
		t.Fatalf("dropped %+v: want requests dropped (late, or at the cap), by endpoint", d)
	}
	if m.Sent+d.Total != m.Planned || m.Completed != m.Sent {
		t.Errorf("planned %d = sent %d + dropped %d? completed %d", m.Planned, m.Sent, d.Total, m.Completed)
	}
	if got := seen.Load(); got != int64(m.Sent) {
		t.Errorf("the server counted %d requests, ragload says it sent %d", got, m.Sent)
	}
	// 4 in flight for 20 ms each: about 200 a second over the plan and
	// MaxLag; far from the planned 1,000.
	if m.Sent < 100 || m.Sent > 400 {
		t.Errorf("sent %d, want about 200 (4 workers × 20 ms over about 1.1 s)", m.Sent)
	}
	window := m.SendEnded.Sub(m.Started)
	if window < time.Second || window > time.Second+maxLag+200*time.Millisecond {
		t.Errorf("sending lasted %s, want the plan's 1s to 1s + MaxLag %s (and scheduling slack)", window, maxLag)
	}
	if got, want := rep.Rate(rep.Total), float64(m.Sent)/window.Seconds(); got != want {
		t.Errorf("stated rate %.1f/s, want sent over the window when requests left, %.1f/s", got, want)
	}
	if took > time.Second+maxLag+time.Second {
		t.Errorf("the run took %s: want the plan, MaxLag and the slowest answer in flight", took)
	}
	rules, _ := threshold.Rules([]string{"p95<10s"}, nil, nil)
	if err := rep.Judge(rules, 1); err != nil {
		t.Fatal(err)
	}
	if rep.Verdict.Word() != results.WordInconclusive {
		t.Errorf("verdict %s %q: thresholds that held on a run that dropped requests are not a PASS", rep.Verdict.Word(), rep.Verdict.Inconclusive)
	}
}

// TestNoDropsWithinCapacity: a generator that keeps up drops nothing, and
// a server slow to answer gets every planned request however many are in
// flight (the cap grows while the CPU keeps up).
func TestNoDropsWithinCapacity(t *testing.T) {
	t.Parallel()
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		seen.Add(1)
		time.Sleep(1500 * time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	// 1,500 a second for 1 s at 1.5 s each: 1,500 in flight, beyond the
	// cap's start (1,024).
	job := openJob(t, srv.URL, scenario("/health"), nil, plan.Constant(1500, time.Second))
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Manifest
	if m.Dropped != nil || m.Sent != m.Planned || seen.Load() != int64(m.Planned) {
		t.Errorf("planned %d, sent %d, dropped %+v, server saw %d: a slow server must get the whole plan", m.Planned, m.Sent, m.Dropped, seen.Load())
	}
}
