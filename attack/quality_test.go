package attack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/threshold"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// degradeScenario checks the basic query's answers and leaves out the
// other routes the degrade fault strikes, so that every degraded answer
// is one the named check sees.
const degradeScenario = `endpoints:
  - key: query
    checks:
      - status: 2xx
      - json: sources
        min_items: 1
        name: has sources
  - key: enhanced
    weight: 0
`

func parseScenario(t *testing.T, text string) *targets.Scenario {
	t.Helper()
	sc, err := targets.Parse("quality.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestChecksAgainstDegradedDemo is issue 20's first acceptance test: the
// demo degrades (answers 200 at once, without sources) whenever 3 queries
// are in flight. Latency passes; the verdict fails on the checks rule the
// scenario implies; and the failures of the named check are exactly the
// degraded answers the demo counted.
func TestChecksAgainstDegradedDemo(t *testing.T) {
	srv := demo.New(demo.Config{Workers: 64, QueryLatency: 30 * time.Millisecond, DocumentsLatency: time.Millisecond,
		HealthLatency: -1, LoginLatency: -1, Sigma: -1, Faults: []demo.Fault{{Kind: demo.FaultDegrade, Load: 3}}})
	url := serve(t, srv)
	b, err := runspec.Spec{URL: url, Scenario: parseScenario(t, degradeScenario), Mode: runspec.ModeRate, Plan: plan.Constant(150, 2*time.Second),
		Credentials: []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
		Out:         filepath.Join(t.TempDir(), "run"), Seed: 3, Tool: "ragload test"}.Build()
	if err != nil {
		t.Fatal(err)
	}
	if th, _ := threshold.Exprs(b.Rules); !slices.Contains(th, runspec.ImpliedChecks) {
		t.Fatalf("rules %q lack the implied %s", th, runspec.ImpliedChecks)
	}
	rep, err := b.Job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Judge(b.Rules, 0); err != nil {
		t.Fatal(err)
	}
	verdict := map[string]results.Check{}
	for _, c := range rep.Verdict.Checks {
		verdict[c.Expr] = c
	}
	if c := verdict["p95<2s"]; !c.Pass {
		t.Errorf("p95<2s: %s, want a pass", c.FormatActual())
	}
	if c := verdict["failures<1%"]; !c.Pass {
		t.Errorf("failures<1%%: %s, want a pass", c.FormatActual())
	}
	if c, ok := verdict[runspec.ImpliedChecks]; !ok || c.Pass || rep.Verdict.Pass {
		t.Errorf("%s: %+v (verdict pass %v); want a FAIL", runspec.ImpliedChecks, c, rep.Verdict.Pass)
	}
	var q *results.Stats
	for _, s := range rep.Endpoints {
		if s.Key == "query" {
			q = s
		}
	}
	degraded := srv.Stats().Faults["degrade"]
	if q == nil || len(q.Checks) != 2 || q.Checks[1].Name != "has sources" {
		t.Fatalf("query's checks: %+v", q)
	}
	if degraded == 0 || q.Checks[1].Failed != uint64(degraded) || q.CheckFailed != uint64(degraded) || q.Checks[0].Failed != 0 {
		t.Errorf("%q failed %d times (%d results failed a check); the demo degraded %d answers", q.Checks[1].Name, q.Checks[1].Failed, q.CheckFailed, degraded)
	}
	if !strings.Contains(q.Checks[1].Excerpt, "[]") {
		t.Errorf("excerpt %q, want the empty sources", q.Checks[1].Excerpt)
	}
	if q.Checked != q.Requests-q.Failures || rep.Total.CheckFailed != q.CheckFailed || q.Good != q.Checked-q.CheckFailed {
		t.Errorf("query: checked %d of %d requests (%d failures), %d good; total failed checks %d", q.Checked, q.Requests, q.Failures, q.Good, rep.Total.CheckFailed)
	}
	t.Logf("%d queries, %d degraded by the demo, %d failed %q (%.1f%%); p95 %s", q.Requests, degraded, q.Checks[1].Failed,
		q.Checks[1].Name, 100*rep.Total.CheckFailRate(), rep.Total.Response().P95)
}

// goodputScenario has checks on the query and stream routes and
// objectives that some responses miss: the latency, the stream's first
// token and its time per token.
const goodputScenario = `endpoints:
  - key: query
    checks:
      - json: sources
        min_items: 1
  - key: enhanced
    weight: 0
  - key: stream
    weight: 3
    checks:
      - stream_done: true
slo:
  latency: 25ms
  ttft: 15ms
  tpot: 2100us
`

// goodputDemo degrades queries from 3 in flight and streams 8 tokens
// 2 ms apart after a first token of 15 ms (median).
func goodputDemo(t *testing.T) string {
	t.Helper()
	return serve(t, demo.New(demo.Config{Workers: 64, QueryLatency: 20 * time.Millisecond, DocumentsLatency: time.Millisecond,
		HealthLatency: -1, LoginLatency: -1, StreamFirstToken: 15 * time.Millisecond, StreamTokenRate: 500, StreamTokens: 8,
		Faults: []demo.Fault{{Kind: demo.FaultDegrade, Load: 3}}}))
}

// TestGoodputByHand is issue 20's second acceptance test: goodput
// recomputed from the stored results alone (vegeta's decoder, the check
// headers, the SLO in run.json) equals the report's, per endpoint and
// in total, for a rate run, a users run and two shards merged; and the
// shards' summaries merge to exactly what reading their results gives.
func TestGoodputByHand(t *testing.T) {
	url := goodputDemo(t)
	creds := []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}}
	spec := func(dir string) runspec.Spec {
		return runspec.Spec{URL: url, Scenario: parseScenario(t, goodputScenario), Credentials: creds, Out: dir, Seed: 5, Tool: "ragload test"}
	}
	root := t.TempDir()
	run := func(s runspec.Spec) {
		t.Helper()
		b, err := s.Build()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Job.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("rate", func(t *testing.T) {
		s := spec(filepath.Join(root, "rate"))
		s.Mode, s.Plan = runspec.ModeRate, plan.Constant(120, 2*time.Second)
		run(s)
		compareGoodput(t, s.Out)
	})
	t.Run("users", func(t *testing.T) {
		s := spec(filepath.Join(root, "users"))
		s.Mode, s.Users, s.Wait = runspec.ModeUsers, plan.Spawn(6, 0, 2*time.Second), plan.ConstantWait(20*time.Millisecond)
		run(s)
		compareGoodput(t, s.Out)
	})
	t.Run("shards", func(t *testing.T) {
		at := time.Now().Add(500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
		var wg sync.WaitGroup
		for i := range 2 {
			s := spec(filepath.Join(root, "shards", fmt.Sprintf("shard-%d", i)))
			s.Mode, s.Plan = runspec.ModeRate, plan.Constant(120, 2*time.Second)
			s.Shard, s.StartAt, s.RunID, s.Seed = fmt.Sprintf("%d/2", i), at, "goodput", uint64(i+1)
			wg.Go(func() { run(s) })
		}
		wg.Wait()
		compareGoodput(t, filepath.Join(root, "shards", "shard-0"), filepath.Join(root, "shards", "shard-1"))
	})
}

// compareGoodput loads the runs in dirs as one report (from their
// summaries, and again from their results) and compares its goodput with
// the count by hand.
func compareGoodput(t *testing.T, dirs ...string) {
	t.Helper()
	in, err := results.Resolve(dirs)
	if err != nil {
		t.Fatal(err)
	}
	fromSummaries, err := results.Load(in)
	if err != nil {
		t.Fatal(err)
	}
	fromResults, err := results.Load(in, results.WithoutSummaries())
	if err != nil {
		t.Fatal(err)
	}
	hand := goodByHand(t, dirs)
	for _, rep := range []*results.Report{fromSummaries, fromResults} {
		if rep.SLO == nil || time.Duration(rep.SLO.Latency) != 25*time.Millisecond {
			t.Errorf("report SLO %+v", rep.SLO)
		}
		all := append([]*results.Stats{rep.Total}, rep.Endpoints...)
		for _, s := range all {
			name := s.Name
			if s == rep.Total {
				name = ""
			}
			h := hand.endpoints[name]
			if s.Setup { // logins: neither in the total nor counted by hand
				continue
			}
			if s.Good != h.good || s.Checked != h.checked || s.CheckFailed != h.checkFailed {
				t.Errorf("%s: report good %d checked %d failed checks %d; by hand %d %d %d", s.Name, s.Good, s.Checked, s.CheckFailed, h.good, h.checked, h.checkFailed)
			}
			want := float64(h.good) / hand.window.Seconds()
			if got := s.Goodput(); math.Abs(got-want) > 1e-9*want {
				t.Errorf("%s: goodput %.6f/s, by hand %.6f/s", s.Name, got, want)
			}
		}
	}
	tot := hand.endpoints[""]
	if tot.missed.checks == 0 || tot.missed.latency == 0 || tot.missed.stream == 0 || tot.good == 0 {
		t.Errorf("by hand %+v: want some good, and some missing each of the checks, the latency and a stream objective", tot)
	}
	t.Logf("%d requests, %d good (%.1f/s over %s); missed: %+v", tot.requests, tot.good, float64(tot.good)/hand.window.Seconds(), hand.window, tot.missed)

	// The summaries merge exactly: the same counts, checks and views.
	a, b := fromSummaries, fromResults
	if len(a.Endpoints) != len(b.Endpoints) {
		t.Fatalf("%d endpoints from summaries, %d from results", len(a.Endpoints), len(b.Endpoints))
	}
	for i, s := range append([]*results.Stats{a.Total}, a.Endpoints...) {
		o := b.Total
		if i > 0 {
			o = b.Endpoints[i-1]
		}
		if !slices.Equal(s.Checks, o.Checks) || s.Good != o.Good || s.CheckFailed != o.CheckFailed {
			t.Errorf("%s: from summaries %+v good %d; from results %+v good %d", s.Name, s.Checks, s.Good, o.Checks, o.Good)
		}
		for _, v := range []string{results.ViewITL, results.ViewTPOT, results.ViewTTFT, results.ViewResponse} {
			if s.View(v) != o.View(v) {
				t.Errorf("%s %sview: from summaries %+v, from results %+v", s.Name, v, s.View(v), o.View(v))
			}
		}
	}
	if a.Total.View(results.ViewITL).Count == 0 || a.Total.View(results.ViewTPOT).Count == 0 {
		t.Error("no ITL or TPOT samples")
	}
}

type handCount struct {
	requests, checked, checkFailed, good uint64
	missed                               struct{ checks, latency, stream uint64 }
}

type handFigures struct {
	endpoints map[string]*handCount // "" is the total
	window    time.Duration
}

// goodByHand counts goodput in the runs in dirs from their files alone:
// results.bin through vegeta's decoder, the raw headers, and run.json's
// checks and slo.
func goodByHand(t *testing.T, dirs []string) handFigures {
	t.Helper()
	f := handFigures{endpoints: map[string]*handCount{"": {}}}
	var start, end time.Time
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, results.ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			results.Manifest
			Scenario struct {
				Endpoints []results.EndpointInfo `json:"endpoints"`
				Checks    map[string][]string    `json:"checks"`
				SLO       struct{ Latency, TTFT, TPOT string }
			} `json:"scenario"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		slo := func(s string) time.Duration {
			d, err := time.ParseDuration(s)
			if err != nil {
				t.Fatalf("slo %q: %v", s, err)
			}
			return d
		}
		latency, ttft, tpot := slo(m.Scenario.SLO.Latency), slo(m.Scenario.SLO.TTFT), slo(m.Scenario.SLO.TPOT)
		if start.IsZero() || m.Started.Before(start) {
			start = m.Started
		}
		if m.SendEnded.After(end) {
			end = m.SendEnded
		}
		names := results.NewResolver(m.Scenario.Endpoints)
		file, err := os.Open(filepath.Join(dir, results.ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		dec := vegeta.NewDecoder(file)
		for {
			var r vegeta.Result
			if err := dec.Decode(&r); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			name := names.Name(&r)
			if name == attack.LoginEndpoint {
				continue // setup, not load
			}
			header := func(k string) (int64, bool) {
				v, ok := r.Headers[k]
				if !ok {
					return 0, false
				}
				n, err := strconv.ParseInt(v[0], 10, 64)
				if err != nil {
					t.Fatalf("%s: %q", k, v)
				}
				return n, true
			}
			us := func(k string) time.Duration { n, _ := header(k); return time.Duration(n) * time.Microsecond }
			failed := r.Code < 200 || r.Code >= 400 || r.Error != ""
			_, checkFailed := r.Headers[checks.Header]
			checked := !failed && len(m.Scenario.Checks[name]) > 0
			resp := r.Latency + us("X-Lag")
			_, streamed := header("X-Ragload-Ttfb")
			n, _ := header("X-Ragload-Tokens")
			first, last := us("X-Ragload-Ttft"), us("X-Ragload-Last")
			missLatency := resp > latency
			missStream := streamed && (n == 0 || first > ttft || (n >= 2 && (last-first)/time.Duration(n-1) > tpot))
			good := !failed && !checkFailed && !missLatency && !missStream
			for _, key := range []string{"", name} {
				c := f.endpoints[key]
				if c == nil {
					c = &handCount{}
					f.endpoints[key] = c
				}
				c.requests++
				if checked {
					c.checked++
				}
				if checked && checkFailed {
					c.checkFailed++
					c.missed.checks++
				}
				if !failed && missLatency {
					c.missed.latency++
				}
				if !failed && missStream {
					c.missed.stream++
				}
				if good {
					c.good++
				}
			}
		}
		file.Close()
	}
	f.window = end.Sub(start)
	return f
}

// TestReportTokenTimings is issue 20's third acceptance test, on the
// report: a run against a loopback server that streams 10 tokens 15 ms
// apart has ITL p50 and p95 (itl_ view) and TPOT p50 (tpot_ view) within
// max(1 ms, 2%) of the spacing the server achieved (timed after each
// flush), and TPOT of the nominal 15 ms. A client starved of CPU reads
// tokens late (see TestStreamTokenTimings), so it may take three runs.
func TestReportTokenTimings(t *testing.T) {
	var errs []string
	for attempt := range 3 {
		if errs = reportTokenTimings(t); len(errs) == 0 {
			return
		}
		t.Logf("run %d: %s", attempt+1, strings.Join(errs, "; "))
	}
	t.Errorf("three runs off the truth; the last: %s", strings.Join(errs, "; "))
}

func reportTokenTimings(t *testing.T) (errs []string) {
	t.Helper()
	const nTokens, spacing = 10, 15 * time.Millisecond
	var mu sync.Mutex
	var gaps, tpots []time.Duration // the server's
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		start := time.Now().Add(5 * time.Millisecond)
		var sent []time.Time
		for i := range nTokens {
			time.Sleep(time.Until(start.Add(time.Duration(i) * spacing)))
			fmt.Fprintf(w, "data: {\"delta\":\"w%d \"}\n\n", i)
			rc.Flush()
			sent = append(sent, time.Now())
		}
		io.WriteString(w, "data: [DONE]\n\n")
		mu.Lock()
		defer mu.Unlock()
		for i := 1; i < len(sent); i++ {
			gaps = append(gaps, sent[i].Sub(sent[i-1]))
		}
		tpots = append(tpots, sent[len(sent)-1].Sub(sent[0])/(nTokens-1))
	}))
	defer srv.Close()

	sc := targets.Default()
	var stream targets.Endpoint
	for _, e := range sc.Endpoints {
		if e.Key == "stream" {
			stream = e
		}
	}
	stream.Weight, stream.Auth = 1, false
	sc.Endpoints = []targets.Endpoint{stream}
	job := &attack.Job{Plan: plan.Constant(8, 1500*time.Millisecond), Setup: attack.Setup{
		Dir: filepath.Join(t.TempDir(), "run"), Target: srv.URL, Scenario: sc, Seed: 1, Options: attack.Options{Name: "tokens"}, Tool: "ragload test"}}
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(gaps)
	slices.Sort(tpots)
	q := func(xs []time.Duration, p float64) time.Duration {
		return xs[max(int(math.Ceil(p*float64(len(xs))))-1, 0)]
	}
	s := rep.Total
	if itl, tp := s.View(results.ViewITL), s.View(results.ViewTPOT); itl.Count != uint64(len(gaps)) || tp.Count != uint64(len(tpots)) || len(tpots) != 12 {
		t.Fatalf("%d ITL and %d TPOT samples, the server sent %d gaps in %d streams (want 12)", itl.Count, tp.Count, len(gaps), len(tpots))
	}
	within := func(what string, got, want time.Duration) {
		if tol := max(time.Millisecond, want/50); (got - want).Abs() > tol {
			errs = append(errs, fmt.Sprintf("%s = %v, want %v ± %v", what, got, want, tol))
		}
	}
	within("ITL p50 vs the server's", s.Quantile(50, results.ViewITL), q(gaps, 0.5))
	within("ITL p95 vs the server's", s.Quantile(95, results.ViewITL), q(gaps, 0.95))
	within("TPOT p50 vs the server's", s.Quantile(50, results.ViewTPOT), q(tpots, 0.5))
	within("TPOT p50 vs nominal", s.Quantile(50, results.ViewTPOT), spacing)
	if len(errs) == 0 {
		t.Logf("ITL p50 %v (server %v), p95 %v (server %v); TPOT p50 %v (server %v)", s.Quantile(50, results.ViewITL), q(gaps, 0.5),
			s.Quantile(95, results.ViewITL), q(gaps, 0.95), s.Quantile(50, results.ViewTPOT), q(tpots, 0.5))
	}
	return errs
}
