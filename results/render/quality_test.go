package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/compare"
	"github.com/ragload/ragload/results/internal/fixture"
	"github.com/ragload/ragload/results/threshold"
	"github.com/ragload/ragload/results/tokens"
)

// qualityChecks are the display names of the quality run's checks, as the
// issue's example scenario declares them.
var qualityChecks = map[string][]string{
	"query":  {"status 2xx", "answer not empty", "sources ≥ 1 item", `body lacks "I couldn't find"`},
	"stream": {"stream done", "≥ 5 tokens"},
}

// qualitySLO is the quality run's SLO.
var qualitySLO = &results.SLO{Latency: results.Duration(2 * time.Second), TTFT: results.Duration(time.Second), TPOT: results.Duration(100 * time.Millisecond)}

// qualityRun is a complete 6 s run at 10/s of a degrading RAG API whose
// scenario declares checks and an SLO: 20 queries (4 answered 200 with no
// sources and the fallback, 1 a 503, 2 too slow for the SLO), 20 streams
// (3 cut short without their done event, 1 with a first token past the
// SLO) that carry token timings, and 20 health checks without checks.
func qualityRun() (*results.Manifest, []*vegeta.Result) {
	m := &results.Manifest{
		Schema: results.ManifestSchema, Tool: "ragload test", Name: "quality", Mode: "attack", Target: "http://api.test",
		Plan: results.Plan{Description: "constant 10/s for 6s", Kind: "constant", StartRate: 10,
			Duration: results.Duration(6 * time.Second), Timeout: results.Duration(30 * time.Second)},
		Scenario: results.ScenarioInfo{Name: "rag", Source: "scenario.yaml", Queries: 3, Checks: qualityChecks, SLO: qualitySLO,
			Endpoints: []results.EndpointInfo{
				{Key: "query", Name: "query", Method: "POST", Path: "/query", Weight: 1, Auth: true},
				{Key: "stream", Name: "stream", Method: "POST", Path: "/query/stream", Weight: 1, Auth: true, Stream: "sse"},
				{Key: "health", Name: "health", Method: "GET", Path: "/health", Weight: 1},
			}},
		Auth:    results.AuthInfo{Mode: "none"},
		Seed:    7,
		Status:  results.StatusComplete,
		Started: t0, SendEnded: t0.Add(6 * time.Second), Ended: t0.Add(7 * time.Second),
		Planned: 60, Sent: 60, Completed: 60,
		Thresholds: []string{"p95<2s", "failures<5%", "checks<1%", "goodput>=9"},
		Results:    []string{results.ResultsFile},
	}
	var rs []*vegeta.Result
	for i := range 60 {
		r := &vegeta.Result{Attack: "quality", Seq: uint64(i), Code: 200, Timestamp: t0.Add(time.Duration(i) * 100 * time.Millisecond),
			BytesOut: 120, BytesIn: uint64(900 + i)}
		n := i / 3 // the endpoint's n-th request
		switch i % 3 {
		case 0:
			r.Method, r.URL = "POST", "http://api.test/query#query"
			r.Latency = 300*time.Millisecond + time.Duration(n)*20*time.Millisecond
			switch n {
			case 5, 9, 13, 17: // degraded: 200, no sources, the fallback answer
				checks.Record(r, []int{2, 3}, `{"answer":"I couldn't find that","sourc…`)
			case 11:
				r.Code, r.Error = 503, "503 Service Unavailable" // a failure: not checked
			case 7, 15: // too slow for the SLO's latency
				r.Latency = 2500 * time.Millisecond
			}
		case 1:
			r.Method, r.URL = "POST", "http://api.test/query/stream#stream"
			count, gap, ttft := 12, 30*time.Millisecond, 200*time.Millisecond+time.Duration(n)*5*time.Millisecond
			switch n {
			case 4, 10, 16: // cut short: three tokens, no done event
				count = 3
				checks.Record(r, []int{0, 1}, "3 tokens, no done event")
			case 8: // the first token past the SLO's ttft
				ttft = 1200 * time.Millisecond
			}
			if n%4 == 1 { // 55 gaps of 50 ms, 138 of 30 ms
				gap = 50 * time.Millisecond
			}
			tokens.SetStream(r, tokens.Stream{TTFB: 40 * time.Millisecond, TTFT: ttft, MaxGap: gap, Tokens: count})
			last := ttft + time.Duration(count-1)*gap
			tokens.Set(r, tokens.Timing{Last: last, Gaps: []tokens.GapCount{{Gap: gap, N: count - 1}}})
			r.Latency = last + 10*time.Millisecond
		default:
			r.Method, r.URL = "GET", "http://api.test/health"
			r.Latency = 5*time.Millisecond + time.Duration(n)*100*time.Microsecond
		}
		results.SetLag(r, time.Duration(i%4)*500*time.Microsecond)
		rs = append(rs, r)
	}
	return m, rs
}

