package render

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/journey"
)

// journeysRun is a complete 30 s run of two journeys: conversation
// (start_chat, follow_up) has 8 completed in 1…8 s, 2 failed with an HTTP
// 500 on its follow-up and 1 on a timeout of its first step, 1 cut
// unfinished; upload (upload, query) 2 completed and 1 failed. Their
// results interleave, in the order their responses ended.
func journeysRun(t *testing.T) (*results.Manifest, []*vegeta.Result) {
	t.Helper()
	eps := []results.EndpointInfo{
		{Key: "start_chat", Name: "start_chat", Method: "POST", Path: "/chat", Weight: 1, Auth: true},
		{Key: "follow_up", Name: "follow_up", Method: "POST", Path: "/chat/messages", Weight: 1, Auth: true},
		{Key: "upload", Name: "upload", Method: "POST", Path: "/upload", Weight: 1, Auth: true},
		{Key: "query", Name: "query", Method: "POST", Path: "/query", Weight: 1, Auth: true},
	}
	m := &results.Manifest{
		Schema: results.ManifestSchema, Tool: "ragload test", Name: "journeys", Mode: "users", Target: "http://api.test",
		Plan: results.Plan{Description: "4 users for 30s", Kind: "users", Duration: results.Duration(30 * time.Second), Timeout: results.Duration(30 * time.Second)},
		Scenario: results.ScenarioInfo{Name: "rag", Source: "scenario.yaml", Endpoints: eps, Queries: 3, Journeys: []results.JourneyInfo{
			{Name: "conversation", Weight: 3, Steps: []string{"start_chat", "follow_up"}},
			{Name: "upload", Weight: 1, Steps: []string{"upload", "query"}},
		}},
		Auth:   results.AuthInfo{Mode: "bearer", Users: 1, Logins: 1},
		Status: results.StatusComplete, Started: t0, SendEnded: t0.Add(30 * time.Second), Ended: t0.Add(31 * time.Second),
		Thresholds: []string{"journey:conversation:p95<20s", "journey:upload:failures<1%"},
		Marks:      []string{"journey:conversation:p50<5s"},
		Results:    []string{results.ResultsFile},
	}
	var rs []*vegeta.Result
	add := func(name string, inst uint64, step int, url string, sent, latency time.Duration, code uint16, end string) {
		r := &vegeta.Result{Attack: "journeys", Code: code, Method: "POST", URL: "http://api.test" + url, Timestamp: t0.Add(sent), Latency: latency, BytesIn: 100, BytesOut: 20}
		switch code {
		case 0:
			r.Error = `Post "http://api.test/chat": context deadline exceeded`
		case 500:
			r.Error = "500 Internal Server Error"
		}
		journey.SetMark(r, name, inst, step)
		if end != "" {
			journey.SetEnd(r, strings.TrimPrefix(end, "ok"))
		}
		rs = append(rs, r)
	}
	inst := uint64(0)
	at := time.Duration(0)
	for i := range 12 {
		inst++
		switch {
		case i < 8:
			add("conversation", inst, 0, "/chat", at, 200*time.Millisecond, 201, "")
			add("conversation", inst, 1, "/chat/messages", at+300*time.Millisecond, time.Duration(i+1)*time.Second-300*time.Millisecond, 200, "ok")
		case i < 10:
			add("conversation", inst, 0, "/chat", at, 200*time.Millisecond, 201, "")
			add("conversation", inst, 1, "/chat/messages", at+300*time.Millisecond, 50*time.Millisecond, 500, "step 2 (follow_up): HTTP 500")
		case i == 10:
			add("conversation", inst, 0, "/chat", at, 2*time.Second, 0, "step 1 (start_chat): timeout")
		default:
			add("conversation", inst, 0, "/chat", at, 200*time.Millisecond, 201, "")
		}
		if i < 3 {
			inst++
			add("upload", inst, 0, "/upload", at+100*time.Millisecond, 300*time.Millisecond, 200, "")
			if i < 2 {
				add("upload", inst, 1, "/query", at+500*time.Millisecond, time.Duration(i+2)*time.Second, 200, "ok")
			} else {
				add("upload", inst, 1, "/query", at+500*time.Millisecond, time.Second, 500, "step 2 (query): HTTP 500")
			}
		}
		at += 1500 * time.Millisecond
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].End().Before(rs[j].End()) })
	for i, r := range rs {
		r.Seq = uint64(i)
	}
	m.Sent, m.Completed = uint64(len(rs)), uint64(len(rs))
	return m, rs
}

