package results

import (
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/errkind"
	"github.com/ragload/ragload/results/journey"
	"github.com/ragload/ragload/results/tokens"
)

// Histogram bounds: microseconds from 1 µs to 1 h at 3 significant digits
// (values above the top are clamped; the exact maximum is kept apart).
const (
	histLowest  = 1
	histHighest = int64(time.Hour / time.Microsecond)
	histDigits  = 3
	// maxErrorKinds bounds the distinct error messages kept per endpoint.
	maxErrorKinds = 20
)

// Stats accumulates the results of one endpoint (or of all of them).
type Stats struct {
	Name string
	Key  string

	Requests     uint64
	Failures     uint64 // code outside 200–399, or a transport error
	RateLimited  uint64 // 429s (also counted in Failures)
	Unauthorized uint64 // 401s (also counted in Failures)
	Codes        map[uint16]uint64
	Errors       map[string]uint64
	OtherErrors  uint64     // errors beyond maxErrorKinds distinct messages
	errOrder     []string   // the keys of Errors in order of first appearance
	kinds        errorKinds // failures by kind, with their first messages (ErrorKinds)
	BytesIn      uint64
	BytesOut     uint64
	Scheduled    uint64 // results that carried a schedule lag

	First, Last time.Time // earliest and latest send
	LastEnd     time.Time // latest completion

	// Dropped are the requests of this endpoint the plan called for and
	// the generator dropped instead of sending (the manifest's counts,
	// filled in by NewReport): not in Requests, never seen by the server.
	Dropped uint64

	// Setup is true for an endpoint whose requests are not the load (the
	// logins of virtual users): they are not in the total.
	Setup bool

	Streamed uint64 // results that carried streaming timings
	Tokens   uint64 // tokens in those results

	// Checked counts the results whose response checks ran: those of an
	// endpoint with checks that were not failures. CheckFailed counts
	// those that failed at least one check; Checks, per check of the
	// endpoint in the scenario's order, how many failed it (the total
	// has none: its endpoints list theirs).
	Checked, CheckFailed uint64
	Checks               []CheckCount
	// Good counts the requests that count in goodput: not failures,
	// passed every check and met every objective of the run's SLO.
	Good uint64

	// views holds a distribution per latency view (viewResponse…viewTPOT,
	// named ViewResponse…ViewTPOT), made on first use.
	views [numViews]*Dist
	// window is the report's sending period (Report.Window), for Goodput.
	window time.Duration
}

// Indexes of the latency views in Stats.views.
const (
	viewResponse = iota
	viewService
	viewLag
	viewTTFB
	viewTTFT
	viewGap
	viewITL
	viewTPOT
	numViews
)

// viewNames names the views of Stats.views by index.
var viewNames = [numViews]string{ViewResponse, ViewService, ViewLag, ViewTTFB, ViewTTFT, ViewGap, ViewITL, ViewTPOT}

// viewIndex is the index in Stats.views of a view name, or -1.
func viewIndex(view string) int {
	for i, n := range viewNames {
		if n == view {
			return i
		}
	}
	return -1
}

func newStats(name, key string) *Stats {
	return &Stats{Name: name, Key: key, Codes: map[uint16]uint64{}, Errors: map[string]uint64{}}
}

// record adds v to the view's distribution (n times, when given).
func (s *Stats) record(view int, v time.Duration, n ...int64) {
	d := s.views[view]
	if d == nil {
		d = NewDist()
		s.views[view] = d
	}
	if len(n) > 0 {
		d.recordN(v, n[0])
		return
	}
	d.Record(v)
}

// Failed reports whether r counts as a failure.
func Failed(r *vegeta.Result) bool {
	return r.Code < 200 || r.Code >= 400 || r.Error != ""
}

// sample is what Stats.add counts of one result, worked out once for the
// endpoint and the total.
type sample struct {
	r       *vegeta.Result
	sent    time.Time // r.Timestamp without its monotonic reading, as a file holds it
	failure *failure  // nil unless Failed(r)

	lag       time.Duration
	scheduled bool
	stream    tokens.Stream
	streamed  bool
	quality
}

