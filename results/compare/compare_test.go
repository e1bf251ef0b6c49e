package results

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// syntheticSide is a side of n results to one endpoint whose latencies are
// lognormal (median 300 ms, sigma 0.5) times scale, sent evenly over 60 s.
func syntheticSide(label string, n int, scale float64, seed uint64, o CompareOptions) *Side {
	o.defaults()
	rng := rand.New(rand.NewPCG(seed, 7))
	m := &Manifest{Name: label, Mode: "attack", Plan: Plan{Description: "constant 50/s for 1m0s"},
		Scenario: ScenarioInfo{Endpoints: []EndpointInfo{{Key: "q", Name: "/query", Method: "POST", Path: "/q"}}}}
	b := newSideBuilder(label, m, o)
	for i := range n {
		lat := 300 * math.Exp(0.5*rng.NormFloat64()) * scale
		b.add(&vegeta.Result{Code: 200, Method: "POST", URL: "http://h/q", Timestamp: t0.Add(time.Duration(i) * time.Minute / time.Duration(n)),
			Latency: time.Duration(lat * float64(time.Millisecond))})
	}
	b.side.Manifests = []*Manifest{m}
	b.side.Seconds = 60
	return b.finish()
}

// TestCompareCallsRight is the acceptance test of the statistics: equal
// distributions are called unchanged in at least 95 of 100 seeded trials,
// and a 20% shift in p95 is called a regression in at least 95 of 100.
func TestCompareCallsRight(t *testing.T) {
	o := CompareOptions{Resamples: 300}
	unchanged, caught := 0, 0
	for trial := range uint64(100) {
		base := syntheticSide("base", 1000, 1, 1000+trial, o)
		same := syntheticSide("same", 1000, 1, 2000+trial, o)
		slower := syntheticSide("slower", 1000, 1.2, 3000+trial, o)
		o.Seed = trial
		if !Compare(base, same, o).Regression {
			unchanged++
		}
		if c := Compare(base, slower, o); c.Regression {
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
	o := CompareOptions{Resamples: 200}
	base := syntheticSide("base", 300, 1, 1, o)
	cand := syntheticSide("new", 300, 1, 2, o)
	// 1% of the new requests fail: a rise of a point, over the half point allowed.
	cand.Report.Total.Failures += 3
	cand.Report.Endpoints[0].Failures += 3
	c := Compare(base, cand, o)
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
	if cells := p99.cells(); cells[2] != "?" {
		t.Errorf("p99 change shown as %q, want ?", cells[2])
	}
}

func TestComparePlanWarnings(t *testing.T) {
	o := CompareOptions{Resamples: 100}
	a, b := syntheticSide("a", 200, 1, 1, o), syntheticSide("b", 200, 1, 2, o)
	b.Manifests[0].Plan.Description = "constant 100/s for 1m0s"
	c := Compare(a, b, o)
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "the plans differ") {
		t.Errorf("warnings %q", c.Warnings)
	}
	b.Manifests = nil
	if c := Compare(a, b, o); !strings.Contains(strings.Join(c.Warnings, ";"), "has no run.json") {
		t.Errorf("warnings %q", c.Warnings)
	}
}

func TestWriteComparison(t *testing.T) {
	o := CompareOptions{Resamples: 200, Seed: 3}
	c := Compare(syntheticSide("runs/base", 1000, 1, 1, o), syntheticSide("runs/new", 1000, 1.3, 2, o), o)
	for _, f := range CompareFormats {
		var buf bytes.Buffer
		if err := WriteComparison(&buf, f, c); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		switch f {
		case FormatText:
			for _, w := range []string{"Verdict: REGRESSION", "because /query: p95 rose", "✗", "base: runs/base (1000 requests) · new: runs/new"} {
				if !strings.Contains(out, w) {
					t.Errorf("text lacks %q:\n%s", w, out)
				}
			}
		case FormatMarkdown:
			if !strings.Contains(out, "### ragload compare: REGRESSION") || !strings.Contains(out, "| **/query** | requests |") {
				t.Errorf("markdown:\n%s", out)
			}
		case FormatJSON:
			var doc struct {
				Schema     string `json:"schema"`
				Regression bool   `json:"regression"`
				Rows       []Row  `json:"rows"`
			}
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Schema != ComparisonSchema || !doc.Regression || len(doc.Rows) != 2 {
				t.Errorf("json %v: %s", err, out)
			}
		}
	}
	if err := WriteComparison(&bytes.Buffer{}, "xml", c); err == nil {
		t.Error("format xml accepted")
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
