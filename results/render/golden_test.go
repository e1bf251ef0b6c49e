package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/compare"
	"github.com/ragload/ragload/results/sweepfile"
)

// TestComparisonGolden pins every format of a comparison byte for byte
// (go test ./results/render -update rewrites the files), so that moving the code
// that renders it cannot change what it prints.
func TestComparisonGolden(t *testing.T) {
	o := compare.Options{Resamples: 200, Seed: 3}
	comparisonGolden(t, compare.Runs(syntheticSide(t, "runs/base", 1000, 1, 1, o), syntheticSide(t, "runs/new", 1000, 1.3, 2, o), o))
}

// TestSweepGolden pins every format of a sweep's summary byte for byte.
func TestSweepGolden(t *testing.T) {
	start := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	sw := &sweepfile.Sweep{Schema: "ragload.sweep/v1", Tool: "ragload test", Name: "sweep1", Target: "http://api.test", Status: results.StatusComplete,
		Started: start, Ended: start.Add(3 * time.Minute),
		Plan:       sweepfile.Plan{From: 40, To: 1000, StepDuration: results.Duration(30 * time.Second), Warmup: results.Duration(5 * time.Second), Precision: 0.05, Growth: 1.5},
		Thresholds: []string{"p95<2s", "failures<1%"},
		Steps: []sweepfile.Step{
			{Rate: 40, Dir: "step-0040rps", SentRate: 40, Throughput: 40, Requests: 1200, P50: 21.5, P95: 30.2, P99: 41.7, LagP99: 0.9, Verdict: sweepfile.StepPass},
			{Rate: 60, Dir: "step-0060rps", SentRate: 60, Throughput: 59.8, Requests: 1800, P50: 22.1, P95: 35.9, P99: 60.3, LagP99: 1.1, Verdict: sweepfile.StepPass},
			{Rate: 90, Dir: "step-0090rps", SentRate: 90, Throughput: 90, Requests: 2700, P50: 40.3, P95: 420.6, P99: 701, LagP99: 1.2, Verdict: sweepfile.StepPass},
			{Rate: 135, Dir: "step-0135rps", SentRate: 135, Throughput: 99.2, Requests: 4050, Failures: 0.002, P50: 1801, P95: 3312, P99: 3900, LagP99: 1.4, Verdict: sweepfile.StepFail,
				Reason: "overall p95 is 3312.0 ms, not < 2s; served only 99.2/s of 135/s"},
			{Rate: 112, Dir: "step-0112rps", SentRate: 112, Throughput: 99.6, Requests: 3360, P50: 900, P95: 2300, P99: 2500, LagP99: 1.3, Verdict: sweepfile.StepFail,
				Reason: "overall p95 is 2300.0 ms, not < 2s"},
			{Rate: 100, Dir: "step-0100rps", SentRate: 100, Throughput: 99.9, Requests: 3000, P50: 60.1, P95: 900.4, P99: 1400.2, LagP99: 1.2, Verdict: sweepfile.StepPass},
		},
		Found: true, Capacity: 100, Limit: 112, Answer: "max sustainable ≈ 100 rps (bracket [100, 112])",
	}
	for _, f := range SweepFormats {
		t.Run(f, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Sweep(&buf, f, sw); err != nil {
				t.Fatal(err)
			}
			goldenNamed(t, buf.Bytes())
		})
	}
}

