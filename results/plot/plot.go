package plot

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
)

// Defaults of a Plot.
const (
	// DefaultMaxPoints is the most dots per series (run × endpoint) on the
	// latency charts.
	DefaultMaxPoints = 5000
	// DefaultTarget is where the latency charts draw the target line: the
	// default verdict's p95 < 2 s.
	DefaultTarget = 2 * time.Second
	// DefaultBuckets is the most time buckets with the automatic width:
	// the smallest of 1 s, 2 s, 4 s, 8 s, … that cuts the longest run into
	// at most this many.
	DefaultBuckets = 150
	// MaxBuckets bounds a run's buckets with a fixed width (WithEvery):
	// past it the width doubles, so memory stays bounded.
	MaxBuckets = 2000
)

// Option configures a Plot.
type Option func(*Plot)

// WithTitle sets the page's title (default: "ragload plot: " and the run
// labels).
func WithTitle(title string) Option { return func(p *Plot) { p.title = title } }

// WithEvery sets the width of the time buckets the percentiles, rates and
// failures are computed over; 0 (the default) picks one (DefaultBuckets).
// A run longer than MaxBuckets buckets gets a multiple of it.
func WithEvery(d time.Duration) Option { return func(p *Plot) { p.every = max(d, 0) } }

// WithMaxPoints sets the most dots per series on the latency charts; 0
// draws the percentile bands alone. The default is DefaultMaxPoints.
func WithMaxPoints(n int) Option { return func(p *Plot) { p.maxPoints = max(n, 0) } }

// WithTarget sets the latency of the target line (DefaultTarget); 0 draws
// none.
func WithTarget(d time.Duration) Option { return func(p *Plot) { p.target = max(d, 0) } }

// Plot overlays runs on time charts: latency percentiles (and sampled
// results) per endpoint, throughput and failures, each run from its own
// start. It reads results as they stream by and keeps only per-bucket
// summaries and a bounded sample, so its memory does not grow with the
// number of results. Not safe for concurrent use.
type Plot struct {
	title     string
	every     time.Duration
	maxPoints int
	target    time.Duration
	runs      []*run
	sweeps    []sweepJSON
	labels    []string // of the runs and sweeps, in the order they were added
}

// New returns an empty Plot.
func New(opts ...Option) *Plot {
	p := &Plot{maxPoints: DefaultMaxPoints, target: DefaultTarget}
	for _, o := range opts {
		o(p)
	}
	return p
}

// AddRun adds a run labeled label (made unique with a " (2)" suffix if
// needed): read must call fn with each of its results. m, which may be nil,
// names the endpoints and gives the run's start (the zero of its
// schedule); without it the run starts with its results. An error from
// read is returned; the run keeps the results read before it, and the page
// shows the error as a warning.
func (p *Plot) AddRun(label string, m *results.Manifest, read func(fn func(*vegeta.Result) error) error) error {
	return p.addRun(label, "", m, read)
}

// AddInput adds one input of results.Resolve as a run labeled with its
// manifest's run name, or else its file name. A damaged file contributes
// the results before the damage and the input's other files are still
// read; the *results.DamagedError of each such file is returned, joined.
// Any other error stops the read and is returned.
func (p *Plot) AddInput(in results.Input) error {
	return p.AddShards([]results.Input{in})
}

// AddShards adds the shards of one run (see results.GroupShards) as one
// run, labeled with its run id: their results are read together and their
// manifests merged; what results.Merge finds wrong with the set (a missing
// shard, another run's) is shown on the page as warnings. Errors are
// AddInput's.
func (p *Plot) AddShards(ins []results.Input) error {
	if len(ins) == 0 {
		return nil
	}
	m, warn := results.Merge(ins)
	label := filepath.Base(ins[0].Path)
	if m != nil && m.Name != "" {
		label = m.Name
	}
	paths := make([]string, len(ins))
	for i, in := range ins {
		paths[i] = in.Path
	}
	err := p.addRun(label, strings.Join(paths, ", "), m, func(fn func(*vegeta.Result) error) error {
		damaged, err := results.ReadInputs(ins, fn)
		return errors.Join(append(damaged, err)...)
	})
	r := p.runs[len(p.runs)-1]
	r.warnings = append(warn, r.warnings...)
	return err
}

