package compare

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// t0 is the start of every synthetic run.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

// syntheticSide is a side of n results to one endpoint whose latencies are
// lognormal (median 300 ms, sigma 0.5) times scale, sent evenly over 60 s.
func syntheticSide(label string, n int, scale float64, seed uint64, o Options) *Side {
	o.defaults()
	rng := rand.New(rand.NewPCG(seed, 7))
	m := &results.Manifest{Name: label, Mode: "attack", Plan: results.Plan{Description: "constant 50/s for 1m0s"},
		Scenario: results.ScenarioInfo{Endpoints: []results.EndpointInfo{{Key: "q", Name: "/query", Method: "POST", Path: "/q"}}}}
	b := newSideBuilder(label, m, o)
	for i := range n {
		lat := 300 * math.Exp(0.5*rng.NormFloat64()) * scale
		b.add(&vegeta.Result{Code: 200, Method: "POST", URL: "http://h/q", Timestamp: t0.Add(time.Duration(i) * time.Minute / time.Duration(n)),
			Latency: time.Duration(lat * float64(time.Millisecond))})
	}
	b.side.Manifests = []*results.Manifest{m}
	b.side.Seconds = 60
	return b.finish()
}

// TestCompareCallsRight is the acceptance test of the statistics: equal
// distributions are called unchanged in at least 95 of 100 seeded trials,
// and a 20% shift in p95 is called a regression in at least 95 of 100.
func TestCompareCallsRight(t *testing.T) {
	o := Options{Resamples: 300}
	unchanged, caught := 0, 0
	for trial := range uint64(100) {
		base := syntheticSide("base", 1000, 1, 1000+trial, o)
		same := syntheticSide("same", 1000, 1, 2000+trial, o)
		slower := syntheticSide("slower", 1000, 1.2, 3000+trial, o)
		o.Seed = trial
		if !Runs(base, same, o).Regression {
			unchanged++
		}
		if c := Runs(base, slower, o); c.Regression {
			for _, r := range c.Reasons {
				if strings.Contains(r, "p95 rose") {
					caught++
					break
				}
			}
		}
	}
	t.Logf("equal distributions called unchanged in %d/100 trials; a 20%% shift called a p95 regression in %d/100", unchanged, caught)
	if unchanged < 95 || caught < 95 {
		t.Errorf("unchanged %d/100 (want ≥ 95), 20%% shift caught %d/100 (want ≥ 95)", unchanged, caught)
	}
}

func TestCompareFailuresAndFewSamples(t *testing.T) {
	o := Options{Resamples: 200}
	base := syntheticSide("base", 300, 1, 1, o)
	cand := syntheticSide("new", 300, 1, 2, o)
	// 1% of the new requests fail: a rise of a point, over the half point allowed.
	cand.Report.Total.Failures += 3
	cand.Report.Endpoints[0].Failures += 3
	c := Runs(base, cand, o)
	if !c.Regression || !strings.Contains(strings.Join(c.Reasons, ";"), "failures rose from 0.00% to 1.00%") {
		t.Errorf("reasons %q: a failure rise of 1 point must be a regression", c.Reasons)
	}
	var p99 Change
	for _, ch := range c.Rows[0].Changes {
		if ch.Metric == "p99" {
			p99 = ch
		}
	}
	if p99.Tested || !strings.Contains(p99.Note, "too few samples (300 and 300; p99 needs 500)") {
		t.Errorf("p99 with 300 samples: %+v", p99)
	}
	if !p99.IsLatency() || p99.Worse {
		t.Errorf("p99 with too few samples: latency %v, regression %v", p99.IsLatency(), p99.Worse)
	}
}

func TestComparePlanWarnings(t *testing.T) {
	o := Options{Resamples: 100}
	a, b := syntheticSide("a", 200, 1, 1, o), syntheticSide("b", 200, 1, 2, o)
	b.Manifests[0].Plan.Description = "constant 100/s for 1m0s"
	c := Runs(a, b, o)
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "the plans differ") {
		t.Errorf("warnings %q", c.Warnings)
	}
	b.Manifests = nil
	if c := Runs(a, b, o); !strings.Contains(strings.Join(c.Warnings, ";"), "has no run.json") {
		t.Errorf("warnings %q", c.Warnings)
	}
}

func TestBootstrapChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := make([]float64, 2000)
	for i := range a {
		a[i] = float64(i + 1)
	}
	b := make([]float64, len(a))
	for i := range b {
		b[i] = 1.5 * a[i]
	}
	cis := bootstrapChanges(a, b, []float64{50, 95}, 500, 0.05, rng)
	for _, q := range []float64{50, 95} {
		lo, hi := cis[q][0], cis[q][1]
		if !(lo < 0.5 && hi > 0.5) || lo < 0.3 || hi > 0.7 {
			t.Errorf("p%g: interval [%.3f, %.3f] of a +50%% change", q, lo, hi)
		}
	}
}

// withGood marks a side's runs as judged by an SLO and sets how many of its
// requests were good (the endpoint's and the total's).
func withGood(s *Side, good uint64) *Side {
	slo := &results.SLO{Latency: results.Duration(time.Second)}
	s.Report.SLO = slo
	s.Report.Total.Good = good
	for _, e := range s.Report.Endpoints {
		e.Good = good
	}
	return s
}

// goodputChange is the goodput change of the row name, or nil.
func goodputChange(c *Comparison, name string) *Change {
	for _, row := range c.Rows {
		if row.Name != name {
			continue
		}
		for i := range row.Changes {
			if row.Changes[i].Metric == "goodput" {
				return &row.Changes[i]
			}
		}
	}
	return nil
}

// TestCompareGoodput: when both sides declared checks or an SLO, each row
// compares goodput, higher being better: a fall beyond the regression
// margin is a regression with its figures, a smaller one is not; without
// an SLO or checks on a side there is no goodput row.
func TestCompareGoodput(t *testing.T) {
	o := Options{Resamples: 100, Seed: 1}
	// 1000 requests over 60 s each; 900 good is 15/s.
	c := Runs(withGood(syntheticSide("base", 1000, 1, 1, o), 900), withGood(syntheticSide("new", 1000, 1, 1, o), 700), o)
	ch := goodputChange(c, "/query")
	if ch == nil || ch.Base != 15 || math.Abs(ch.New-700.0/60) > 1e-9 || !ch.Worse || !c.Regression || !c.Goodput() {
		t.Fatalf("900 → 700 good: change %+v, regression %v", ch, c.Regression)
	}
	want := "/query: goodput fell 22.2% (15.0/s → 11.7/s of requests that passed their checks and met the SLO), more than 10%"
	if !strings.Contains(strings.Join(c.Reasons, "\n"), want) {
		t.Errorf("reasons %q lack %q", c.Reasons, want)
	}
	if goodputChange(c, "TOTAL") == nil {
		t.Error("no goodput change for TOTAL")
	}

	c = Runs(withGood(syntheticSide("base", 1000, 1, 1, o), 900), withGood(syntheticSide("new", 1000, 1, 1, o), 850), o)
	if ch := goodputChange(c, "/query"); ch == nil || ch.Worse || c.Regression {
		t.Errorf("900 → 850 good (-5.6%%): change %+v, regression %v (%q)", ch, c.Regression, c.Reasons)
	}
	c = Runs(withGood(syntheticSide("base", 1000, 1, 1, o), 900), withGood(syntheticSide("new", 1000, 1, 1, o), 1000), o)
	if ch := goodputChange(c, "/query"); ch == nil || ch.Worse || ch.Delta <= 0 {
		t.Errorf("900 → 1000 good: change %+v", ch)
	}

	c = Runs(syntheticSide("base", 1000, 1, 1, o), withGood(syntheticSide("new", 1000, 1, 1, o), 100), o)
	if ch := goodputChange(c, "/query"); ch != nil || c.Goodput() || c.Regression {
		t.Errorf("base without SLO or checks: goodput change %+v, regression %v", ch, c.Regression)
	}
}
