package render

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/internal/fixture"
)

// faultyRun is a run whose endpoints failed in several ways: the first
// message of each kind is kept, the counts add up, kinds sort by count.
func faultyRun(t *testing.T, auth results.AuthInfo) *results.Report {
	t.Helper()
	m := &results.Manifest{Schema: results.ManifestSchema, Tool: "ragload test", Name: "faulty", Mode: "attack", Target: "http://api.test", Status: results.StatusComplete, Auth: auth,
		Scenario: results.ScenarioInfo{Endpoints: testEndpoints()}, Started: t0, SendEnded: t0.Add(2 * time.Second)}
	q, h := "http://api.test/query#query", "http://api.test/health"
	refused := func(n int) string { // two causes, told apart by a letter (numbers do not count)
		return `Get "http://api.test/health": dial tcp 127.0.0.1:800` + string(rune('0'+n)) + `: connect: connection refused ` + string(rune('a'+n))
	}
	var rs []*vegeta.Result
	add := func(url string, code uint16, msg string) {
		r := res("POST", url, code, 10*time.Millisecond, time.Duration(len(rs))*10*time.Millisecond)
		if url == h {
			r.Method = "GET"
		}
		r.Error = msg
		rs = append(rs, r)
	}
	for range 10 {
		add(q, 200, "")
	}
	add(q, 503, "503 Service Unavailable")
	add(q, 401, "401 Unauthorized")
	add(q, 503, "503 Service Unavailable")
	add(q, 401, "401 Unauthorized")
	add(q, 401, "401 Unauthorized")
	add(q, 0, "unexpected EOF")
	add(h, 0, refused(1))
	add(h, 0, refused(2))
	add(h, 200, "")
	return buildReport(t, m, rs)
}

func TestErrorKindsByEndpoint(t *testing.T) {
	t.Parallel()
	rep := faultyRun(t, results.AuthInfo{Mode: "bearer", Users: 1, Logins: 3, Refreshes: 2, Unauthorized: 3})
	eps := rep.Endpoints
	if len(eps) != 2 {
		t.Fatalf("%d endpoints", len(eps))
	}
	want := []results.KindCount{
		{Kind: "HTTP 401", Count: 3, First: "401 Unauthorized", Messages: 1},
		{Kind: "HTTP 503", Count: 2, First: "503 Service Unavailable", Messages: 1},
		{Kind: results.KindClosed, Count: 1, First: "unexpected EOF", Messages: 1},
	}
	if got := eps[0].ErrorKinds(); !slices.Equal(got, want) {
		t.Errorf("query kinds = %+v, want %+v", got, want)
	}
	got := eps[1].ErrorKinds()
	if len(got) != 1 || got[0].Kind != results.KindRefused || got[0].Count != 2 || !strings.HasSuffix(got[0].First, "8001: connect: connection refused b") || got[0].Messages != 2 {
		t.Errorf("health kinds = %+v, want 2 refused, the first message first", got)
	}
	if tot := rep.Total.ErrorKinds(); len(tot) != 4 || tot[0].Kind != "HTTP 401" {
		t.Errorf("total kinds = %+v", tot)
	}

	var text, md, js bytes.Buffer
	if err := Text(&text, rep); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	if err := JSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	note := "401 Unauthorized: 3 responses (tokens expired or revoked); ragload logged in again 2 times."
	for _, w := range []string{
		"Errors by endpoint and kind (count, first message):",
		"│ /query (basic) │ HTTP 401           │     3 │ 401 Unauthorized",
		"│ /query (basic) │ HTTP 503           │     2 │ 503 Service Unavailable",
		"│ /query (basic) │ connection closed  │     1 │ unexpected EOF",
		"│ health         │ connection refused │     2 │ dial tcp 127.0.0.1:8001: connect: connection refused b (+1 other messages) │",
		note,
	} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, text.String())
		}
	}
	for _, w := range []string{
		"| Endpoint | Kind | Count | First message |",
		"| /query (basic) | HTTP 401 | 3 | 401 Unauthorized |",
		"| health | connection refused | 2 | dial tcp 127.0.0.1:8001: connect: connection refused b (+1 other messages) |",
		"</details>\n\n" + note,
	} {
		if !strings.Contains(md.String(), w) {
			t.Errorf("markdown lacks %q:\n%s", w, md.String())
		}
	}
	var doc struct {
		Endpoints []struct {
			Name       string
			ErrorKinds []results.KindCount `json:"error_kinds"`
		}
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Endpoints) != 2 || !slices.Equal(doc.Endpoints[0].ErrorKinds, want) ||
		!strings.HasPrefix(doc.Endpoints[1].ErrorKinds[0].First, `Get "http://api.test/health": dial tcp`) { // raw in JSON
		t.Errorf("json endpoints = %+v", doc.Endpoints)
	}
	validateReport(t, compileSchema(t), "the faulty run's JSON report", js.Bytes())
}

func TestUnauthorizedNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		auth results.AuthInfo
		want string
	}{
		{results.AuthInfo{Mode: "bearer", Refreshes: 1}, "401 Unauthorized: 3 responses (tokens expired or revoked); ragload logged in again 1 time."},
		{results.AuthInfo{Mode: "anonymous"}, "401 Unauthorized: 3 responses (tokens expired or revoked); the run was anonymous: it had no token to renew."},
		{results.AuthInfo{Mode: "none"}, "401 Unauthorized: 3 responses (tokens expired or revoked)."},
	} {
		if got := unauthorizedNote(faultyRun(t, tc.auth)); got != tc.want {
			t.Errorf("mode %s: %q, want %q", tc.auth.Mode, got, tc.want)
		}
	}
	// 401s of an endpoint that sends no token (health: no auth: true)
	// say so: logging in again cannot help them.
	r := faultyRun(t, results.AuthInfo{Mode: "bearer", Refreshes: 4})
	for _, e := range r.Endpoints {
		if e.Name == "health" {
			e.Unauthorized = 2
		}
	}
	r.Total.Unauthorized += 2
	want := "401 Unauthorized: 5 responses (tokens expired or revoked); ragload logged in again 4 times; health sends no token: its endpoint lacks auth: true in the scenario."
	if got := unauthorizedNote(r); got != want {
		t.Errorf("an endpoint without auth: %q, want %q", got, want)
	}
	if got := unauthorizedNote(fixture.GoldenReport(t)); got != "" {
		t.Errorf("a run without 401s: %q", got)
	}
}
