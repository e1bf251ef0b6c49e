package metrics_test

import (
	"strconv"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/journey"
)

func manifest(name string) *results.Manifest {
	return &results.Manifest{Name: name, Mode: "attack", Target: "http://127.0.0.1:8000",
		Scenario: results.ScenarioInfo{Endpoints: []results.EndpointInfo{{Key: "q", Name: "query", Method: "POST", Path: "/q"}}}}
}

// runs lists the run labels of ragload_requests_total.
func runs(t *testing.T, e *metrics.Exporter) map[string]map[string]float64 {
	t.Helper()
	fams, err := e.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, f := range fams {
		if f.GetName() != metrics.Requests {
			continue
		}
		for _, m := range f.Metric {
			l := map[string]string{}
			for _, p := range m.Label {
				l[p.GetName()] = p.GetValue()
			}
			if out[l["run"]] == nil {
				out[l["run"]] = map[string]float64{}
			}
			out[l["run"]][l["endpoint"]] += m.Counter.GetValue()
		}
	}
	return out
}

// TestUnknownURLsAreOther: results that match no endpoint of the scenario
// (a replay of foreign traffic) count under "other", never under their
// paths, so a run of unique URLs adds no series.
func TestUnknownURLsAreOther(t *testing.T) {
	e := metrics.New()
	r := e.Run(manifest("r"))
	r.Observe(&vegeta.Result{Method: "POST", URL: "/q", Code: 200, Latency: time.Millisecond})
	for i := range 100 {
		r.Observe(&vegeta.Result{Method: "GET", URL: "/users/" + string(rune('a'+i%26)) + "?id=" + time.Duration(i).String(), Code: 200})
	}
	got := runs(t, e)["r"]
	if len(got) != 2 || got["query"] != 1 || got[metrics.Other] != 100 {
		t.Errorf("endpoints %v, want query 1 and %s 100", got, metrics.Other)
	}
}

// TestOldRunsAreForgotten: a long dashboard session keeps the series of
// its last runs only; a sweep's steps (Named) are one run.
func TestOldRunsAreForgotten(t *testing.T) {
	e := metrics.New()
	res := &vegeta.Result{Method: "POST", URL: "/q", Code: 200}
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		e.Run(manifest(name)).Observe(res)
	}
	got := runs(t, e)
	if _, ok := got["a"]; ok || len(got) != 5 {
		t.Errorf("runs %v: want the last 5, without a", got)
	}
	sweep := e.Named("sweep")
	for _, step := range []string{"sweep-step-1", "sweep-step-2", "sweep-step-3"} {
		sweep.Run(manifest(step)).Observe(res)
	}
	got = runs(t, e)
	if got["sweep"]["query"] != 3 {
		t.Errorf("a sweep's three steps counted %v, want 3 under run sweep", got["sweep"])
	}
	if _, ok := got["sweep-step-1"]; ok {
		t.Error("a sweep step has series of its own")
	}
}

// TestNilExporterExportsNothing: a run without metrics pays nothing and
// does not fail.
func TestNilExporterExportsNothing(t *testing.T) {
	var e *metrics.Exporter
	r := e.Run(manifest("x"))
	r.Observe(&vegeta.Result{})
	r.Drop(&vegeta.Target{})
	r.Watch(func() metrics.Live { return metrics.Live{} })
	r.End()
	if e.Named("y") != nil {
		t.Error("a nil exporter named one")
	}
}

