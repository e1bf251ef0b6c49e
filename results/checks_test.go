package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/results/tokens"
)

// TestChecksRoundTrip: failed checks survive the results file, read by
// ReadFile and by vegeta's own decoder (so vegeta report still reads it,
// and counts the results as the successes they are), and vegeta's CSV and
// JSON encoders still take the results.
func TestChecksRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.gob")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1700000000, 0)
	in := []*vegeta.Result{
		{Seq: 0, Code: 200, Timestamp: t0, Latency: time.Millisecond, URL: "/q", Method: "POST"},
		{Seq: 1, Code: 200, Timestamp: t0.Add(time.Second), Latency: time.Millisecond, URL: "/q", Method: "POST"},
		{Seq: 2, Code: 200, Timestamp: t0.Add(2 * time.Second), Latency: time.Millisecond, URL: "/q", Method: "POST"},
	}
	Trim(in[1], false)
	SetLag(in[1], 3*time.Millisecond)
	checks.Record(in[1], []int{2, 3}, "[]")
	checks.Record(in[2], []int{0}, "I couldn't find that in the documents.…")
	checks.Record(in[0], nil, "ignored") // passed: nothing recorded
	for _, r := range in {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		failed  []int
		excerpt string
	}{{nil, ""}, {[]int{2, 3}, "[]"}, {[]int{0}, "I couldn't find that in the documents.…"}}

	var got []*vegeta.Result
	if err := ReadFile(path, func(r *vegeta.Result) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	var viaVegeta []*vegeta.Result
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	var m vegeta.Metrics
	for {
		r := new(vegeta.Result)
		if err := dec.Decode(r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("vegeta's decoder: %v", err)
		}
		m.Add(r)
		viaVegeta = append(viaVegeta, r)
	}
	m.Close()
	if m.Requests != 3 || m.Success != 1 {
		t.Errorf("vegeta's metrics: %d requests, success %v; want 3, 1 (a failed check is not an HTTP failure)", m.Requests, m.Success)
	}
	for name, rs := range map[string][]*vegeta.Result{"ReadFile": got, "vegeta": viaVegeta} {
		if len(rs) != len(want) {
			t.Fatalf("%s: %d results", name, len(rs))
		}
		for i, r := range rs {
			failed, excerpt := checks.Recorded(r)
			if !slices.Equal(failed, want[i].failed) || excerpt != want[i].excerpt {
				t.Errorf("%s result %d: checks.Recorded = %v %q, want %v %q", name, i, failed, excerpt, want[i].failed, want[i].excerpt)
			}
		}
		if lag, ok := Lag(rs[1]); !ok || lag != 3*time.Millisecond {
			t.Errorf("%s: the lag next to the checks: %v %v", name, lag, ok)
		}
	}
	var csv, js bytes.Buffer
	for _, r := range viaVegeta {
		if err := vegeta.NewCSVEncoder(&csv).Encode(r); err != nil {
			t.Errorf("vegeta's CSV encoder: %v", err)
		}
		if err := vegeta.NewJSONEncoder(&js).Encode(r); err != nil {
			t.Errorf("vegeta's JSON encoder: %v", err)
		}
	}
	var first struct {
		Headers map[string][]string `json:"headers"`
	}
	line, _, _ := bytes.Cut(js.Bytes()[bytes.IndexByte(js.Bytes(), '\n')+1:], []byte("\n"))
	if err := json.Unmarshal(line, &first); err != nil || first.Headers[checks.Header][0] != "2,3" {
		t.Errorf("vegeta encode -to json: %s (%v)", line, err)
	}
}

