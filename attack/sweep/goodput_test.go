package sweep_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/attack/sweep"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results/render"
	"github.com/ragload/ragload/results/sweepfile"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// degradeScenario sends only the basic query, whose answers must have
// sources: the demo's degraded answers fail that check.
const degradeScenario = `endpoints:
  - key: query
    checks:
      - status: 2xx
      - json: sources
        min_items: 1
        name: has sources
  - key: enhanced
    weight: 0
  - key: health
    weight: 0
  - key: documents
    weight: 0
`

// TestSweepGoodputShare: the demo answers a query in 100 ms, but degrades
// (200 at once, no sources) when 4 are in flight, so it serves good
// answers at 40/s at most, and fast empty ones at any rate. A sweep
// judged by latency and failures survives every step up to --to (120/s);
// with --goodput-share 0.9 the 60/s step, whose goodput is about 40/s,
// fails on its goodput, and the usable capacity is 30/s.
func TestSweepGoodputShare(t *testing.T) {
	srv := demo.New(demo.Config{Workers: 64, QueryLatency: 100 * time.Millisecond, HealthLatency: -1, LoginLatency: -1, Sigma: -1,
		Faults: []demo.Fault{{Kind: demo.FaultDegrade, Load: 4}}})
	url := serve(t, srv)
	sc, err := targets.Parse("quality.yaml", []byte(degradeScenario))
	if err != nil {
		t.Fatal(err)
	}
	run := func(share float64) *sweepfile.Sweep {
		t.Helper()
		b, err := runspec.Spec{URL: url, Scenario: sc, Mode: runspec.ModeSweep, Out: filepath.Join(t.TempDir(), "sweep"), Seed: 3, Tool: "ragload test",
			Credentials: []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
			Sweep:       runspec.SweepSpec{From: 15, To: 120, Growth: 2, Precision: 1, StepDuration: time.Second, Warmup: 500 * time.Millisecond, GoodputShare: share}}.Build()
		if err != nil {
			t.Fatal(err)
		}
		sw, _ := runSweep(t, sweep.New(b))
		var out strings.Builder
		render.Sweep(&out, render.FormatText, sw)
		t.Logf("goodput share %g:\n%s", share, out.String())
		for _, st := range sw.Steps {
			if st.Goodput == nil {
				t.Errorf("step %s has no goodput, though its scenario has checks", st.Dir)
			}
		}
		if !strings.Contains(out.String(), "Goodput/s") {
			t.Error("the sweep table lacks its Goodput/s column")
		}
		return sw
	}
	start := time.Now()
	survived := run(0)
	usable := run(0.9)
	if !survived.Found || survived.Capacity != 120 || !strings.Contains(survived.Answer, "survivable capacity") {
		t.Errorf("without --goodput-share: found %v, capacity %g (%s); want every step up to 120/s to pass, fast empty answers and all",
			survived.Found, survived.Capacity, survived.Answer)
	}
	if top := survived.Steps[len(survived.Steps)-1]; top.Goodput == nil || *top.Goodput > 0.6*top.Rate {
		t.Errorf("the 120/s step passed with goodput %v; want ≤ 60%% of its rate (the demo's 40/s of good answers)", top.Goodput)
	}
	if !usable.Found || usable.Capacity != 30 || usable.Limit != 60 {
		t.Errorf("with --goodput-share 0.9: found %v, bracket [%g, %g] (%s); want [30, 60]", usable.Found, usable.Capacity, usable.Limit, usable.Answer)
	}
	for _, w := range []string{"decided by goodput at 60 rps", "usable capacity", "goodput ≥ 90%"} {
		if !strings.Contains(usable.Answer, w) {
			t.Errorf("the answer %q lacks %q", usable.Answer, w)
		}
	}
	for _, st := range usable.Steps {
		if st.Rate == 60 && (st.Verdict != sweepfile.StepFail || !strings.Contains(st.Reason, "goodput only")) {
			t.Errorf("step 60/s: %s (%s); want a fail on its goodput", st.Verdict, st.Reason)
		}
	}
	if usable.Plan.GoodputShare != 0.9 {
		t.Errorf("sweep.json's plan has goodput share %g, want 0.9", usable.Plan.GoodputShare)
	}
	t.Logf("both sweeps in %s", time.Since(start).Round(100*time.Millisecond))
}
