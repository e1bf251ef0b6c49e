package attack_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
)

// TestUnboundedJob: --rate 0 sends as fast as its workers go for the
// plan's duration, never more at once than the cap, and its results carry
// no schedule lag (they had no due time).
func TestUnboundedJob(t *testing.T) {
	_, url := fastDemo(t, demo.Config{})
	p := plan.Unbounded(500 * time.Millisecond)
	if err := p.Validate(); err != nil || p.Count() != 0 || p.String() != "unbounded rate for 500ms" {
		t.Fatalf("plan: %v, count %d, %q", err, p.Count(), p)
	}
	job := newJob(t, url, p)
	job.Options.MaxWorkers = 4
	start := time.Now()
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the run took %s, planned 500ms", d)
	}
	m := rep.Manifest
	if m.Status != results.StatusComplete || m.Plan.Kind != plan.KindUnbounded || m.Planned != 0 || m.Completed < 20 || m.Completed != m.Sent {
		t.Errorf("manifest: status %s, kind %q, planned %d, sent %d, completed %d", m.Status, m.Plan.Kind, m.Planned, m.Sent, m.Completed)
	}
	if g := m.Generator; g == nil || g.Scheduled != 0 {
		t.Errorf("generator: %+v; want no scheduled requests", g)
	}
	n := 0
	err = results.ReadFile(filepath.Join(job.Dir, results.ResultsFile), func(r *vegeta.Result) error {
		n++
		if _, ok := results.Lag(r); ok || r.Code != 200 {
			t.Errorf("result %d: code %d, lag header %v", r.Seq, r.Code, r.Headers)
		}
		return nil
	})
	if err != nil || uint64(n) != m.Completed {
		t.Errorf("read %d results, %v; manifest %d", n, err, m.Completed)
	}
	for _, s := range m.Generator.Samples {
		if s.InFlight > 4 {
			t.Errorf("%d requests in flight, over the cap of 4", s.InFlight)
		}
	}
}

// TestUnboundedJobInterrupted: stopped before its duration, an unbounded
// run says it was interrupted (it has no planned count to fall short of).
func TestUnboundedJobInterrupted(t *testing.T) {
	_, url := fastDemo(t, demo.Config{})
	job := newJob(t, url, plan.Unbounded(time.Minute))
	job.Options.MaxWorkers = 2
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	rep, err := job.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m := rep.Manifest; m.Status != results.StatusInterrupted || m.Completed == 0 || m.Completed != m.Sent {
		t.Errorf("manifest: status %s, sent %d, completed %d", m.Status, m.Sent, m.Completed)
	}
}

func TestUnboundedJobRefused(t *testing.T) {
	job := newJob(t, "http://127.0.0.1:1", plan.Unbounded(time.Second))
	if _, err := job.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "cap on the workers") {
		t.Errorf("without MaxWorkers: %v", err)
	}
	job.Options.MaxWorkers, job.Arrivals = 4, plan.ArrivalsPoisson
	if _, err := job.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "Poisson") {
		t.Errorf("with Poisson arrivals: %v", err)
	}
}
