package compare

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/journey"
	"github.com/ragload/ragload/results/tokens"
)

// Side is one side of a comparison: the union of one or more runs.
type Side struct {
	Label     string
	Report    *results.Report
	Manifests []*results.Manifest
	// Seconds is the sending time the rates are computed over: the sum of
	// the runs' windows less the skipped warm-up.
	Seconds float64
	// Damaged lists the *DamagedError of files read only in part.
	Damaged []error
	latency map[string]*reservoir // by endpoint name, TOTAL included
	ttft    map[string]*reservoir
	// journeys holds the durations of the completed journeys, by name.
	journeys map[string]*reservoir
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

// Resolve finds the runs of both sides of a comparison, base and cand
// (paths or globs, as results.Resolve takes them), and refuses a pair
// that cannot be compared: one run on both sides, or runs of different
// plans unless allowPlans. Its errors are the user's to fix.
func Resolve(base, cand string, allowPlans bool) (b, c []results.Input, err error) {
	if b, err = results.Resolve([]string{base}); err != nil {
		return nil, nil, err
	}
	if c, err = results.Resolve([]string{cand}); err != nil {
		return nil, nil, err
	}
	if f := results.SharedFile(b, c); f != "" {
		return nil, nil, fmt.Errorf("%s and %s are the same run (both read %s): compare two different runs", base, cand, f)
	}
	if d, others := PlanDifference(manifests(b), manifests(c)); d != "" && !allowPlans {
		return nil, nil, fmt.Errorf("the plans differ: %s has %q, %s has %q: compare runs of one plan, or pass --allow-different-plans",
			base, d, cand, strings.Join(others, `", "`))
	}
	return b, c, nil
}

// manifests are the manifests of inputs that have one.
func manifests(inputs []results.Input) []*results.Manifest {
	var ms []*results.Manifest
	for _, in := range inputs {
		if in.Manifest != nil {
			ms = append(ms, in.Manifest)
		}
	}
	return ms
}

// Load reads inputs as one side, leaving out each run's first Skip.
func Load(label string, inputs []results.Input, o Options) (*Side, error) {
	o.defaults()
	m, merged := results.Merge(inputs)
	b := newSideBuilder(label, m, o)
	// Shards of one run (one run id) share their window; separate runs
	// (repeats) add theirs up.
	type span struct{ from, to time.Time }
	runs := map[string]*span{}
	for i, in := range inputs {
		start, window, err := in.Span()
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
		for _, f := range in.Files { // one at a time: journey instances are unique within a file
			one := in
			one.Files = []string{f}
			d, err := results.ReadInputs([]results.Input{one}, func(r *vegeta.Result) error {
				if !r.Timestamp.Before(from) {
					b.add(r)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			b.endFile()
			b.side.Damaged = append(b.side.Damaged, d...)
		}
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
	m       *results.Manifest
	agg     *results.Aggregator
	resolve *results.Resolver
	rng     *rand.Rand
	cap     int
	total   string // the total's name
	// tracker follows the journeys as the aggregator does, to keep their
	// durations (the aggregator keeps only their histograms); jrng
	// samples them, apart from rng so that the endpoints' reservoirs do
	// not depend on the journeys.
	tracker *journey.Tracker
	jrng    *rand.Rand
}

func newSideBuilder(label string, m *results.Manifest, o Options) *sideBuilder {
	agg := results.NewAggregator(m)
	return &sideBuilder{
		side: &Side{Label: label, latency: map[string]*reservoir{}, ttft: map[string]*reservoir{}, journeys: map[string]*reservoir{}},
		m:    m, agg: agg, resolve: results.NewResolverFor(m),
		rng: rand.New(rand.NewPCG(o.Seed, uint64(len(label)))), cap: o.Samples,
		total:   agg.Total().Name,
		tracker: journey.NewTracker(journeyNames(m)), jrng: rand.New(rand.NewPCG(o.Seed, 0x10c0+uint64(len(label)))),
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
	lag, scheduled := results.Lag(r)
	st, streamed := tokens.StreamOf(r)
	for _, name := range [2]string{b.resolve.Name(r), b.total} {
		b.keep(b.side.latency, name, r.Latency+lag)
		if streamed && st.Tokens > 0 {
			b.keep(b.side.ttft, name, st.TTFT)
		}
	}
	if m, ok := journey.MarkOf(r); ok {
		b.addJourney(m, r, lag, scheduled)
	}
}

func (b *sideBuilder) finish() *Side {
	b.side.Report = results.NewReport(b.m, b.agg, nil)
	for _, d := range b.side.Damaged {
		b.side.Report.Warnings = append(b.side.Report.Warnings, d.Error())
	}
	return b.side
}