// failure is a failed result's message (as Stats.Errors keys it), its kind
// and the shape its kind counts distinct messages by.
type failure struct {
	msg, kind, shape string
}

// add counts x; with counts only, it leaves the distributions alone (the
// total's are merged from the endpoints').
func (s *Stats) add(x *sample, countsOnly bool) {
	r := x.r
	s.Requests++
	s.Codes[r.Code]++
	switch r.Code {
	case 429:
		s.RateLimited++
	case 401:
		s.Unauthorized++
	}
	if f := x.failure; f != nil {
		s.Failures++
		if _, ok := s.Errors[f.msg]; ok {
			s.Errors[f.msg]++
		} else if len(s.Errors) < maxErrorKinds {
			s.Errors[f.msg] = 1
			s.errOrder = append(s.errOrder, f.msg)
		} else {
			s.OtherErrors++
		}
		s.kinds.add(f.kind, f.shape, f.msg, 1)
	}
	s.BytesIn += r.BytesIn
	s.BytesOut += r.BytesOut
	if s.First.IsZero() || x.sent.Before(s.First) {
		s.First = x.sent
	}
	if x.sent.After(s.Last) {
		s.Last = x.sent
	}
	if end := x.sent.Add(r.Latency); end.After(s.LastEnd) {
		s.LastEnd = end
	}
	if x.scheduled {
		s.Scheduled++
	}
	if x.streamed {
		s.Streamed++
		s.Tokens += uint64(x.stream.Tokens)
	}
	s.addQuality(x)
	if countsOnly {
		return
	}
	resp := r.Latency
	if x.scheduled {
		resp += x.lag
		s.record(viewLag, x.lag)
	}
	s.record(viewService, r.Latency)
	s.record(viewResponse, resp)
	if x.streamed {
		st := x.stream
		s.record(viewTTFB, st.TTFB)
		if st.Tokens > 0 {
			s.record(viewTTFT, st.TTFT)
			s.record(viewGap, st.MaxGap)
		}
	}
	for _, g := range x.timing.Gaps {
		s.record(viewITL, g.Gap, int64(g.N))
	}
	if x.hasTPOT {
		s.record(viewTPOT, x.tpot)
	}
}

// Aggregator sorts results into per-endpoint and total Stats. The zero
// value is not usable; call NewAggregator. Not safe for concurrent use.
type Aggregator struct {
	resolve *Resolver
	total   *Stats
	// merged is false when the total's distributions lag behind the
	// endpoints': a result is recorded in its endpoint's histograms only,
	// and Total merges them (exactly: the same buckets) when asked.
	merged bool
	byName map[string]*Stats
	order  []string
	keys   map[string]string // name -> key
	setup  map[string]bool   // names of setup endpoints, kept out of the total
	count  uint64            // results added, setup ones included

	// recent holds the routes of the last results with their Stats, so
	// that a result of a route seen lately costs two string comparisons
	// instead of the resolver's lookups.
	recent [recentRoutes]route
	next   int // the entry of recent to replace next
	// failures caches the classification of failure messages.
	failures map[failureKey]*failure
	// checks are the names of each endpoint's checks (the manifest's);
	// slo the objectives of goodput.
	checks map[string][]string
	slo    SLO

	// journeys follows the journeys of marked results (journey.MarkOf);
	// journeyTimes holds the durations of the completed ones by name.
	journeys     *journey.Tracker
	journeyTimes map[string]*Dist
}

// recentRoutes is how many routes Aggregator.recent holds: enough for the
// default scenario's four endpoints with some to spare.
const recentRoutes = 8

type route struct {
	method, url string
	s           *Stats
}

type failureKey struct {
	code uint16
	msg  string
}

// maxCachedFailures bounds Aggregator.failures: messages that all differ
// (ports, addresses) are classified one by one past it.
const maxCachedFailures = 1000

