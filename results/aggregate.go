package results

import (
	"sort"
	"strconv"
	"strings"
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
	OtherErrors  uint64 // errors beyond maxErrorKinds distinct messages
	BytesIn      uint64
	BytesOut     uint64
	Scheduled    uint64 // results that carried a schedule lag

	First, Last time.Time // earliest and latest send
	LastEnd     time.Time // latest completion

	response *hdrhistogram.Histogram // from the scheduled send (= service when unscheduled)
	service  *hdrhistogram.Histogram // from the actual send
	lag      *hdrhistogram.Histogram
	maxResp  time.Duration
	maxServ  time.Duration
	maxLag   time.Duration
	minResp  time.Duration // exact minimums: the histogram's are a bucket's bottom
	minServ  time.Duration
	minLag   time.Duration
}

func newStats(name, key string) *Stats {
	return &Stats{
		Name: name, Key: key,
		Codes:    map[uint16]uint64{},
		Errors:   map[string]uint64{},
		response: hdrhistogram.New(histLowest, histHighest, histDigits),
		service:  hdrhistogram.New(histLowest, histHighest, histDigits),
		lag:      hdrhistogram.New(histLowest, histHighest, histDigits),
	}
}

// Failed reports whether r counts as a failure.
func Failed(r *vegeta.Result) bool {
	return r.Code < 200 || r.Code >= 400 || r.Error != ""
}

func record(h *hdrhistogram.Histogram, d time.Duration) {
	us := max(int64(d/time.Microsecond), histLowest)
	_ = h.RecordValue(min(us, histHighest)) // in range by construction
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
		record(s.lag, lag)
		s.maxLag = max(s.maxLag, lag)
		if s.Scheduled == 1 || lag < s.minLag {
			s.minLag = lag
		}
	}
	record(s.service, r.Latency)
	record(s.response, resp)
	s.maxServ = max(s.maxServ, r.Latency)
	s.maxResp = max(s.maxResp, resp)
	if s.Requests == 1 {
		s.minServ, s.minResp = r.Latency, resp
	}
	s.minServ = min(s.minServ, r.Latency)
	s.minResp = min(s.minResp, resp)
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
	a.resolve = NewResolver(eps)
	prefix := ""
	if m != nil && strings.Contains(m.Target, "://") {
		// The sender requests Target + path: a target such as
		// https://host/api puts /api before every endpoint's path.
		prefix, _ = splitURL(m.Target)
		prefix = strings.TrimRight(prefix, "/")
	}
	for _, e := range eps {
		a.keys[e.Name] = e.Key
		a.order = append(a.order, e.Name)
		if prefix != "" {
			a.resolve.byRoute[e.Method+" "+prefix+e.Path] = e.Name
		}
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

func summarize(h *hdrhistogram.Histogram, exactMin, exactMax time.Duration) Percentiles {
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	q := func(p float64) time.Duration { return quantile(h, p, exactMax) }
	return Percentiles{
		Count: uint64(h.TotalCount()),
		Min:   exactMin,
		Mean:  time.Duration(h.Mean() * float64(time.Microsecond)),
		P50:   q(50), P90: q(90), P95: q(95), P99: q(99),
		Max: exactMax,
	}
}

// quantile is the histogram's percentile, which is the top of its bucket
// (within 0.1%), clamped to the exact maximum so that p99 never reads above
// max.
func quantile(h *hdrhistogram.Histogram, p float64, exactMax time.Duration) time.Duration {
	return min(time.Duration(h.ValueAtQuantile(p))*time.Microsecond, exactMax)
}

// view returns the histogram and exact minimum and maximum of a latency view.
func (s *Stats) view(v string) (*hdrhistogram.Histogram, time.Duration, time.Duration) {
	switch v {
	case ViewService:
		return s.service, s.minServ, s.maxServ
	case ViewLag:
		return s.lag, s.minLag, s.maxLag
	}
	return s.response, s.minResp, s.maxResp
}

// Response is the distribution of response times from the scheduled send
// (the service latency where there was no schedule).
func (s *Stats) Response() Percentiles { return summarize(s.view(ViewResponse)) }

// Service is the distribution of latencies from the actual send.
func (s *Stats) Service() Percentiles { return summarize(s.view(ViewService)) }

// ScheduleLag is the distribution of schedule lags (empty when unscheduled).
func (s *Stats) ScheduleLag() Percentiles { return summarize(s.view(ViewLag)) }

// Quantile returns the q-th percentile (0 < q ≤ 100) of a latency view
// (ViewResponse, ViewService or ViewLag).
func (s *Stats) Quantile(q float64, view string) time.Duration {
	h, _, mx := s.view(view)
	return quantile(h, q, mx)
}

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