func journeysReport(t *testing.T) *results.Report {
	t.Helper()
	m, rs := journeysRun(t)
	rep := buildReport(t, m, rs)
	if err := rep.Judge(mustRules(t, m.Thresholds, m.Marks), 0); err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestJourneysReportGolden pins every format of a report with journeys.
func TestJourneysReportGolden(t *testing.T) {
	rep := journeysReport(t)
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

// TestJourneysReport: whatever the golden files say, text and Markdown
// show the journeys table after the endpoints' and the failures by
// reason; JSON has the same figures and matches the schema; JUnit names
// a journey's checks after it.
func TestJourneysReport(t *testing.T) {
	rep := journeysReport(t)
	out := map[string]string{}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, f, rep); err != nil {
			t.Fatal(err)
		}
		out[f] = buf.String()
	}
	rows := map[string][]string{
		FormatText:     {"│ conversation │      12 │         8 │      3 │          1 │ 4001.8 │ 8000.0 │ 8000.0 │ 8000.0 │", "│ upload       │       3 │         2 │      1 │          0 │"},
		FormatMarkdown: {"| conversation | 12 | 8 | 3 | 1 | 4001.8 | 8000.0 | 8000.0 | 8000.0 |", "| upload | 3 | 2 | 1 | 0 | 2400.3 | 3400.0 | 3400.0 | 3400.0 |"},
	}
	for _, f := range []string{FormatText, FormatMarkdown} {
		s := out[f]
		endpoints, journeys, reasons := strings.Index(s, "start_chat"), strings.Index(s, "Journeys:"), strings.Index(s, "Journey failures by reason:")
		if endpoints < 0 || journeys < endpoints || reasons < journeys {
			t.Errorf("%s: endpoints at %d, journeys at %d, reasons at %d; want in that order:\n%s", f, endpoints, journeys, reasons, s)
		}
		for _, w := range append(rows[f], "step 2 (follow_up): HTTP 500", "step 1 (start_chat): timeout", "step 2 (query): HTTP 500",
			"journey:conversation:p95<20s", "(8 samples, needs 100)", "journey upload failures is 33.33%, not < 1%") {
			if !strings.Contains(s, w) {
				t.Errorf("%s lacks %q:\n%s", f, w, s)
			}
		}
	}
	var doc struct {
		Journeys []struct {
			Name                                   string
			Started, Completed, Failed, Unfinished uint64
			FailureRate                            float64 `json:"failure_rate"`
			Duration                               struct {
				Count         uint64
				P50, P95, Max float64
			} `json:"duration_ms"`
			Failures []struct {
				Reason string
				Count  uint64
			} `json:"failures_by_reason"`
		}
		Run struct {
			Scenario struct {
				Journeys []results.JourneyInfo
			}
		}
		Verdict struct {
			Checks []struct {
				Journey, Endpoint string
				Actual            float64
				Samples           uint64
			}
		}
	}
	if err := json.Unmarshal([]byte(out[FormatJSON]), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Journeys) != 2 {
		t.Fatalf("json journeys: %s", out[FormatJSON])
	}
	c, u := doc.Journeys[0], doc.Journeys[1]
	if c.Name != "conversation" || c.Started != 12 || c.Completed != 8 || c.Failed != 3 || c.Unfinished != 1 ||
		c.FailureRate != 3.0/11 || c.Duration.Count != 8 || c.Duration.P50 != 4001.791 || c.Duration.Max != 8000 ||
		len(c.Failures) != 2 || c.Failures[0].Reason != "step 2 (follow_up): HTTP 500" || c.Failures[0].Count != 2 {
		t.Errorf("json conversation: %+v", c)
	}
	if u.Name != "upload" || u.Started != 3 || u.Failed != 1 || len(u.Failures) != 1 {
		t.Errorf("json upload: %+v", u)
	}
	if js := doc.Run.Scenario.Journeys; len(js) != 2 || js[1].Steps[1] != "query" {
		t.Errorf("json run.scenario.journeys: %+v", js)
	}
	if ch := doc.Verdict.Checks[0]; ch.Journey != "conversation" || ch.Endpoint != "" || ch.Actual != 8000 || ch.Samples != 8 {
		t.Errorf("json check: %+v", ch)
	}
	if !strings.Contains(out[FormatJUnit], `classname="journey upload" name="journey:upload:failures&lt;1%"`) {
		t.Errorf("junit:\n%s", out[FormatJUnit])
	}

	// The JSON matches the schema, as written and as `ragload report`
	// loads it from a run directory.
	sch := compileSchema(t)
	validateReport(t, sch, "the journeys report", []byte(out[FormatJSON]))
	m, rs := journeysRun(t)
	dir := filepath.Join(t.TempDir(), "journeys")
	writeRun(t, dir, m, rs)
	validateReport(t, sch, "the loaded journeys report", reportJSON(t, 0, dir))
}