// qualityReport is qualityRun aggregated and judged.
func qualityReport(t *testing.T) *results.Report {
	t.Helper()
	m, rs := qualityRun()
	rep := buildReport(t, m, rs)
	rep.Sources = []string{"runs/quality/results.bin"}
	rules, err := threshold.Rules(m.Thresholds, m.Marks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Judge(rules, 0); err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestQualityReportGolden pins every format of a report with response
// checks, an SLO and token timings byte for byte.
func TestQualityReportGolden(t *testing.T) {
	rep := qualityReport(t)
	for _, f := range Formats {
		t.Run(f, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, f, rep); err != nil {
				t.Fatal(err)
			}
			goldenNamed(t, buf.Bytes())
		})
	}
}

// TestQualityReport: whatever the golden files say, each format shows the
// failed checks by name with their counts and excerpt, the goodput with
// the SLO it was judged against, and the token timings.
func TestQualityReport(t *testing.T) {
	rep := qualityReport(t)
	if rep.Total.Checked != 39 || rep.Total.CheckFailed != 7 || rep.Total.Good != 49 {
		t.Fatalf("fixture: checked %d, failed %d, good %d; want 39, 7, 49", rep.Total.Checked, rep.Total.CheckFailed, rep.Total.Good)
	}
	line := "goodput 8.2/s of 10.0/s offered (82%): passed checks and latency ≤ 2s, ttft ≤ 1s, tpot ≤ 100ms"
	out := map[string]string{}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, f, rep); err != nil {
			t.Fatal(err)
		}
		out[f] = buf.String()
	}
	for _, f := range []string{FormatText, FormatMarkdown} {
		for _, w := range []string{line, "sources ≥ 1 item", `body lacks "I couldn't find"`, "stream done", "≥ 5 tokens",
			`{"answer":"I couldn't find that","sourc…`, "3 tokens, no done event", "ITL p50", "TPOT p95", "Goodput/s"} {
			if !strings.Contains(out[f], w) {
				t.Errorf("%s lacks %q:\n%s", f, w, out[f])
			}
		}
	}
	if !strings.Contains(out[FormatJUnit], line) || !strings.Contains(out[FormatJUnit], `name="check_failures" value="7 of 39 checked (17.95%)"`) {
		t.Errorf("junit:\n%s", out[FormatJUnit])
	}

	var doc struct {
		SLO       map[string]string `json:"slo"`
		Goodput   string            `json:"goodput"`
		Total     map[string]any    `json:"total"`
		Endpoints []struct {
			Name          string   `json:"name"`
			Checked       *uint64  `json:"checked"`
			CheckFailures *uint64  `json:"check_failures"`
			Good          *uint64  `json:"good"`
			Goodput       *float64 `json:"goodput"`
			Checks        []struct {
				Name    string `json:"name"`
				Failed  uint64 `json:"failed"`
				Excerpt string `json:"excerpt"`
			} `json:"checks"`
			ITL  *struct{ P50, P99 float64 } `json:"itl_ms"`
			TPOT *struct{ P50 float64 }      `json:"tpot_ms"`
		} `json:"endpoints"`
	}
	if err := json.Unmarshal([]byte(out[FormatJSON]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SLO["latency"] != "2s" || doc.SLO["tpot"] != "100ms" || doc.Goodput != line || doc.Total["good"] != 49.0 || doc.Total["check_failures"] != 7.0 {
		t.Errorf("json top level: slo %v, goodput %q, total good %v, check_failures %v", doc.SLO, doc.Goodput, doc.Total["good"], doc.Total["check_failures"])
	}
	q, st, h := doc.Endpoints[0], doc.Endpoints[1], doc.Endpoints[2]
	if q.Checked == nil || *q.Checked != 19 || *q.CheckFailures != 4 || len(q.Checks) != 4 || q.Checks[2].Failed != 4 || q.Checks[0].Failed != 0 ||
		q.Checks[2].Excerpt != `{"answer":"I couldn't find that","sourc…` || *q.Good != 13 || *q.Goodput != 13.0/6 {
		t.Errorf("json query: %+v", q)
	}
	near := func(got, want float64) bool { return got >= want && got <= want*1.001 } // the top of an HDR bucket
	if st.ITL == nil || !near(st.ITL.P50, 30) || !near(st.ITL.P99, 50) || st.TPOT == nil || !near(st.TPOT.P50, 30) || *st.Good != 16 {
		t.Errorf("json stream: itl %+v, tpot %+v, good %v", st.ITL, st.TPOT, *st.Good)
	}
	if h.Checked != nil || h.Checks != nil || h.Good == nil || *h.Good != 20 {
		t.Errorf("json health (no checks): checked %v, checks %v, good %v", h.Checked, h.Checks, h.Good)
	}

	rows, err := csv.NewReader(strings.NewReader(out[FormatCSV])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	if q, h, agg := rows[1], rows[3], rows[4]; q[col["Check Failure Count"]] != "4" || q[col["Good Count"]] != "13" ||
		h[col["Checked Count"]] != "" || h[col["ITL 50%"]] != "" || !strings.HasPrefix(rows[2][col["ITL 50%"]], "30") || agg[col["Goodput/s"]] != "8.167" {
		t.Errorf("csv:\n%s", out[FormatCSV])
	}
}

// TestQualityAbsent: a run without checks or an SLO shows none of it, in
// any format (the golden files of such runs pin the bytes); token columns
// need token timings.
func TestQualityAbsent(t *testing.T) {
	rep := fixture.GoldenReport(t)
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, f, rep); err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"oodput", "Check", "ITL", "TPOT", "itl_ms", "check_failures", `"slo"`} {
			if strings.Contains(buf.String(), w) {
				t.Errorf("%s of a run without checks or SLO shows %q", f, w)
			}
		}
	}
}

