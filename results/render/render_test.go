package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/internal/fixture"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/<t.Name()>.golden, rewriting it with
// -update.
func golden(t *testing.T, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", t.Name()+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./results/render -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s differs from line %d:\n got  %q\n want %q\n(go test ./results/render -update rewrites it)", path, i+1, g, w)
				break
			}
		}
	}
}

func TestWriteText(t *testing.T) {
	rep := fixture.GoldenReport(t)
	var buf bytes.Buffer
	if err := Text(&buf, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	golden(t, buf.Bytes())

	// The essentials, whatever the golden file says.
	var totalRow string // the first table's
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "TOTAL") {
			totalRow = line
			break
		}
	}
	for _, w := range []string{"54", "9.0", "7.41"} { // requests, rps (54 over 6 s), failure %
		if !strings.Contains(totalRow, w) {
			t.Errorf("TOTAL row %q lacks %q", totalRow, w)
		}
	}
	for _, w := range []string{
		"Run      golden · attack · interrupted",
		"auth bearer, 2 account(s), 2 login(s), 0 refresh(es)",
		"sent 54 of 60 planned · achieved 9.0/s over 6s",
		"Started  2025-03-14 09:26:53 UTC",
		"Service latency in ms, from the actual send",
		// health's views are 3.9 ms apart at p95, but no request left
		// more than LateAfter after its due time.
		"The two views agree within 5ms or 2%: every request left within 4.5 ms of its due time, so the latencies are the server's.",
		"/query (basic)", "/query (filtered)", "health",
		"500 Internal Server Error",
		"WARNING: the run was interrupted: 54 of 60 planned requests were sent",
		"Verdict: FAIL",
		"FAIL      failures<1%",
		"mark miss query_filtered:p95<1s",
		"mark ok   p50<1s",
		"because overall failures is 7.41%, not < 1%",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("text report lacks %q:\n%s", w, out)
		}
	}
	// Endpoints in scenario order, the total last.
	iq, iflt, ih, it := strings.Index(out, "/query (basic)"), strings.Index(out, "/query (filtered)"),
		strings.Index(out, "│ health"), strings.Index(out, "TOTAL")
	if !(iq < iflt && iflt < it && ih < it) {
		t.Errorf("rows out of order (%d, %d, %d, %d):\n%s", iq, iflt, ih, it, out)
	}
}

