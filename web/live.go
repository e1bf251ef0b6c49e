package web

import (
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
)

// Snapshot is one second of a run for the page: the last window and the
// run so far. Latencies are in milliseconds, from the send (vegeta's
// latency); the stored report has the full views.
type Snapshot struct {
	T        float64 `json:"t"` // seconds since the run started
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50"`
	P95      float64 `json:"p95"`
	P99      float64 `json:"p99"`
	Errors   uint64  `json:"errors"` // failures in the window
	Requests uint64  `json:"requests"`
	Failures uint64  `json:"failures"`
	CumP50   float64 `json:"cumP50"`
	CumP95   float64 `json:"cumP95"`
	CumP99   float64 `json:"cumP99"`
	Users    int     `json:"users"`  // virtual users running (users mode)
	Target   int     `json:"target"` // what they aim at
	Rate     float64 `json:"rate"`   // the rate asked for (rate mode)
	// AskedUsers and AskedRate are what the page last asked for (Set users,
	// Set rate), 0 before it asks: a page opened during the run shows them.
	AskedUsers int           `json:"askedUsers,omitempty"`
	AskedRate  float64       `json:"askedRate,omitempty"`
	InFlight   int64         `json:"inFlight"`
	Rows       []EndpointRow `json:"endpoints"`
}

// EndpointRow is one line of the live table.
type EndpointRow struct {
	Name     string  `json:"name"`
	Requests uint64  `json:"requests"`
	Failures uint64  `json:"failures"`
	P50      float64 `json:"p50"`
	P95      float64 `json:"p95"`
	P99      float64 `json:"p99"`
}

// live aggregates results as they are written: a window of latencies
// (sorted once a second) and an HDR histogram per endpoint. observe runs
// on the recorder's goroutine and does a map lookup and two appends.
type live struct {
	resolver *results.Resolver // only observe uses it

	mu       sync.Mutex
	window   []time.Duration
	winErr   uint64
	last     time.Duration // elapsed at the last snapshot
	total    *endpoint
	byName   map[string]*endpoint
	order    []string
	users    atomic.Int64
	inFlight atomic.Int64
}

type endpoint struct {
	h        *hdrhistogram.Histogram // microseconds
	failures uint64
}

func newEndpoint() *endpoint {
	return &endpoint{h: hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)}
}

// newLive names endpoints as the stored report will: by the scenario's
// method and path, with logins as their own row.
func newLive(sc *targets.Scenario, target string) *live {
	m := &results.Manifest{Target: target, Scenario: results.ScenarioInfo{Checks: sc.ChecksInfo(), SLO: sc.SLO.SLOInfo()}}
	for _, e := range sc.Active() {
		m.Scenario.Endpoints = append(m.Scenario.Endpoints, results.EndpointInfo{Key: e.Key, Name: e.Name, Method: e.Method, Path: e.Path})
	}
	if sc.NeedsAuth() {
		m.Scenario.Endpoints = append(m.Scenario.Endpoints, results.EndpointInfo{
			Key: "login", Name: attack.LoginEndpoint, Method: http.MethodPost, Path: sc.Auth.LoginPath,
		})
	}
	l := &live{resolver: results.NewResolverFor(m), total: newEndpoint(), byName: map[string]*endpoint{}}
	for _, e := range m.Scenario.Endpoints {
		l.byName[e.Name] = newEndpoint()
		l.order = append(l.order, e.Name)
	}
	return l
}

func (l *live) observe(r *vegeta.Result) {
	name := l.resolver.Name(r)
	failed := results.Failed(r)
	us := max(r.Latency.Microseconds(), 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.byName[name]
	if e == nil {
		e = newEndpoint()
		l.byName[name] = e
		l.order = append(l.order, name)
	}
	for _, x := range []*endpoint{e, l.total} {
		x.h.RecordValue(us) //nolint:errcheck // above an hour: dropped
		if failed {
			x.failures++
		}
	}
	l.window = append(l.window, r.Latency)
	if failed {
		l.winErr++
	}
}

// progress takes the driver's counts of users and requests in flight.
func (l *live) progress(p attack.Progress) {
	l.users.Store(int64(p.Users))
	l.inFlight.Store(p.InFlight)
}

func ms(us int64) float64 { return float64(us) / 1000 }

// snapshot closes the window at elapsed.
func (l *live) snapshot(elapsed time.Duration, target int) Snapshot {
	l.mu.Lock()
	win, winErr, span := l.window, l.winErr, elapsed-l.last
	l.window, l.winErr, l.last = make([]time.Duration, 0, len(win)), 0, elapsed
	sn := Snapshot{T: elapsed.Seconds(), Errors: winErr, Requests: uint64(l.total.h.TotalCount()), Failures: l.total.failures,
		CumP50: ms(l.total.h.ValueAtQuantile(50)), CumP95: ms(l.total.h.ValueAtQuantile(95)), CumP99: ms(l.total.h.ValueAtQuantile(99))}
	for _, name := range l.order {
		e := l.byName[name]
		if e.h.TotalCount() == 0 {
			continue
		}
		sn.Rows = append(sn.Rows, EndpointRow{Name: name, Requests: uint64(e.h.TotalCount()), Failures: e.failures,
			P50: ms(e.h.ValueAtQuantile(50)), P95: ms(e.h.ValueAtQuantile(95)), P99: ms(e.h.ValueAtQuantile(99))})
	}
	l.mu.Unlock()

	if span > 0 {
		sn.RPS = float64(len(win)) / span.Seconds()
	}
	if len(win) > 0 {
		slices.Sort(win)
		q := func(p float64) float64 {
			return float64(win[min(int(p*float64(len(win))), len(win)-1)]) / float64(time.Millisecond)
		}
		sn.P50, sn.P95, sn.P99 = q(0.50), q(0.95), q(0.99)
	}
	sn.Users, sn.Target, sn.InFlight = int(l.users.Load()), target, l.inFlight.Load()
	return sn
}