// TestComparisonGoodput: a comparison of runs judged by an SLO shows the
// goodput row in req/s and says in its header that a fall is a
// regression; one without leaves both out (TestComparisonGolden pins it).
func TestComparisonGoodput(t *testing.T) {
	o := compare.Options{Resamples: 100, Seed: 3}
	side := func(label string, good uint64) *compare.Side {
		s := syntheticSide(t, label, 600, 1, 1, o)
		s.Report.SLO = qualitySLO
		s.Report.Total.Good, s.Report.Endpoints[0].Good = good, good
		return s
	}
	c := compare.Runs(side("runs/base", 540), side("runs/new", 300), o)
	for _, f := range CompareFormats {
		var buf bytes.Buffer
		if err := Comparison(&buf, f, c); err != nil {
			t.Fatal(err)
		}
		for _, w := range map[string][]string{
			FormatText:     {"goodput", "9.0/s", "5.0/s", "-44.4% ✗", "or goodput down > 10%", "/query: goodput fell 44.4% (9.0/s → 5.0/s"},
			FormatMarkdown: {"| goodput | 9.0/s | 5.0/s | -44.4% ✗ |"},
			FormatJSON:     {`"metric": "goodput"`},
		}[f] {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s lacks %q:\n%s", f, w, buf.String())
			}
		}
	}
}
