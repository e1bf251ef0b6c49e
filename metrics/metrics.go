// Package metrics shows runs live to Prometheus: the same results the
// report aggregates, counted as they are written, under the scenario's
// endpoint names (never raw URLs, so the number of series stays bounded),
// with the run's name (its id, for a shard) and shard as labels. It holds
// no secrets: no URLs, no headers, no bodies, no error messages, only
// names, codes and the kinds of the errors table.
//
// An Exporter is one registry for the process; each run gets a Run from
// it; Serve exposes the registry on /metrics (serve.go).
package metrics

import (
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/internal/errkind"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/journey"
)

// Names of the metrics ragload exports (besides the Go runtime's go_* and
// the process's process_*, process_cpu_seconds_total among them). Every
// ragload_ series but ragload_generator_cores has the labels run and
// shard; those per endpoint also endpoint.
const (
	Requests      = "ragload_requests_total"         // results written, by endpoint and status code ("0": no response)
	Failures      = "ragload_request_failures_total" // failed results, by endpoint and kind (as the errors table: "HTTP 503", "timeout", …)
	CheckFailures = "ragload_check_failures_total"   // failed response checks, by endpoint and check
	Journeys      = "ragload_journeys_total"         // journeys ended, by journey and outcome ("completed" or "failed")
	Dropped       = "ragload_requests_dropped_total" // requests due but not sent (too late, or the in-flight cap full), by endpoint
	ResponseTime  = "ragload_response_seconds"       // histogram: from when the request was due to its last byte (the verdict's view)
	ServiceTime   = "ragload_service_seconds"        // histogram: from when it actually left
	ScheduleLag   = "ragload_schedule_lag_seconds"   // histogram: how late after its due time a request left (open model)
	Sent          = "ragload_requests_sent_total"    // requests started
	InFlight      = "ragload_requests_in_flight"     // requests started and not yet answered
	PlannedRate   = "ragload_planned_rate"           // requests per second the plan asks for now (open model)
	Users         = "ragload_users"                  // virtual users running (closed loop)
	UsersTarget   = "ragload_users_target"           // virtual users the plan asks for now
	RunInfo       = "ragload_run_info"               // 1 per run, with its mode; running is 1 while it sends
	Running       = "ragload_run_running"            // 1 while the run goes on, 0 after
	Cores         = "ragload_generator_cores"        // cores the generator may use (GOMAXPROCS): CPU seconds per second can reach this
)

// Buckets are the latency histograms' upper bounds in seconds: 1 ms to
// 60 s (the default request timeout), about three per decade, with the 2 s
// target and the seconds around it that RAG answers take.
var Buckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, .75, 1, 1.5, 2, 2.5, 3, 5, 10, 20, 30, 60}

// Other is the endpoint label of results that match none of the scenario's
// endpoints (a replay of foreign traffic): their paths are not labels.
// Endpoints past the first MaxEndpoints of a run count under it too.
const Other = "other"

// MaxEndpoints is how many of a run's endpoints get a label of their own
// (its first ones, as the scenario or the replayed file lists them; the
// logins of virtual users besides). A replay of an access log with an id
// in every path lists up to 1,000 endpoints ("GET /users/123"); at about
// 70 series each (three histograms) that was 71,000 series and a 7 MB
// scrape, past many a Prometheus'"'"'s sample_limit, which fails the scrape.
const MaxEndpoints = 100

// keepRuns is how many runs' series an exporter keeps: a dashboard
// session starts run after run, and each keeps its series until it is
// this many runs old.
const keepRuns = 5

// Exporter is the registry of a process's runs. The zero value is not
// usable; a nil *Exporter exports nothing.
type Exporter struct {
	reg *prometheus.Registry

	requests, failures, checkFails, dropped *prometheus.CounterVec
	journeys                                *prometheus.CounterVec
	response, service, lag                  *prometheus.HistogramVec

	mu     sync.Mutex
	runs   []*Run    // newest last
	name   string    // the run label every Run gets, when set (Named)
	parent *Exporter // the one holding the runs, for a Named one
}

// New returns an Exporter with the Go runtime's and the process's
// collectors (process_cpu_seconds_total is the generator's CPU).
func New() *Exporter {
	e := &Exporter{reg: prometheus.NewRegistry()}
	run := []string{"run", "shard", "endpoint"}
	counter := func(name, help string, extra ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, append(run[:3:3], extra...))
	}
	hist := func(name, help string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: Buckets}, run)
	}
	e.requests = counter(Requests, "Results written, by endpoint and HTTP status code (0: no response).", "code")
	e.failures = counter(Failures, "Failed results (a failing status or a transport error), by endpoint and kind.", "kind")
	e.checkFails = counter(CheckFailures, "Response checks failed, by endpoint and check.", "check")
	e.dropped = counter(Dropped, "Requests due but not sent: too late, or the in-flight cap was full.")
	e.journeys = prometheus.NewCounterVec(prometheus.CounterOpts{Name: Journeys, Help: "Journeys ended, by journey and outcome (completed or failed)."},
		[]string{"run", "shard", "journey", "outcome"})
	e.response = hist(ResponseTime, "Response time from when the request was due (the verdict's view), seconds.")
	e.service = hist(ServiceTime, "Response time from when the request left, seconds.")
	e.lag = hist(ScheduleLag, "How late after its due time a request left, seconds (open model only).")
	e.reg.MustRegister(e.requests, e.failures, e.checkFails, e.dropped, e.journeys, e.response, e.service, e.lag,
		liveCollector{e},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: Cores, Help: "Cores the generator may use (GOMAXPROCS)."}, func() float64 { return float64(runtime.GOMAXPROCS(0)) }),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return e
}