// NewAggregator returns an Aggregator that names endpoints after the
// manifest's scenario (m may be nil for a bare vegeta file) and lists them
// in the scenario's order.
func NewAggregator(m *Manifest) *Aggregator {
	a := &Aggregator{total: newStats("TOTAL", ""), byName: map[string]*Stats{}, keys: map[string]string{}, failures: map[failureKey]*failure{},
		journeys: journey.NewTracker(journeyNames(m)), journeyTimes: map[string]*Dist{}}
	var eps []EndpointInfo
	if m != nil {
		eps = m.Scenario.Endpoints
	}
	a.resolve = NewResolverFor(m)
	a.setup = setupEndpoints(m)
	if m != nil {
		a.checks = m.Scenario.Checks
		if m.Scenario.SLO != nil {
			a.slo = *m.Scenario.SLO
		}
	}
	for _, e := range eps {
		a.keys[e.Name] = e.Key
		a.order = append(a.order, e.Name)
	}
	return a
}

// Add counts one result. It does not keep r.
func (a *Aggregator) Add(r *vegeta.Result) {
	x := sample{r: r, sent: r.Timestamp.Round(0)}
	if Failed(r) {
		x.failure = a.classify(r.Code, r.Error)
	}
	if len(r.Headers) > 0 {
		x.lag, x.scheduled = Lag(r)
		if len(r.Headers) > 1 || !x.scheduled { // not the lag alone
			x.stream, x.streamed = tokens.StreamOf(r)
			x.read(r, x.stream)
			if m, ok := journey.MarkOf(r); ok {
				a.addJourney(m, &x)
			}
		}
	}
	a.count++
	s := a.endpoint(r)
	x.judge(s, a.slo)
	s.add(&x, false)
	if !s.Setup {
		a.total.add(&x, true)
	}
	a.merged = false
}

// endpoint returns the Stats of r's endpoint, made on first use.
func (a *Aggregator) endpoint(r *vegeta.Result) *Stats {
	for i := range a.recent {
		if e := &a.recent[i]; e.s != nil && e.url == r.URL && e.method == r.Method {
			return e.s
		}
	}
	s := a.stats(a.resolve.Name(r))
	a.recent[a.next] = route{method: r.Method, url: r.URL, s: s}
	a.next = (a.next + 1) % len(a.recent)
	return s
}

// stats returns the Stats of the endpoint name, made on first use.
func (a *Aggregator) stats(name string) *Stats {
	s := a.byName[name]
	if s == nil {
		s = newStats(name, a.keys[name])
		s.Setup = a.setup[name]
		for _, c := range a.checks[name] {
			s.Checks = append(s.Checks, CheckCount{Name: c})
		}
		a.byName[name] = s
		if _, listed := a.keys[name]; !listed {
			a.order = append(a.order, name)
		}
	}
	return s
}

// classify returns the message, kind and shape of a failure.
func (a *Aggregator) classify(code uint16, errText string) *failure {
	k := failureKey{code, errText}
	if f := a.failures[k]; f != nil {
		return f
	}
	msg := errText
	if msg == "" {
		msg = strconv.Itoa(int(code))
	}
	f := &failure{msg: msg, kind: errkind.Of(code, msg), shape: errkind.Shape(msg)}
	if len(a.failures) < maxCachedFailures {
		a.failures[k] = f
	}
	return f
}

// Count is the number of results added, setup requests (which the total
// leaves out) included.
func (a *Aggregator) Count() uint64 { return a.count }

// Total returns the Stats over all endpoints but setup ones. After results were added it
// merges the endpoints' histograms into the total's (about a millisecond):
// call it when needed, not for every result.
func (a *Aggregator) Total() *Stats {
	if !a.merged {
		for v := range a.total.views {
			var d *Dist
			for _, s := range a.byName {
				if s.views[v] == nil || s.Setup {
					continue
				}
				if d == nil {
					d = NewDist()
				}
				d.merge(s.views[v])
			}
			a.total.views[v] = d
		}
		a.merged = true
	}
	return a.total
}

// Endpoints returns the per-endpoint Stats that saw requests, in scenario
// order, then in order of first appearance.
func (a *Aggregator) Endpoints() []*Stats {
	var out []*Stats
	for _, n := range a.order {
		if s := a.byName[n]; s != nil {
			out = append(out, s)
		}
	}
	return out
}