func (p *Plot) addRun(label, source string, m *results.Manifest, read func(fn func(*vegeta.Result) error) error) error {
	r := p.newRun(p.uniqueLabel(label), source, m)
	p.runs = append(p.runs, r)
	p.labels = append(p.labels, r.label)
	err := read(func(res *vegeta.Result) error { r.add(res); return nil })
	if err != nil {
		r.warnings = append(r.warnings, strings.Split(err.Error(), "\n")...)
	}
	return err
}

func (p *Plot) uniqueLabel(label string) string {
	taken := func(l string) bool {
		for _, have := range p.labels {
			if have == l {
				return true
			}
		}
		return false
	}
	out := label
	for i := 2; taken(out); i++ {
		out = fmt.Sprintf("%s (%d)", label, i)
	}
	return out
}

// Every returns the bucket width the page uses: the widest of the runs'
// (all of them are brought to it). It is WithEvery's unless a run was too
// long for MaxBuckets of those.
func (p *Plot) Every() time.Duration {
	w := p.firstWidth()
	for _, r := range p.runs {
		w = max(w, r.totals.width)
	}
	return w
}

func (p *Plot) firstWidth() time.Duration {
	if p.every > 0 {
		return p.every
	}
	return time.Second
}

// run is one input's summaries.
type run struct {
	label, source string
	// origin is the zero of offsets: the manifest's start (anchored) or
	// else the due time of the first result read.
	origin   time.Time
	anchored bool
	sendEnd  time.Duration // offset when sending stopped; 0 when unknown

	resolve *results.Resolver
	rank    map[string]int // endpoint name -> position in the scenario
	totals  *grid[counts]
	series  []*series // in order of first appearance
	byName  map[string]*series

	requests, failures uint64
	undated            uint64 // results without a timestamp, counted but not drawn
	warnings           []string

	newBands  func() *grid[sketch]
	newSample func() *sampler
}

// counts are the results of a bucket.
type counts struct{ ok, failed uint64 }

// series is one endpoint of one run.
type series struct {
	name     string
	requests uint64
	bands    *grid[sketch]
	sample   *sampler // nil without points
}

func (p *Plot) newRun(label, source string, m *results.Manifest) *run {
	r := &run{label: label, source: source, rank: map[string]int{}, byName: map[string]*series{}}
	cells := DefaultBuckets
	if p.every > 0 {
		cells = MaxBuckets
	}
	w := p.firstWidth()
	r.totals = newGrid(w, cells, func() *counts { return &counts{} }, func(a, b *counts) *counts {
		a.ok += b.ok
		a.failed += b.failed
		return a
	})
	r.newBands = func() *grid[sketch] { return newGrid(w, cells, newSketch, mergeSketches) }
	// A fixed seed: the same files give the same page.
	rng := rand.New(rand.NewPCG(uint64(len(p.runs))+1, 0x5eed))
	if p.maxPoints > 0 {
		r.newSample = func() *sampler { return newSampler(p.maxPoints, rng) }
	}
	if m != nil {
		for i, e := range m.Scenario.Endpoints {
			if _, ok := r.rank[e.Name]; !ok {
				r.rank[e.Name] = i
			}
		}
		if !m.Started.IsZero() {
			r.origin, r.anchored = m.Started, true
			if m.SendEnded.After(m.Started) {
				r.sendEnd = m.SendEnded.Sub(m.Started)
			}
		}
	}
	r.resolve = results.NewResolverFor(m)
	return r
}

// add counts one result: where it was due on the run's clock (its send
// time less its schedule lag), whether it failed, and its response time
// from the scheduled send, the report's main latency.
func (r *run) add(res *vegeta.Result) {
	r.requests++
	failed := results.Failed(res)
	if failed {
		r.failures++
	}
	if res.Timestamp.IsZero() {
		r.undated++
		return
	}
	lag, _ := results.Lag(res)
	due := res.Timestamp.Add(-lag)
	if r.origin.IsZero() {
		r.origin = due
	}
	off := due.Sub(r.origin)
	c := r.totals.at(off)
	if failed {
		c.failed++
	} else {
		c.ok++
	}
	name := r.resolve.Name(res)
	s := r.byName[name]
	if s == nil {
		s = &series{name: name, bands: r.newBands()}
		if r.newSample != nil {
			s.sample = r.newSample()
		}
		r.byName[name] = s
		r.series = append(r.series, s)
	}
	s.requests++
	lat := res.Latency + lag
	s.bands.at(off).add(lat)
	if s.sample != nil {
		s.sample.add(off, lat)
	}
}