// TestLabelsThatAreNotUTF8: an endpoint named after an access log's raw
// path, a check name and a run name that are not UTF-8 are exported with
// U+FFFD in their place; client_golang panicked on them, ending the run
// ("panic: label endpoint: value "GET /a\xffb" is not valid UTF-8").
func TestLabelsThatAreNotUTF8(t *testing.T) {
	e := metrics.New()
	m := manifest("run-\xff")
	m.Scenario.Endpoints = append(m.Scenario.Endpoints, results.EndpointInfo{Key: "a", Name: "GET /a\xffb", Method: "GET", Path: "/a\xffb"})
	m.Scenario.Checks = map[string][]string{"GET /a\xffb": {"body has \xfe"}}
	r := e.Run(m)
	r.Observe(&vegeta.Result{Method: "GET", URL: "/a\xffb", Code: 200, Headers: nil})
	r.Drop(&vegeta.Target{Method: "GET", URL: "http://127.0.0.1:8000/a\xffb"})
	r.End()
	got := runs(t, e)
	if got["run-\uFFFD"]["GET /a\uFFFDb"] != 1 {
		t.Errorf("requests by run and endpoint %v, want 1 under run-\uFFFD and GET /a\uFFFDb", got)
	}
	srv, err := metrics.Serve(e, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fams := scrape(t, srv.URL()) // the exposition parses with UTF-8 validation
	if f := fams[metrics.CheckFailures]; f == nil || len(f.Metric) != 1 {
		t.Errorf("%s: %v, want the one check", metrics.CheckFailures, f)
	}
	if f := fams[metrics.Dropped]; f == nil || f.Metric[0].Counter.GetValue() != 1 {
		t.Errorf("%s: %v, want 1", metrics.Dropped, f)
	}
}

// TestShardsShareTheRunLabel: the shards of one run (--run-id nightly
// --shard i/2, named nightly-shard-0 and nightly-shard-1, or shard-0 and
// shard-1 by deploy/ssh every night) are labelled run="nightly" and told
// apart by shard, as their merged report names them; each had its
// directory's name, so sum by (run) could not add them up.
func TestShardsShareTheRunLabel(t *testing.T) {
	e := metrics.New()
	for i, name := range []string{"nightly-shard-0", "shard-1"} {
		m := manifest(name)
		m.RunID, m.Shard = "nightly", &results.ShardInfo{Index: i, Count: 2}
		e.Run(m).Observe(&vegeta.Result{Method: "POST", URL: "/q", Code: 200})
	}
	got := runs(t, e)
	if len(got) != 1 || got["nightly"]["query"] != 2 {
		t.Errorf("requests by run %v, want both shards under run nightly", got)
	}
}

// TestSweepStepsSentCounterGoesOn: a sweep's steps are one run, and its
// requests-sent counter goes on from step to step as the request counters
// do; it restarted at each step (10, 21, 31, 40, then 19), which a
// Prometheus scraping after the next step passed 40 took for growth.
func TestSweepStepsSentCounterGoesOn(t *testing.T) {
	e := metrics.New()
	sweep := e.Named("sweep")
	sent := func() float64 {
		fams, err := e.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fams {
			if f.GetName() == metrics.Sent {
				return f.Metric[0].Counter.GetValue()
			}
		}
		t.Fatalf("no %s", metrics.Sent)
		return 0
	}
	var want float64
	for i, n := range []uint64{40, 19, 7} {
		r := sweep.Run(manifest("sweep-step-" + string(rune('1'+i))))
		r.Watch(func() metrics.Live { return metrics.Live{Sent: n} })
		if got := sent(); got != want+float64(n) {
			t.Errorf("step %d, %d sent in it: %s = %g, want %g", i+1, n, metrics.Sent, got, want+float64(n))
		}
		r.End()
		want += float64(n)
		if got := sent(); got != want {
			t.Errorf("after step %d: %s = %g, want %g", i+1, metrics.Sent, got, want)
		}
	}
}

// TestEndpointLabelsAreCapped: a replay of an access log with an id in
// every path lists 1,000 endpoints; the first MaxEndpoints get a label,
// the rest count under "other" (it exported all 1,000: 71,078 series),
// and the logins keep theirs. No result goes uncounted.
func TestEndpointLabelsAreCapped(t *testing.T) {
	m := manifest("log")
	m.Scenario.Endpoints = nil
	for i := range 1000 {
		p := "/users/" + strconv.Itoa(i)
		m.Scenario.Endpoints = append(m.Scenario.Endpoints, results.EndpointInfo{Key: "u" + strconv.Itoa(i), Name: "GET " + p, Method: "GET", Path: p})
	}
	m.Scenario.Endpoints = append(m.Scenario.Endpoints, results.EndpointInfo{Key: "login", Name: "/auth/login", Method: "POST", Path: "/login", Setup: true})
	e := metrics.New()
	r := e.Run(m)
	for i := range 1000 {
		r.Observe(&vegeta.Result{Method: "GET", URL: "/users/" + strconv.Itoa(i), Code: 200})
	}
	r.Observe(&vegeta.Result{Method: "POST", URL: "/login", Code: 200})
	got := runs(t, e)["log"]
	var total float64
	for _, n := range got {
		total += n
	}
	if len(got) != metrics.MaxEndpoints+2 || got[metrics.Other] != 1000-metrics.MaxEndpoints || got["/auth/login"] != 1 || got["GET /users/0"] != 1 || total != 1001 {
		t.Errorf("%d endpoint labels (other %g, login %g, first %g, total %g), want %d: the first %d, other and the login",
			len(got), got[metrics.Other], got["/auth/login"], got["GET /users/0"], total, metrics.MaxEndpoints+2, metrics.MaxEndpoints)
	}
}

// TestJourneysByOutcome: a journey's last result counts it by outcome;
// results of journeys the scenario does not have add no series.
func TestJourneysByOutcome(t *testing.T) {
	e := metrics.New()
	m := manifest("j")
	m.Scenario.Journeys = []results.JourneyInfo{{Name: "conversation", Weight: 1, Steps: []string{"query"}}}
	r := e.Run(m)
	mark := func(name string, id uint64, end string) *vegeta.Result {
		res := &vegeta.Result{Method: "POST", URL: "/q", Code: 200}
		journey.SetMark(res, name, id, 0)
		if end != "" {
			journey.SetEnd(res, end)
		}
		return res
	}
	for _, res := range []*vegeta.Result{mark("conversation", 1, ""), mark("conversation", 1, "ok"), mark("conversation", 2, "step 1 (query): HTTP 500"),
		mark("conversation", 3, "ok"), mark("forged", 4, "ok")} {
		r.Observe(res)
	}
	fams, err := e.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != metrics.Journeys {
			continue
		}
		for _, mt := range f.Metric {
			l := map[string]string{}
			for _, p := range mt.Label {
				l[p.GetName()] = p.GetValue()
			}
			got[l["journey"]+" "+l["outcome"]] += mt.Counter.GetValue()
		}
	}
	if len(got) != 2 || got["conversation completed"] != 2 || got["conversation failed"] != 1 {
		t.Errorf("journeys %v, want conversation completed 2 and failed 1 only", got)
	}
}