// Named returns an exporter whose runs all get the run label name: a
// sweep's steps are one run on a dashboard. It shares e's registry.
func (e *Exporter) Named(name string) *Exporter {
	if e == nil {
		return nil
	}
	return &Exporter{reg: e.reg, requests: e.requests, failures: e.failures, checkFails: e.checkFails, dropped: e.dropped,
		journeys: e.journeys, response: e.response, service: e.service, lag: e.lag, name: name, parent: e}
}

// Registry is the registry the exporter's metrics are in.
func (e *Exporter) Registry() *prometheus.Registry { return e.reg }

// Run starts (or, for a name already running, continues) the series of a
// run; m names its mode, shard and endpoints. The run label is its run id
// when it has one (a shard's name is "<id>-shard-<i>" or "shard-<i>", the
// same every night), else its name. Series of runs keepRuns
// runs old are deleted.
func (e *Exporter) Run(m *results.Manifest) *Run {
	if e == nil {
		return nil
	}
	root := e.root()
	name, shard := m.Name, ""
	switch {
	case e.name != "":
		name = e.name
	case m.RunID != "": // the shards of one run share its name, as their merged report does
		name = m.RunID
	}
	if m.Shard != nil {
		shard = strconv.Itoa(m.Shard.Index) + "/" + strconv.Itoa(m.Shard.Count)
	}
	root.mu.Lock()
	defer root.mu.Unlock()
	for _, r := range root.runs {
		if r.name == labelValue(name) && r.shard == shard {
			r.restart(m)
			return r
		}
	}
	r := &Run{e: root, name: labelValue(name), shard: shard}
	r.restart(m)
	root.runs = append(root.runs, r)
	if n := len(root.runs) - keepRuns; n > 0 {
		for _, old := range root.runs[:n] {
			old.delete()
		}
		root.runs = append(root.runs[:0], root.runs[n:]...)
	}
	return r
}

// root is the exporter that holds the runs (Named ones share their parent's).
func (e *Exporter) root() *Exporter {
	if e.parent != nil {
		return e.parent
	}
	return e
}

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

// liveCollector reads the runs' gauges when scraped.
type liveCollector struct{ e *Exporter }

var (
	descSent        = prometheus.NewDesc(Sent, "Requests started.", []string{"run", "shard"}, nil)
	descInFlight    = prometheus.NewDesc(InFlight, "Requests started and not yet answered.", []string{"run", "shard"}, nil)
	descPlannedRate = prometheus.NewDesc(PlannedRate, "Requests per second the plan asks for now (open model).", []string{"run", "shard"}, nil)
	descUsers       = prometheus.NewDesc(Users, "Virtual users running (closed loop).", []string{"run", "shard"}, nil)
	descUsersTarget = prometheus.NewDesc(UsersTarget, "Virtual users the plan asks for now (closed loop).", []string{"run", "shard"}, nil)
	descRunning     = prometheus.NewDesc(Running, "1 while the run goes on, 0 after.", []string{"run", "shard"}, nil)
	descInfo        = prometheus.NewDesc(RunInfo, "Always 1: the run's mode (attack, users, replay).", []string{"run", "shard", "mode"}, nil)
)

func (c liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSent, descInFlight, descPlannedRate, descUsers, descUsersTarget, descRunning, descInfo} {
		ch <- d
	}
}

func (c liveCollector) Collect(ch chan<- prometheus.Metric) {
	c.e.mu.Lock()
	runs := append([]*Run(nil), c.e.runs...)
	c.e.mu.Unlock()
	for _, r := range runs {
		l, running, mode := r.now()
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, r.name, r.shard)
		}
		ch <- prometheus.MustNewConstMetric(descSent, prometheus.CounterValue, float64(l.Sent), r.name, r.shard)
		gauge(descInFlight, float64(l.InFlight))
		if mode == "users" {
			gauge(descUsers, float64(l.Users))
			gauge(descUsersTarget, float64(l.UsersTarget))
		} else {
			gauge(descPlannedRate, l.PlannedRate)
		}
		gauge(descRunning, b2f(running))
		ch <- prometheus.MustNewConstMetric(descInfo, prometheus.GaugeValue, 1, r.name, r.shard, mode)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