func TestWriteJSON(t *testing.T) {
	rep := fixture.GoldenReport(t)
	var buf bytes.Buffer
	if err := JSON(&buf, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, buf.Bytes())

	var doc struct {
		Schema  string
		Run     *results.Manifest
		Sources []string
		Window  float64 `json:"window_seconds"`
		Total   struct {
			Name        string
			Requests    uint64
			RPS         float64
			Failures    uint64
			FailureRate float64 `json:"failure_rate"`
			Status429   uint64  `json:"status_429"`
			Codes       map[string]uint64
			Errors      []results.ErrorCount
			Latency     map[string]float64  `json:"latency_ms"`
			Service     map[string]float64  `json:"service_latency_ms"`
			Lag         *map[string]float64 `json:"schedule_lag_ms"`
		}
		Endpoints []struct {
			Name, Key string
			Requests  uint64
		}
		Verdict struct {
			Pass    bool
			Reasons []string
			Checks  []struct {
				Threshold string
				Endpoint  string
				Advisory  bool
				Pass      bool
				Actual    float64
				Limit     float64
			}
		}
		Warnings []string
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("WriteJSON output is not JSON: %v\n%s", err, buf.String())
	}
	if doc.Schema != "ragload.report/v1" {
		t.Errorf("schema %q", doc.Schema)
	}
	if doc.Run == nil || doc.Run.Name != "golden" || doc.Run.Plan.Duration != results.Duration(6*time.Second) {
		t.Errorf("run = %+v", doc.Run)
	}
	tot := doc.Total
	if tot.Name != "TOTAL" || tot.Requests != 54 || tot.Failures != 4 || tot.Status429 != 1 || doc.Window != 6 || tot.RPS != 9 {
		t.Errorf("total = %+v, window %v", tot, doc.Window)
	}
	if tot.Codes["200"] != 50 || tot.Codes["0"] != 2 || tot.Codes["500"] != 1 || tot.Codes["429"] != 1 {
		t.Errorf("codes = %v", tot.Codes)
	}
	if len(tot.Errors) != 3 || tot.Errors[0].Count != 2 || !strings.Contains(tot.Errors[0].Message, "deadline") {
		t.Errorf("errors = %v", tot.Errors)
	}
	if tot.Lag == nil || (*tot.Lag)["max"] != 4.5 || tot.Service["mean"] >= tot.Latency["mean"] {
		t.Errorf("lag %v, service %v, latency %v", tot.Lag, tot.Service, tot.Latency)
	}
	var names []string
	for _, e := range doc.Endpoints {
		names = append(names, e.Key+"="+e.Name)
	}
	if strings.Join(names, ",") != "query=/query (basic),query_filtered=/query (filtered),health=health" {
		t.Errorf("endpoints %q", names)
	}
	v := doc.Verdict
	if v.Pass || len(v.Reasons) != 1 || len(v.Checks) != 4 {
		t.Fatalf("verdict = %+v", v)
	}
	// Latency checks in milliseconds, failures as fractions.
	if c := v.Checks[0]; c.Threshold != "p95<2s" || c.Limit != 2000 || !c.Pass || c.Actual <= 0 || c.Actual >= 2000 {
		t.Errorf("check 0 = %+v", c)
	}
	if c := v.Checks[1]; c.Threshold != "failures<1%" || c.Limit != 0.01 || c.Pass || c.Actual != 4.0/54 {
		t.Errorf("check 1 = %+v", c)
	}
	if c := v.Checks[3]; c.Endpoint != "query_filtered" || !c.Advisory || c.Pass {
		t.Errorf("check 3 = %+v", c)
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "interrupted") {
		t.Errorf("warnings %q", doc.Warnings)
	}
}

func TestWriteBareReport(t *testing.T) {
	rep := buildReport(t, nil, evenly(t, 11, 100*time.Millisecond, 0))
	rep.Sources = []string{"a.bin", "b.bin"}
	if err := rep.Judge(mustRules(t, []string{"p95<2s"}, nil), 1); err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := Text(&text, rep); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Results  a.bin, b.bin (no run.json: a bare vegeta file)",
		"Requests 11 · achieved 10.0/s over 1.1s", "GET /x", "Verdict: PASS", "PASS      p95<2s"} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, text.String())
		}
	}
	for _, w := range []string{"Lag ", "Errors", "WARNING", "because"} {
		if strings.Contains(text.String(), w) {
			t.Errorf("text of a clean, unscheduled run has %q:\n%s", w, text.String())
		}
	}

	var js bytes.Buffer
	if err := JSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["run"] != nil || doc["schema"] != JSONSchema {
		t.Errorf("run %v, schema %v", doc["run"], doc["schema"])
	}
	// Lists are [] rather than null, and there is no lag without a schedule.
	if w, ok := doc["warnings"].([]any); !ok || len(w) != 0 {
		t.Errorf("warnings = %#v, want []", doc["warnings"])
	}
	total := doc["total"].(map[string]any)
	if _, ok := total["schedule_lag_ms"]; ok {
		t.Errorf("total has schedule_lag_ms without lags: %v", total)
	}
	if e, ok := total["errors"].([]any); !ok || len(e) != 0 {
		t.Errorf("errors = %#v, want []", total["errors"])
	}
}

func TestWriteEmptyReport(t *testing.T) {
	rep := buildReport(t, &results.Manifest{Name: "empty", Status: results.StatusFailed, Error: "login failed"}, nil)
	if err := rep.Judge(nil, 0); err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	if err := Text(&text, rep); err != nil {
		t.Fatal(err)
	}
	if err := JSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Verdict: FAIL", "because no requests were sent", "WARNING: the run failed: login failed"} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, text.String())
		}
	}
	if !json.Valid(js.Bytes()) || !strings.Contains(js.String(), `"endpoints": []`) {
		t.Errorf("json:\n%s", js.String())
	}
}

