package compare

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ragload/ragload/results"
)

// Options configures a comparison of two sets of runs.
type Options struct {
	// MaxRegression is how much worse a percentile may get before it is a
	// regression (if the change is also significant); 0.10 is 10%.
	MaxRegression float64
	// Alpha is the significance level of the tests.
	Alpha float64
	// MaxFailureRise is how much the failure rate may rise (0.005 is half
	// a percentage point) before it is a regression.
	MaxFailureRise float64
	// Skip leaves out the first part of each run (warm-up).
	Skip time.Duration
	// Samples caps the latencies kept per endpoint and side for the tests
	// (a uniform reservoir); percentiles themselves come from all results.
	Samples int
	// Resamples is the number of bootstrap resamples.
	Resamples int
	// Seed makes reservoirs and bootstrap reproducible.
	Seed uint64
}

// Defaults of Options.
const (
	DefaultMaxRegression  = 0.10
	DefaultAlpha          = 0.05
	DefaultMaxFailureRise = 0.005
	DefaultSamples        = 10000
	DefaultResamples      = 1000
)

func (o *Options) defaults() {
	if o.MaxRegression <= 0 {
		o.MaxRegression = DefaultMaxRegression
	}
	if o.Alpha <= 0 {
		o.Alpha = DefaultAlpha
	}
	if o.MaxFailureRise <= 0 {
		o.MaxFailureRise = DefaultMaxFailureRise
	}
	if o.Samples <= 0 {
		o.Samples = DefaultSamples
	}
	if o.Resamples <= 0 {
		o.Resamples = DefaultResamples
	}
}

// Change is one metric compared.
type Change struct {
	Metric    string  `json:"metric"` // requests, rps, failures, goodput, p50, p95, p99, ttft_p95; a journey's started, completed, failures, p50, p95, p99
	Base      float64 `json:"base"`   // ms for latencies, a fraction for failures
	New       float64 `json:"new"`
	Delta     float64 `json:"delta"` // relative change (new/base - 1); for failures, the rise in points (goodput: req/s, higher is better)
	P         float64 `json:"p,omitempty"`
	CILow     float64 `json:"ci_low,omitempty"`  // bootstrap interval of Delta
	CIHigh    float64 `json:"ci_high,omitempty"` // (latency percentiles only)
	Tested    bool    `json:"tested"`            // a significance test applied
	Signif    bool    `json:"significant"`
	Worse     bool    `json:"regression"`
	Note      string  `json:"note,omitempty"`
	isLatency bool
}

// IsLatency reports whether the metric is a latency percentile (Base and
// New in ms, with a test and an interval).
func (ch Change) IsLatency() bool { return ch.isLatency }

// Row is an endpoint (or the total), or a journey, compared.
type Row struct {
	Name    string   `json:"name"`
	Changes []Change `json:"changes"`
}

// Comparison is the outcome of comparing two sides.
type Comparison struct {
	Base, New *Side
	Options   Options
	Rows      []Row
	// Journeys are the journeys compared, when both sides have journeys:
	// their durations (p50, p95, p99 of the completed ones, in ms) and
	// failure rates (failed / ended).
	Journeys   []Row
	Regression bool
	Reasons    []string
	Warnings   []string
}

// quantiles compared, with the samples each needs: at least 5 beyond it.
var comparedQuantiles = []float64{50, 95, 99}

func minSamples(q float64) int { return int(results.MinSamples(q)) }

// Runs compares two sides endpoint by endpoint and in total, then journey
// by journey.
func Runs(base, cand *Side, o Options) *Comparison {
	o.defaults()
	c := &Comparison{Base: base, New: cand, Options: o}
	c.Warnings = planWarnings(base, cand)
	names := []string{base.Report.Total.Name}
	seen := map[string]bool{}
	for _, side := range []*Side{base, cand} {
		for _, s := range side.Report.Endpoints {
			if !seen[s.Name] {
				seen[s.Name] = true
				names = append(names, s.Name)
			}
		}
	}
	goodput := judged(base) && judged(cand)
	rng := rand.New(rand.NewPCG(o.Seed, 0xb007))
	for _, name := range names {
		row := Row{Name: name}
		bs, ns := base.stats(name), cand.stats(name)
		if bs == nil || ns == nil {
			side := "the new runs"
			if bs == nil {
				side = "the base runs"
			}
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: no requests in %s, not compared", name, side))
			continue
		}
		row.Changes = append(row.Changes,
			Change{Metric: "requests", Base: float64(bs.Requests), New: float64(ns.Requests), Delta: rel(float64(bs.Requests), float64(ns.Requests))},
			Change{Metric: "rps", Base: base.rate(bs), New: cand.rate(ns), Delta: rel(base.rate(bs), cand.rate(ns))},
			c.failures(bs, ns))
		if goodput {
			row.Changes = append(row.Changes, c.goodput(base, cand, bs, ns))
		}
		row.Changes = append(row.Changes, c.percentiles("", comparedQuantiles, base.latency[name], cand.latency[name], rng)...)
		if bt, nt := base.ttft[name], cand.ttft[name]; bt != nil && nt != nil {
			row.Changes = append(row.Changes, c.percentiles("ttft_", []float64{95}, bt, nt, rng)...)
		}
		for _, ch := range row.Changes {
			if ch.Worse {
				c.Regression = true
				c.Reasons = append(c.Reasons, reason(name, ch, o))
			}
		}
		c.Rows = append(c.Rows, row)
	}
	c.compareJourneys(base, cand, rng)
	return c
}

