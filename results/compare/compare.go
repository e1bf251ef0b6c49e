package results

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"golang.org/x/perf/benchmath"
)

// CompareOptions configures a comparison of two sets of runs.
type CompareOptions struct {
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

// Defaults of CompareOptions.
const (
	DefaultMaxRegression  = 0.10
	DefaultAlpha          = 0.05
	DefaultMaxFailureRise = 0.005
	DefaultSamples        = 10000
	DefaultResamples      = 1000
)

func (o *CompareOptions) defaults() {
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

// Side is one side of a comparison: the union of one or more runs.
type Side struct {
	Label     string
	Report    *Report
	Manifests []*Manifest
	// Seconds is the sending time the rates are computed over: the sum of
	// the runs' windows less the skipped warm-up.
	Seconds float64
	// Damaged lists the *DamagedError of files read only in part.
	Damaged []error
	latency map[string]*reservoir // by endpoint name, TOTAL included
	ttft    map[string]*reservoir
}

// reservoir keeps a uniform sample of at most cap values (Algorithm R).
type reservoir struct {
	values []float64
	seen   int
	cap    int
	rng    *rand.Rand
}

func (r *reservoir) add(v float64) {
	r.seen++
	if len(r.values) < r.cap {
		r.values = append(r.values, v)
		return
	}
	if i := r.rng.IntN(r.seen); i < r.cap {
		r.values[i] = v
	}
}

// LoadSide reads inputs as one side, leaving out each run's first Skip.
func LoadSide(label string, inputs []Input, o CompareOptions) (*Side, error) {
	o.defaults()
	m, merged := Merge(inputs)
	b := newSideBuilder(label, m, o)
	// Shards of one run (one run id) share their window; separate runs
	// (repeats) add theirs up.
	type span struct{ from, to time.Time }
	runs := map[string]*span{}
	for i, in := range inputs {
		start, window, err := runWindow(in)
		if err != nil {
			return nil, err
		}
		key := fmt.Sprint("input ", i)
		if in.Manifest != nil {
			b.side.Manifests = append(b.side.Manifests, in.Manifest)
			if in.Manifest.RunID != "" {
				key = in.Manifest.RunID
			}
		}
		if sp := runs[key]; sp == nil {
			runs[key] = &span{start, start.Add(window)}
		} else {
			sp.from, sp.to = minTime(sp.from, start), maxTime(sp.to, start.Add(window))
		}
		from := start.Add(o.Skip)
		d, err := ReadInputs([]Input{in}, func(r *vegeta.Result) error {
			if !r.Timestamp.Before(from) {
				b.add(r)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		b.side.Damaged = append(b.side.Damaged, d...)
	}
	for _, sp := range runs {
		b.side.Seconds += max(sp.to.Sub(sp.from)-o.Skip, 0).Seconds()
	}
	side := b.finish()
	side.Report.Warnings = append(side.Report.Warnings, merged...)
	return side, nil
}

// sideBuilder aggregates results into a Side.
type sideBuilder struct {
	side    *Side
	m       *Manifest
	agg     *Aggregator
	resolve *Resolver
	rng     *rand.Rand
	cap     int
}

func newSideBuilder(label string, m *Manifest, o CompareOptions) *sideBuilder {
	return &sideBuilder{
		side: &Side{Label: label, latency: map[string]*reservoir{}, ttft: map[string]*reservoir{}},
		m:    m, agg: NewAggregator(m), resolve: NewResolverFor(m),
		rng: rand.New(rand.NewPCG(o.Seed, uint64(len(label)))), cap: o.Samples,
	}
}

func (b *sideBuilder) keep(into map[string]*reservoir, name string, v time.Duration) {
	r := into[name]
	if r == nil {
		r = &reservoir{cap: b.cap, rng: b.rng}
		into[name] = r
	}
	r.add(float64(v) / float64(time.Millisecond))
}

func (b *sideBuilder) add(r *vegeta.Result) {
	b.agg.Add(r)
	lag, _ := Lag(r)
	st, streamed := StreamOf(r)
	for _, name := range [2]string{b.resolve.Name(r), b.agg.total.Name} {
		b.keep(b.side.latency, name, r.Latency+lag)
		if streamed && st.Tokens > 0 {
			b.keep(b.side.ttft, name, st.TTFT)
		}
	}
}

func (b *sideBuilder) finish() *Side {
	b.side.Report = NewReport(b.m, b.agg, nil)
	for _, d := range b.side.Damaged {
		b.side.Report.Warnings = append(b.side.Report.Warnings, d.Error())
	}
	return b.side
}

// runWindow is where an input's run starts and how long it sent: from the
// manifest, or from a first pass over a bare file.
func runWindow(in Input) (time.Time, time.Duration, error) {
	if m := in.Manifest; m != nil && !m.Started.IsZero() && m.SendEnded.After(m.Started) {
		return m.Started, m.SendEnded.Sub(m.Started), nil
	}
	var first, last time.Time
	var n int
	if _, err := ReadInputs([]Input{in}, func(r *vegeta.Result) error {
		if first.IsZero() || r.Timestamp.Before(first) {
			first = r.Timestamp
		}
		if r.Timestamp.After(last) {
			last = r.Timestamp
		}
		n++
		return nil
	}); err != nil {
		return first, 0, err
	}
	if n < 2 {
		return first, 0, nil
	}
	return first, time.Duration(float64(last.Sub(first)) * float64(n) / float64(n-1)), nil
}

// Change is one metric compared.
type Change struct {
	Metric    string  `json:"metric"` // requests, rps, failures, p50, p95, p99, ttft_p95
	Base      float64 `json:"base"`   // ms for latencies, a fraction for failures
	New       float64 `json:"new"`
	Delta     float64 `json:"delta"` // relative change (new/base - 1); for failures, the rise in points
	P         float64 `json:"p,omitempty"`
	CILow     float64 `json:"ci_low,omitempty"`  // bootstrap interval of Delta
	CIHigh    float64 `json:"ci_high,omitempty"` // (latency percentiles only)
	Tested    bool    `json:"tested"`            // a significance test applied
	Signif    bool    `json:"significant"`
	Worse     bool    `json:"regression"`
	Note      string  `json:"note,omitempty"`
	isLatency bool
}

// Row is an endpoint (or the total) compared.
type Row struct {
	Name    string   `json:"name"`
	Changes []Change `json:"changes"`
}

// Comparison is the outcome of comparing two sides.
type Comparison struct {
	Base, New  *Side
	Options    CompareOptions
	Rows       []Row
	Regression bool
	Reasons    []string
	Warnings   []string
}

// quantiles compared, with the samples each needs: at least 5 beyond it.
var comparedQuantiles = []float64{50, 95, 99}

func minSamples(q float64) int { return int(MinSamples(q)) }

// Compare compares two sides endpoint by endpoint and in total.
func Compare(base, cand *Side, o CompareOptions) *Comparison {
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
	return c
}

func (s *Side) stats(name string) *Stats {
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

func (s *Side) rate(st *Stats) float64 {
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

func (c *Comparison) failures(bs, ns *Stats) Change {
	ch := Change{Metric: "failures", Base: bs.FailureRate(), New: ns.FailureRate()}
	ch.Delta = ch.New - ch.Base
	ch.Worse = ch.Delta > c.Options.MaxFailureRise
	return ch
}

// test is the Mann-Whitney U test of two latency samples, benchstat's
// "assume nothing" comparison.
func (c *Comparison) test(a, b *reservoir) benchmath.Comparison {
	th := &benchmath.Thresholds{CompareAlpha: c.Options.Alpha}
	if a == nil || b == nil || len(a.values) == 0 || len(b.values) == 0 {
		return benchmath.Comparison{P: 1, Alpha: c.Options.Alpha}
	}
	return benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Clone(a.values), th), benchmath.NewSample(slices.Clone(b.values), th))
}

// percentiles compares the qs-th percentiles of two samples: each change,
// a bootstrap interval for it, and whether it is significant (the U test
// rejects equality and the interval excludes no change).
func (c *Comparison) percentiles(prefix string, qs []float64, a, b *reservoir, rng *rand.Rand) []Change {
	out := make([]Change, len(qs))
	for i, q := range qs {
		out[i] = Change{Metric: fmt.Sprintf("%sp%g", prefix, q), isLatency: true}
	}
	if a == nil || b == nil {
		for i := range out {
			out[i].Note = "no samples"
		}
		return out
	}
	as, bs := slices.Sorted(slices.Values(a.values)), slices.Sorted(slices.Values(b.values))
	var tested []float64
	for i, q := range qs {
		ch := &out[i]
		ch.Base, ch.New = nearestRank(as, q), nearestRank(bs, q)
		ch.Delta = rel(ch.Base, ch.New)
		if need := minSamples(q); len(as) < need || len(bs) < need {
			ch.Note = fmt.Sprintf("too few samples (%d and %d; %s needs %d)", len(as), len(bs), ch.Metric, need)
			continue
		}
		tested = append(tested, q)
	}
	if len(tested) == 0 {
		return out
	}
	cmp := c.test(a, b)
	cis := bootstrapChanges(as, bs, tested, c.Options.Resamples, c.Options.Alpha, rng)
	for i, q := range qs {
		ci, ok := cis[q]
		if !ok {
			continue
		}
		ch := &out[i]
		ch.Tested, ch.P, ch.CILow, ch.CIHigh = true, cmp.P, ci[0], ci[1]
		ch.Signif = cmp.P < c.Options.Alpha && (ch.CILow > 0 || ch.CIHigh < 0)
		ch.Worse = ch.Signif && ch.Delta > c.Options.MaxRegression
	}
	return out
}

// nearestRank is the q-th percentile of sorted values.
func nearestRank(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// bootstrapChanges gives percentile-bootstrap intervals at level 1-alpha
// for the relative change of each qs-th percentile between two sorted
// samples. A resample of a sorted sample is drawn as counts per index, so
// all its percentiles come out of one pass, without sorting.
func bootstrapChanges(a, b []float64, qs []float64, resamples int, alpha float64, rng *rand.Rand) map[float64][2]float64 {
	ca, cb := make([]int, len(a)), make([]int, len(b))
	qa, qb := make([]float64, len(qs)), make([]float64, len(qs))
	changes := make([][]float64, len(qs))
	for range resamples {
		resampledPercentiles(a, ca, qs, qa, rng)
		resampledPercentiles(b, cb, qs, qb, rng)
		for i := range qs {
			if qa[i] > 0 {
				changes[i] = append(changes[i], qb[i]/qa[i]-1)
			}
		}
	}
	out := map[float64][2]float64{}
	for i, q := range qs {
		if len(changes[i]) == 0 {
			continue
		}
		slices.Sort(changes[i])
		out[q] = [2]float64{nearestRank(changes[i], 100*alpha/2), nearestRank(changes[i], 100*(1-alpha/2))}
	}
	return out
}

// resampledPercentiles draws a resample of sorted (with replacement) and
// writes its qs-th percentiles (ascending qs) into out.
func resampledPercentiles(sorted []float64, counts []int, qs, out []float64, rng *rand.Rand) {
	clear(counts)
	n := len(sorted)
	for range n {
		counts[rng.IntN(n)]++
	}
	k, seen := 0, 0
	for i, c := range counts {
		seen += c
		for k < len(qs) && seen >= int(math.Ceil(qs[k]/100*float64(n))) {
			out[k] = sorted[i]
			k++
		}
		if k == len(qs) {
			return
		}
	}
	for ; k < len(qs); k++ {
		out[k] = sorted[n-1]
	}
}

func reason(name string, ch Change, o CompareOptions) string {
	if ch.Metric == "failures" {
		return fmt.Sprintf("%s: failures rose from %.2f%% to %.2f%%, more than %.1f points", name, 100*ch.Base, 100*ch.New, 100*o.MaxFailureRise)
	}
	return fmt.Sprintf("%s: %s rose %.1f%% (%s → %s ms; %.0f%% interval %+.1f%% to %+.1f%%, p=%.3g), more than %.0f%%",
		name, ch.Metric, 100*ch.Delta, fmtMS(ch.Base), fmtMS(ch.New), 100*(1-o.Alpha), 100*ch.CILow, 100*ch.CIHigh, ch.P, 100*o.MaxRegression)
}

func fmtMS(ms float64) string { return FormatMillis(time.Duration(ms * float64(time.Millisecond))) }

// PlanDescription describes the plan of a run for comparing plans:
// "attack: constant 20/s for 1m0s", "users: … (15 users)".
func PlanDescription(m *Manifest) string {
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
func PlanDifference(base, cand []*Manifest) (string, []string) {
	describe := func(ms []*Manifest) map[string]bool {
		out := map[string]bool{}
		for _, m := range ms {
			out[PlanDescription(m)] = true
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