// TestChecksAndGoodput: the aggregation counts checked results (not the
// failures), failed checks per check with the first excerpt of each, and
// goodput by every objective of the SLO; indexes beyond the endpoint's
// checks are dropped; the verdict judges checks and goodput; and a
// summary read back gives the same figures.
func TestChecksAndGoodput(t *testing.T) {
	m := &Manifest{Name: "quality", Status: StatusComplete, Started: t0, SendEnded: t0.Add(10 * time.Second),
		Scenario: ScenarioInfo{Endpoints: testEndpoints(),
			Checks: map[string][]string{"/query (basic)": {"status 2xx", "has sources"}},
			SLO:    &SLO{Latency: Duration(100 * time.Millisecond), TTFT: Duration(30 * time.Millisecond), TPOT: Duration(10 * time.Millisecond)}}}
	q := func(code uint16, latency, lag time.Duration) *vegeta.Result {
		r := res("POST", "http://api.test/query#query", code, latency, time.Second)
		SetLag(r, lag)
		return r
	}
	streamed := func(r *vegeta.Result, ttft time.Duration, n int, last time.Duration, gap time.Duration) *vegeta.Result {
		tokens.SetStream(r, tokens.Stream{TTFB: ttft / 2, TTFT: ttft, MaxGap: gap, Tokens: n})
		if n > 0 {
			tokens.Set(r, tokens.Timing{Last: last, Gaps: []tokens.GapCount{{Gap: gap, N: n - 1}}})
		}
		return r
	}
	withChecks := func(r *vegeta.Result, failed []int, excerpt string) *vegeta.Result {
		checks.Record(r, failed, excerpt)
		return r
	}
	rs := []*vegeta.Result{
		q(200, 50*time.Millisecond, 0),                                                                             // good
		q(200, 90*time.Millisecond, 20*time.Millisecond),                                                           // misses the latency by its lag
		q(500, 10*time.Millisecond, 0),                                                                             // a failure: not checked, not good
		withChecks(q(200, 5*time.Millisecond, 0), []int{1}, "[]"),                                                  // failed has sources
		withChecks(q(200, 5*time.Millisecond, 0), []int{1}, "later"),                                               // the first excerpt stays
		withChecks(q(200, 5*time.Millisecond, 0), []int{7, 0}, "beyond the list"),                                  // 7 dropped, 0 counted, no excerpt
		withChecks(q(200, 5*time.Millisecond, 0), []int{9}, "another scenario's"),                                  // nothing valid: passed
		streamed(q(200, 60*time.Millisecond, 0), 20*time.Millisecond, 5, 56*time.Millisecond, 9*time.Millisecond),  // good: TPOT 9ms
		streamed(q(200, 60*time.Millisecond, 0), 20*time.Millisecond, 5, 64*time.Millisecond, 11*time.Millisecond), // TPOT 11ms
		streamed(q(200, 60*time.Millisecond, 0), 40*time.Millisecond, 2, 45*time.Millisecond, 5*time.Millisecond),  // TTFT 40ms (TPOT 5ms)
		streamed(q(200, 60*time.Millisecond, 0), 0, 0, 0, 0),                                                       // no token: misses TTFT
		streamed(q(200, 60*time.Millisecond, 0), 20*time.Millisecond, 1, 20*time.Millisecond, 0),                   // one token: no TPOT, good
		res("GET", "http://api.test/health", 200, time.Millisecond, time.Second),                                   // no checks: good
	}
	rep := buildReport(t, m, rs)
	var query, health *Stats
	for _, s := range rep.Endpoints {
		switch s.Key {
		case "query":
			query = s
		case "health":
			health = s
		}
	}
	want := []CheckCount{{"status 2xx", 1, ""}, {"has sources", 2, "[]"}}
	if query.Checked != 11 || query.CheckFailed != 3 || !slices.Equal(query.Checks, want) || query.Good != 4 {
		t.Errorf("query: checked %d, failed checks %d %+v, good %d; want 11, 3 %+v, 4", query.Checked, query.CheckFailed, query.Checks, query.Good, want)
	}
	if health.Checked != 0 || health.Checks != nil || health.Good != 1 {
		t.Errorf("health: checked %d %v, good %d", health.Checked, health.Checks, health.Good)
	}
	tot := rep.Total
	if tot.Checked != 11 || tot.CheckFailed != 3 || tot.Good != 5 || tot.Checks != nil || tot.Goodput() != 0.5 || tot.CheckFailRate() != 3.0/11 {
		t.Errorf("total: checked %d, failed %d, good %d (%v/s), %v", tot.Checked, tot.CheckFailed, tot.Good, tot.Goodput(), tot.Checks)
	}
	if rep.SLO == nil || rep.SLO.TPOT != Duration(10*time.Millisecond) {
		t.Errorf("report SLO %+v", rep.SLO)
	}
	if itl, tp := tot.View(ViewITL), tot.View(ViewTPOT); itl.Count != 4+4+1 || tp.Count != 3 || tp.Max != 11*time.Millisecond || tp.Min != 5*time.Millisecond {
		t.Errorf("ITL %+v, TPOT %+v", itl, tp)
	}
	if err := rep.Judge(mustRules(t, []string{"checks<30%", "query:checks<25%", "goodput>=0.5", "health:checks<1%", "tpot_p50<=10ms", "itl_max<11ms"}, nil), 0); err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, c := range rep.Verdict.Checks {
		got = append(got, fmt.Sprintf("%v %s", c.Pass, c.FormatActual()))
	}
	if w := []string{"true 27.27%", "false 27.27%", "true 0.5/s", "false no response was checked", "true 9.0 ms", "false 11.0 ms"}; !slices.Equal(got, w) {
		t.Errorf("verdict %q, want %q", got, w)
	}

	// Written and read back as a summary: the same figures.
	dir := t.TempDir()
	path := filepath.Join(dir, ResultsFile)
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	agg := NewAggregator(m)
	for _, r := range rs {
		agg.Add(r)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := WriteSummary(path, agg); err != nil {
		t.Fatal(err)
	}
	sum, err := readSummary(path, -1)
	if err != nil {
		t.Fatal(err)
	}
	back := NewAggregator(m)
	if ok, err := back.addSummary(sum); !ok || err != nil {
		t.Fatalf("addSummary: %v %v", ok, err)
	}
	for i, s := range append([]*Stats{back.Total()}, back.Endpoints()...) {
		o := rep.Total
		if i > 0 {
			o = rep.Endpoints[i-1]
		}
		if s.Checked != o.Checked || s.CheckFailed != o.CheckFailed || !slices.Equal(s.Checks, o.Checks) || s.Good != o.Good ||
			s.View(ViewITL) != o.View(ViewITL) || s.View(ViewTPOT) != o.View(ViewTPOT) {
			t.Errorf("%s from its summary: %+v, from results %+v", s.Name, s, o)
		}
	}
	// A summary of other checks is not merged: the file is read instead.
	other := *m
	other.Scenario.Checks = map[string][]string{"/query (basic)": {"status 2xx"}}
	if ok, err := NewAggregator(&other).addSummary(sum); ok || err != nil {
		t.Errorf("a summary of other checks merged: %v %v", ok, err)
	}
}