// TestSweepGoodputGolden pins a sweep whose steps have a goodput (a
// scenario with checks) and were judged by it (--goodput-share 0.9): the
// Goodput/s column, the intro's rule and the answer's criterion.
func TestSweepGoodputGolden(t *testing.T) {
	start := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	good := func(g float64) *float64 { return &g }
	sw := &sweepfile.Sweep{Schema: "ragload.sweep/v1", Tool: "ragload test", Name: "sweep2", Target: "http://api.test", Status: results.StatusComplete,
		Started: start, Ended: start.Add(time.Minute),
		Plan:       sweepfile.Plan{From: 20, To: 200, StepDuration: results.Duration(time.Second), Warmup: results.Duration(500 * time.Millisecond), Precision: 0.1, Growth: 2, GoodputShare: 0.9},
		Thresholds: []string{"p95<2s", "failures<1%"},
		Steps: []sweepfile.Step{
			{Rate: 20, Dir: "step-0020rps", SentRate: 20, Throughput: 20, Goodput: good(20), Requests: 20, P50: 21.5, P95: 30.2, P99: 41.7, LagP99: 0.9, Verdict: sweepfile.StepPass},
			{Rate: 40, Dir: "step-0040rps", SentRate: 40, Throughput: 40, Goodput: good(21.5), Requests: 40, P50: 12.1, P95: 25.9, P99: 30.3, LagP99: 1.1, Verdict: sweepfile.StepFail,
				Reason: "goodput only 21.5/s, 54% of 40/s (under 90%)"},
			{Rate: 30, Dir: "step-0030rps", SentRate: 30, Throughput: 30, Goodput: good(29), Requests: 30, P50: 20.3, P95: 31.6, P99: 35, LagP99: 1.2, Verdict: sweepfile.StepPass},
			{Rate: 35, Dir: "step-0035rps", SentRate: 35, Throughput: 35, Requests: 35, P50: 20.3, P95: 31.6, P99: 35, LagP99: 1.2, Verdict: sweepfile.StepInterrupted,
				Reason: "interrupted: 20 of 52 planned requests sent"},
		},
		Found: true, Capacity: 30, Limit: 40,
		Answer: "usable capacity ≈ 30 rps (bracket [30, 40]); decided by goodput at 40 rps; each step also needed goodput ≥ 90% of its rate (the usable capacity)",
	}
	for _, f := range SweepFormats {
		t.Run(f, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Sweep(&buf, f, sw); err != nil {
				t.Fatal(err)
			}
			goldenNamed(t, buf.Bytes())
		})
	}
}

func TestComparison(t *testing.T) {
	o := compare.Options{Resamples: 200, Seed: 3}
	c := compare.Runs(syntheticSide(t, "runs/base", 1000, 1, 1, o), syntheticSide(t, "runs/new", 1000, 1.3, 2, o), o)
	for _, f := range CompareFormats {
		var buf bytes.Buffer
		if err := Comparison(&buf, f, c); err != nil {
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
				Schema     string        `json:"schema"`
				Regression bool          `json:"regression"`
				Rows       []compare.Row `json:"rows"`
			}
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Schema != ComparisonSchema || !doc.Regression || len(doc.Rows) != 2 {
				t.Errorf("json %v: %s", err, out)
			}
		}
	}
	if err := Comparison(&bytes.Buffer{}, "xml", c); err == nil {
		t.Error("format xml accepted")
	}
}

// TestComparisonLegend: every mark the Change column shows (~, ✗, ?) is
// explained under the table, and so is why the percentile rows of an
// endpoint share one p: it is one test per endpoint, on the whole
// distribution.
func TestComparisonLegend(t *testing.T) {
	o := compare.Options{Resamples: 200}
	base := syntheticSide(t, "runs/base", 300, 1, 1, o)
	cand := syntheticSide(t, "runs/new", 300, 1, 2, o) // p50, p95 tested (~), p99 too few (?)
	cand.Report.Total.Failures += 3                    // ✗ on failures
	cand.Report.Endpoints[0].Failures += 3
	c := compare.Runs(base, cand, o)
	marks := map[string]bool{}
	for _, row := range c.Rows {
		ps := map[string]bool{}
		for _, ch := range row.Changes {
			cells := changeCells(ch)
			for _, m := range []string{"~", "✗", "?"} {
				if strings.Contains(cells[2], m) {
					marks[m] = true
				}
			}
			if ch.Tested {
				ps[strings.Split(cells[3], ",")[0]] = true
			}
		}
		if len(ps) != 1 {
			t.Errorf("%s: percentile rows show the p values %v, want one (one test per endpoint)", row.Name, ps)
		}
	}
	if len(marks) != 3 {
		t.Fatalf("the fixture shows the marks %v, want ~, ✗ and ?", marks)
	}
	for _, f := range []string{FormatText, FormatMarkdown} {
		var buf bytes.Buffer
		if err := Comparison(&buf, f, c); err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"~ no significant change", "✗ a regression", "? not tested (the Test column says why",
			"p is one Mann-Whitney U test per endpoint (and view) on its whole latency distribution, so all its percentile rows show the same p"} {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s lacks %q:\n%s", f, w, buf.String())
			}
		}
	}
}
