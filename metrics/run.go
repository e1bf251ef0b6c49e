package metrics

import (
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/internal/errkind"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/journey"
)

// Run is the series of one run. Observe and Drop may be called from
// different goroutines, but Observe from one at a time; a nil *Run does
// nothing.
type Run struct {
	e           *Exporter
	name, shard string
	mode        string

	names *results.Resolver
	known map[string]bool // the scenario's endpoint names
	// journeyNames are the scenario's journeys: the only journey labels.
	journeyNames map[string]bool
	checks       map[string][]string // endpoint name -> its checks' names
	byName       map[string]*endpoint
	dropMu       sync.Mutex
	dropName     *results.Resolver

	liveMu  sync.Mutex
	live    func() Live
	last    Live
	sent    uint64 // requests started by the run's earlier parts (a sweep's steps before this one)
	running bool
}

// endpoint holds one endpoint's children, so a result costs no label
// lookups once its endpoint and code were seen.
type endpoint struct {
	name                   string
	response, service, lag prometheus.Observer
	codes                  map[uint16]prometheus.Counter
	checks                 []prometheus.Counter
	failures               map[string]prometheus.Counter
}

// Live is what a run's driver knows at any moment; a run reads it when
// scraped.
type Live struct {
	Sent        uint64  // requests started so far
	InFlight    int64   // started and not yet answered
	PlannedRate float64 // requests per second due now (open model; 0 otherwise)
	Users       int     // virtual users running (closed loop)
	UsersTarget int     // virtual users the plan asks for now
}

func (r *Run) restart(m *results.Manifest) {
	r.names = results.NewResolverFor(m)
	r.dropName = results.NewResolverFor(m)
	r.known, r.checks, r.byName = map[string]bool{}, map[string][]string{}, map[string]*endpoint{}
	r.journeyNames = map[string]bool{}
	for _, j := range m.Scenario.Journeys {
		r.journeyNames[j.Name] = true
	}
	n := 0
	for _, ep := range m.Scenario.Endpoints {
		if !ep.Setup && n == MaxEndpoints || r.known[ep.Name] {
			continue
		}
		r.known[ep.Name] = true
		if !ep.Setup {
			n++
		}
	}
	for name, cs := range m.Scenario.Checks {
		r.checks[name] = cs
	}
	r.liveMu.Lock()
	if r.live != nil {
		r.last = r.live()
	}
	r.sent += r.last.Sent // the counter goes on from there, as the others do
	r.running, r.live, r.last, r.mode = true, nil, Live{}, m.Mode
	r.liveMu.Unlock()
}

// label is the endpoint label of a resolved name.
func (r *Run) label(name string) string {
	if r.known[name] {
		return name
	}
	return Other
}

// endpoint returns the children of r's endpoint, made on first use.
func (r *Run) endpoint(res *vegeta.Result) *endpoint {
	name := r.label(r.names.Name(res))
	ep := r.byName[name]
	if ep == nil {
		label := labelValue(name)
		l := prometheus.Labels{"run": r.name, "shard": r.shard, "endpoint": label}
		ep = &endpoint{name: label, response: r.e.response.With(l), service: r.e.service.With(l), lag: r.e.lag.With(l),
			codes: map[uint16]prometheus.Counter{}, failures: map[string]prometheus.Counter{}}
		for _, c := range r.checks[name] {
			ep.checks = append(ep.checks, r.e.checkFails.WithLabelValues(r.name, r.shard, label, labelValue(c)))
		}
		r.byName[name] = ep
	}
	return ep
}

// Observe counts one result as the recorder writes it.
func (r *Run) Observe(res *vegeta.Result) {
	if r == nil {
		return
	}
	ep := r.endpoint(res)
	c := ep.codes[res.Code]
	if c == nil {
		c = r.e.requests.WithLabelValues(r.name, r.shard, ep.name, strconv.Itoa(int(res.Code)))
		ep.codes[res.Code] = c
	}
	c.Inc()
	if results.Failed(res) {
		kind := errkind.Of(res.Code, res.Error)
		f := ep.failures[kind]
		if f == nil {
			f = r.e.failures.WithLabelValues(r.name, r.shard, ep.name, kind)
			ep.failures[kind] = f
		}
		f.Inc()
	}
	if len(res.Headers) > 0 {
		if failed, _ := checks.Recorded(res); len(failed) > 0 {
			for _, i := range failed {
				if i < len(ep.checks) {
					ep.checks[i].Inc()
				}
			}
		}
		if mk, ok := journey.MarkOf(res); ok && mk.End != "" && r.journeyNames[mk.Journey] {
			outcome := "failed"
			if mk.End == journey.Ok {
				outcome = "completed"
			}
			r.e.journeys.WithLabelValues(r.name, r.shard, mk.Journey, outcome).Inc()
		}
	}
	resp := res.Latency
	if lag, ok := results.Lag(res); ok {
		ep.lag.Observe(lag.Seconds())
		resp += lag
	}
	ep.service.Observe(res.Latency.Seconds())
	ep.response.Observe(resp.Seconds())
}

// Drop counts a request that was due and not sent, with the target it
// would have had.
func (r *Run) Drop(t *vegeta.Target) {
	if r == nil {
		return
	}
	r.dropMu.Lock()
	name := r.label(r.dropName.Name(&vegeta.Result{Method: t.Method, URL: results.RequestURI(t.URL)}))
	r.dropMu.Unlock()
	r.e.dropped.WithLabelValues(r.name, r.shard, labelValue(name)).Inc()
}

// labelValue is s as a label may hold it: client_golang panics on a value
// that is not UTF-8, and an endpoint named after an access log's raw path
// ("GET /a\xffb") or a --name given in Latin-1 is not.
func labelValue(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Watch sets what the run's gauges read when scraped, until End.
func (r *Run) Watch(live func() Live) {
	if r == nil {
		return
	}
	r.liveMu.Lock()
	defer r.liveMu.Unlock()
	r.live = live
}

// End marks the run over: its gauges keep their last reading of sent
// requests and read 0 for the rest.
func (r *Run) End() {
	if r == nil {
		return
	}
	r.liveMu.Lock()
	defer r.liveMu.Unlock()
	if r.live != nil {
		r.last = Live{Sent: r.live().Sent}
	}
	r.live, r.running = nil, false
}

// now is what the run's gauges read, whether it is running and its mode.
func (r *Run) now() (Live, bool, string) {
	r.liveMu.Lock()
	defer r.liveMu.Unlock()
	if r.live != nil {
		r.last = r.live()
	}
	l := r.last
	l.Sent += r.sent
	return l, r.running, r.mode
}

// delete removes every series of the run.
func (r *Run) delete() {
	l := prometheus.Labels{"run": r.name, "shard": r.shard}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
		r.e.requests, r.e.failures, r.e.checkFails, r.e.dropped, r.e.journeys, r.e.response, r.e.service, r.e.lag,
	} {
		v.DeletePartialMatch(l)
	}
}
