package results

import (
	"sort"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
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
	kinds        errorKinds // failures by kind, with their first messages (ErrorKinds)
	BytesIn      uint64
	BytesOut     uint64
	Scheduled    uint64 // results that carried a schedule lag

	First, Last time.Time // earliest and latest send
	LastEnd     time.Time // latest completion

	Streamed uint64 // results that carried streaming timings
	Tokens   uint64 // tokens in those results

	// views holds a distribution per latency view (ViewResponse,
	// ViewService, ViewLag, ViewTTFB, ViewTTFT, ViewGap), made on first use.
	views map[string]*dist
}

func newStats(name, key string) *Stats {
	return &Stats{Name: name, Key: key, Codes: map[uint16]uint64{}, Errors: map[string]uint64{}, views: map[string]*dist{}}
}

// dist is one latency distribution: an HDR histogram plus the exact
// extremes (the histogram's are the edges of a bucket).
type dist struct {
	h        *hdrhistogram.Histogram
	min, max time.Duration
}

func (d *dist) record(v time.Duration) {
	us := max(int64(v/time.Microsecond), histLowest)
	_ = d.h.RecordValue(min(us, histHighest)) // in range by construction
	if d.h.TotalCount() == 1 || v < d.min {
		d.min = v
	}
	d.max = max(d.max, v)
}

// record adds v to the view's distribution.
func (s *Stats) record(view string, v time.Duration) {
	d := s.views[view]
	if d == nil {
		d = &dist{h: hdrhistogram.New(histLowest, histHighest, histDigits)}
		s.views[view] = d
	}
	d.record(v)
}

// Failed reports whether r counts as a failure.
func Failed(r *vegeta.Result) bool {
	return r.Code < 200 || r.Code >= 400 || r.Error != ""
}

func (s *Stats) add(r *vegeta.Result, lag time.Duration, scheduled bool) {
	s.Requests++
	s.Codes[r.Code]++
	switch r.Code {
	case 429:
		s.RateLimited++
	case 401:
		s.Unauthorized++
	}
	if Failed(r) {
		s.Failures++
		msg := r.Error
		if msg == "" {
			msg = strconv.Itoa(int(r.Code))
		}
		if _, ok := s.Errors[msg]; ok || len(s.Errors) < maxErrorKinds {
			s.Errors[msg]++
		} else {
			s.OtherErrors++
		}
		s.kinds.add(r.Code, msg)
	}
	s.BytesIn += r.BytesIn
	s.BytesOut += r.BytesOut
	if s.First.IsZero() || r.Timestamp.Before(s.First) {
		s.First = r.Timestamp
	}
	if r.Timestamp.After(s.Last) {
		s.Last = r.Timestamp
	}
	if end := r.End(); end.After(s.LastEnd) {
		s.LastEnd = end
	}
	resp := r.Latency
	if scheduled {
		s.Scheduled++
		resp += lag
		s.record(ViewLag, lag)
	}
	s.record(ViewService, r.Latency)
	s.record(ViewResponse, resp)
	if st, ok := StreamOf(r); ok {
		s.Streamed++
		s.Tokens += uint64(st.Tokens)
		s.record(ViewTTFB, st.TTFB)
		if st.Tokens > 0 {
			s.record(ViewTTFT, st.TTFT)
			s.record(ViewGap, st.MaxGap)
		}
	}
}

// Aggregator sorts results into per-endpoint and total Stats. The zero
// value is not usable; call NewAggregator. Not safe for concurrent use.
type Aggregator struct {
	resolve *Resolver
	total   *Stats
	byName  map[string]*Stats
	order   []string
	keys    map[string]string // name -> key
}

// NewAggregator returns an Aggregator that names endpoints after the
// manifest's scenario (m may be nil for a bare vegeta file) and lists them
// in the scenario's order.
func NewAggregator(m *Manifest) *Aggregator {
	a := &Aggregator{total: newStats("TOTAL", ""), byName: map[string]*Stats{}, keys: map[string]string{}}
	var eps []EndpointInfo
	if m != nil {
		eps = m.Scenario.Endpoints
	}
	a.resolve = NewResolverFor(m)
	for _, e := range eps {
		a.keys[e.Name] = e.Key
		a.order = append(a.order, e.Name)
	}
	return a
}

// Add counts one result.
func (a *Aggregator) Add(r *vegeta.Result) {
	name := a.resolve.Name(r)
	s := a.byName[name]
	if s == nil {
		s = newStats(name, a.keys[name])
		a.byName[name] = s
		if _, listed := a.keys[name]; !listed {
			a.order = append(a.order, name)
		}
	}
	lag, scheduled := Lag(r)
	s.add(r, lag, scheduled)
	a.total.add(r, lag, scheduled)
}

// Total returns the Stats over all endpoints.
func (a *Aggregator) Total() *Stats { return a.total }

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

// Percentiles is a latency distribution summary.
type Percentiles struct {
	Count uint64        `json:"count"`
	Min   time.Duration `json:"-"`
	Mean  time.Duration `json:"-"`
	P50   time.Duration `json:"-"`
	P90   time.Duration `json:"-"`
	P95   time.Duration `json:"-"`
	P99   time.Duration `json:"-"`
	Max   time.Duration `json:"-"`
}

func (d *dist) summary() Percentiles {
	if d == nil || d.h.TotalCount() == 0 {
		return Percentiles{}
	}
	return Percentiles{
		Count: uint64(d.h.TotalCount()),
		Min:   d.min,
		Mean:  time.Duration(d.h.Mean() * float64(time.Microsecond)),
		P50:   d.quantile(50), P90: d.quantile(90), P95: d.quantile(95), P99: d.quantile(99),
		Max: d.max,
	}
}

// quantile is the histogram's percentile, which is the top of its bucket
// (within 0.1%), clamped to the exact maximum so that p99 never reads above
// max.
func (d *dist) quantile(p float64) time.Duration {
	if d == nil {
		return 0
	}
	return min(time.Duration(d.h.ValueAtQuantile(p))*time.Microsecond, d.max)
}

// View is the distribution of one latency view: ViewResponse, ViewService,
// ViewLag, ViewTTFB, ViewTTFT or ViewGap (empty when nothing was recorded).
func (s *Stats) View(view string) Percentiles { return s.views[view].summary() }

// Response is the distribution of response times from the scheduled send
// (the service latency where there was no schedule).
func (s *Stats) Response() Percentiles { return s.View(ViewResponse) }

// Service is the distribution of latencies from the actual send.
func (s *Stats) Service() Percentiles { return s.View(ViewService) }

// ScheduleLag is the distribution of schedule lags (empty when unscheduled).
func (s *Stats) ScheduleLag() Percentiles { return s.View(ViewLag) }

// Quantile returns the q-th percentile (0 < q ≤ 100) of a latency view.
func (s *Stats) Quantile(q float64, view string) time.Duration { return s.views[view].quantile(q) }

// FailureRate is Failures/Requests (0 when there were none).
func (s *Stats) FailureRate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Failures) / float64(s.Requests)
}

// TopErrors returns the error messages by descending count.
func (s *Stats) TopErrors() []ErrorCount {
	out := make([]ErrorCount, 0, len(s.Errors))
	for m, n := range s.Errors {
		out = append(out, ErrorCount{Message: m, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Message < out[j].Message
	})
	return out
}

// ErrorCount is how often one error message occurred.
type ErrorCount struct {
	Message string `json:"message"`
	Count   uint64 `json:"count"`
}