func (s *Side) stats(name string) *results.Stats {
	if name == s.Report.Total.Name {
		return s.Report.Total
	}
	for _, st := range s.Report.Endpoints {
		if st.Name == name {
			return st
		}
	}
	return nil
}

func (s *Side) rate(st *results.Stats) float64 {
	if s.Seconds <= 0 {
		return 0
	}
	return float64(st.Requests) / s.Seconds
}

func rel(base, cand float64) float64 {
	if base == 0 {
		return 0
	}
	return cand/base - 1
}

func (c *Comparison) failures(bs, ns *results.Stats) Change {
	ch := Change{Metric: "failures", Base: bs.FailureRate(), New: ns.FailureRate()}
	ch.Delta = ch.New - ch.Base
	ch.Worse = ch.Delta > c.Options.MaxFailureRise
	return ch
}

// Goodput reports whether the comparison has goodput rows: both sides
// declared response checks or an SLO.
func (c *Comparison) Goodput() bool { return judged(c.Base) && judged(c.New) }

// judged reports whether a side's runs declared response checks or an
// SLO, so that its goodput means something.
func judged(s *Side) bool {
	r := s.Report
	return r.SLO != nil || r.Total.Checked > 0 || (r.Manifest != nil && len(r.Manifest.Scenario.Checks) > 0)
}

// goodput compares the rate of good requests (passed their checks and met
// the SLO): higher is better, a fall of more than MaxRegression is a
// regression. It is a count over the sending time, not a sample, so no
// test applies.
func (c *Comparison) goodput(base, cand *Side, bs, ns *results.Stats) Change {
	ch := Change{Metric: "goodput", Base: base.goodput(bs), New: cand.goodput(ns)}
	ch.Delta = rel(ch.Base, ch.New)
	ch.Worse = ch.Delta < -c.Options.MaxRegression
	return ch
}

func (s *Side) goodput(st *results.Stats) float64 {
	if s.Seconds <= 0 {
		return 0
	}
	return float64(st.Good) / s.Seconds
}

func reason(name string, ch Change, o Options) string {
	switch ch.Metric {
	case "goodput":
		return fmt.Sprintf("%s: goodput fell %.1f%% (%.1f/s → %.1f/s of requests that passed their checks and met the SLO), more than %.0f%%",
			name, -100*ch.Delta, ch.Base, ch.New, 100*o.MaxRegression)
	case "failures":
		return fmt.Sprintf("%s: failures rose from %.2f%% to %.2f%%, more than %.1f points", name, 100*ch.Base, 100*ch.New, 100*o.MaxFailureRise)
	}
	return fmt.Sprintf("%s: %s rose %.1f%% (%s → %s ms; %.0f%% interval %+.1f%% to %+.1f%%, p=%.3g), more than %.0f%%",
		name, ch.Metric, 100*ch.Delta, fmtMS(ch.Base), fmtMS(ch.New), 100*(1-o.Alpha), 100*ch.CILow, 100*ch.CIHigh, ch.P, 100*o.MaxRegression)
}

func fmtMS(ms float64) string {
	return results.FormatMillis(time.Duration(ms * float64(time.Millisecond)))
}

// planDescription describes the plan of a run for comparing plans:
// "attack: constant 20/s for 1m0s", "users: … (15 users)".
func planDescription(m *results.Manifest) string {
	d := m.Mode + ": " + m.Plan.Description
	if m.Users != nil {
		d += fmt.Sprintf(" (%d users)", m.Users.Planned)
	}
	return d
}

// PlanDifference returns a plan of the base runs that none of the new runs
// has, and the new runs' plans, sorted; "" when the plans agree or a side
// has no manifest (its plan is unknown). A comparison of a 50/s run with
// a 100/s run measures the plan, not the change.
func PlanDifference(base, cand []*results.Manifest) (string, []string) {
	describe := func(ms []*results.Manifest) map[string]bool {
		out := map[string]bool{}
		for _, m := range ms {
			out[planDescription(m)] = true
		}
		return out
	}
	b, n := describe(base), describe(cand)
	if len(n) == 0 {
		return "", nil
	}
	for _, d := range keysOf(b) {
		if !n[d] {
			return d, keysOf(n)
		}
	}
	return "", nil
}

// planWarnings notes plans that differ, and sides whose plan is unknown.
func planWarnings(base, cand *Side) []string {
	var w []string
	if d, others := PlanDifference(base.Manifests, cand.Manifests); d != "" {
		w = append(w, fmt.Sprintf("the plans differ: %s has %q, %s has %v", base.Label, d, cand.Label, others))
	}
	if len(base.Manifests) == 0 || len(cand.Manifests) == 0 {
		w = append(w, "a side has no run.json: its plan is unknown, so a different plan would go unnoticed")
	}
	return w
}

func keysOf(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