// TestNoJourneysNoTable: a report of a run without journeys says nothing
// of them in any format (the golden files of the other tests pin the
// bytes).
func TestNoJourneysNoTable(t *testing.T) {
	m, rs := journeysRun(t)
	m.Name, m.Scenario.Journeys, m.Thresholds, m.Marks = "plain", nil, []string{"p95<2s"}, nil
	for _, r := range rs {
		r.Attack = "plain"
		delete(r.Headers, journey.Header)
		delete(r.Headers, journey.EndHeader)
	}
	rep := buildReport(t, m, rs)
	if err := rep.Judge(mustRules(t, m.Thresholds, nil), 0); err != nil {
		t.Fatal(err)
	}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, f, rep); err != nil {
			t.Fatal(err)
		}
		if s := strings.ToLower(buf.String()); strings.Contains(s, "journey") {
			t.Errorf("%s mentions journeys:\n%s", f, buf.String())
		}
	}
}

// A journey none of whose instances completed has no durations: its
// percentiles read "-", not 0.0 ms, which would read as instant journeys.
func TestJourneysNoneCompleted(t *testing.T) {
	m, rs := journeysRun(t)
	kept := rs[:0]
	for _, r := range rs {
		if strings.HasSuffix(r.URL, "/query") && r.Code == 200 {
			continue // the upload journeys that completed lose their last step
		}
		kept = append(kept, r)
	}
	m.Sent, m.Completed = uint64(len(kept)), uint64(len(kept))
	rep := buildReport(t, m, kept)
	var upload *results.JourneyStats
	for _, j := range rep.Journeys {
		if j.Name == "upload" {
			upload = j
		}
	}
	if upload == nil || upload.Completed != 0 || upload.Failed != 1 {
		t.Fatalf("upload journey = %+v, want none completed and 1 failed", upload)
	}
	row := journeyRow(upload)
	if got := strings.Join(row[5:], " "); got != "- - - -" {
		t.Errorf("percentiles of no completed journey read %q, want - - - -", got)
	}
	if got := strings.Join(journeyRow(rep.Journeys[0])[5:], " "); strings.Contains(got, "-") {
		t.Errorf("conversation, with 8 completed, reads %q", got)
	}
}