// TestWriteTextManyErrorKinds: eight distinct messages of one kind make
// one row, with the first message and how many others there were.
func TestWriteTextManyErrorKinds(t *testing.T) {
	var rs []*vegeta.Result
	for i := range 8 {
		for range 8 - i {
			r := res("GET", "http://h/x", 0, time.Millisecond, 0)
			r.Error = "error kind " + string(rune('A'+i))
			rs = append(rs, r)
		}
	}
	rep := buildReport(t, nil, rs)
	var buf bytes.Buffer
	if err := Text(&buf, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, w := range []string{"│ GET /x   │ other │    36 │ error kind A (+7 other messages) │"} {
		if !strings.Contains(out, w) {
			t.Errorf("text lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "error kind B") {
		t.Errorf("text lists more than the first message of a kind:\n%s", out)
	}
}

// failingWriter fails every write after the first n bytes.
type failingWriter struct{ n int }

var errWrite = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errWrite
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	rep := fixture.GoldenReport(t)
	var full bytes.Buffer
	if err := Text(&full, rep); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10, full.Len() / 2, full.Len() - 5} {
		if err := Text(&failingWriter{n: n}, rep); err == nil {
			t.Errorf("WriteText with a writer failing after %d bytes returned nil", n)
		}
		if err := JSON(&failingWriter{n: n}, rep); !errors.Is(err, errWrite) {
			t.Errorf("WriteJSON with a writer failing after %d bytes: %v", n, err)
		}
	}
}

// TestWriteDropped: requests the generator dropped show in every format:
// in the header with their share, in a Dropped column (text and
// Markdown; CSV always has one), per endpoint in JSON, and in the verdict.
func TestWriteDropped(t *testing.T) {
	start := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	m := &results.Manifest{Name: "dropped", Mode: "attack", Status: results.StatusComplete, Started: start, SendEnded: start.Add(11 * time.Second),
		Planned: 100, Sent: 90, Completed: 90, Plan: results.Plan{Description: "constant 10/s for 10s", Duration: results.Duration(10 * time.Second), MaxLag: results.Duration(time.Second)},
		Scenario: results.ScenarioInfo{Endpoints: testEndpoints()},
		Dropped:  &results.Drops{Total: 10, Late: 4, Capped: 6, Endpoints: map[string]uint64{"health": 10}}}
	rep := buildReport(t, m, evenly(t, 90, 100*time.Millisecond, 0))
	if err := rep.Judge(mustRules(t, []string{"p95<2s"}, nil), 1); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range []string{FormatText, FormatMarkdown, FormatJSON, FormatCSV, FormatJUnit} {
		var b strings.Builder
		if err := Write(&b, f, rep); err != nil {
			t.Fatal(err)
		}
		out[f] = b.String()
	}
	wantIn := func(f string, parts ...string) {
		t.Helper()
		for _, p := range parts {
			if !strings.Contains(out[f], p) {
				t.Errorf("%s lacks %q:\n%s", f, p, out[f])
			}
		}
	}
	wantIn(FormatText, "sent 90 of 100 planned · dropped 10 (10.0%) · achieved 8.2/s over 11s (sending overran the plan by 1s)",
		"│ Dropped │", "Verdict: NOT CONCLUSIVE", "not conclusive: ragload dropped 10 (10.0%)")
	wantIn(FormatMarkdown, "| Dropped |", "dropped 10 (10.0%)", "NOT CONCLUSIVE")
	wantIn(FormatJSON, `"dropped": 10,`, `"capped": 6`, `"verdict": "NOT CONCLUSIVE"`)
	wantIn(FormatCSV, ",Dropped\n", ",Aggregated,")
	wantIn(FormatJUnit, "not conclusive: ragload dropped 10")
	rows, err := csv.NewReader(strings.NewReader(out[FormatCSV])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	last := rows[len(rows)-1]
	if last[len(last)-1] != "10" {
		t.Errorf("CSV Aggregated Dropped %q, want 10", last[len(last)-1])
	}
}
