// Package metrics shows runs live to Prometheus: the same results the
// report aggregates, counted as they are written, under the scenario's
// endpoint names (never raw URLs, so the number of series stays bounded),
// with the run's name (its id, for a shard) and shard as labels. It holds
// no secrets: no URLs, no headers, no bodies, no error messages, only
// names, codes and the kinds of the errors table.
//
// An Exporter is one registry for the process (metrics.go); each run gets
// a Run from it, which counts its results (run.go) and reads its gauges
// when scraped (collector.go); Serve exposes the registry on /metrics
// (serve.go).
package metrics

import (
	"runtime"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ragload/ragload/results"
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
