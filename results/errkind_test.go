package results

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestErrorKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code uint16
		msg  string
		want string
	}{
		// Messages as Go's HTTP client and vegeta write them.
		{0, `Post "http://127.0.0.1:9/api/v1/query/": dial tcp 127.0.0.1:9: connect: connection refused`, KindRefused},
		{0, `read tcp 127.0.0.1:5555->127.0.0.1:8000: read: connection reset by peer`, KindReset},
		{0, `Post "http://127.0.0.1:8000/q": write tcp 127.0.0.1:5555->127.0.0.1:8000: write: broken pipe`, KindReset},
		{0, `Post "http://127.0.0.1:8000/q": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, KindTimeout},
		{0, `context deadline exceeded (Client.Timeout or context cancellation while reading body)`, KindTimeout},
		{0, `Get "http://10.0.0.1/health": dial tcp 10.0.0.1:80: i/o timeout`, KindTimeout},
		{0, `net/http: timeout awaiting response headers`, KindTimeout},
		{0, `unexpected EOF`, KindClosed},
		{0, `Post "http://127.0.0.1:8000/q": EOF`, KindClosed},
		{0, `Get "http://127.0.0.1:8000/health": http: server closed idle connection`, KindClosed},
		{0, `Get "http://nohost/": dial tcp: lookup nohost: no such host`, KindOther},
		{0, `Get "http://h/connection refused timeout": EOF`, KindClosed}, // the URL does not count
		{0, ``, KindOther},
		{503, `503 Service Unavailable`, "HTTP 503"},
		{429, ``, "HTTP 429"},
		{401, `401 Unauthorized`, "HTTP 401"},
		{200, `read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer`, KindReset}, // a stream cut after its headers
	} {
		if got := ErrorKind(&vegeta.Result{Code: tc.code, Error: tc.msg}); got != tc.want {
			t.Errorf("ErrorKind(%d, %q) = %q, want %q", tc.code, tc.msg, got, tc.want)
		}
	}
}

func TestMessageShape(t *testing.T) {
	t.Parallel()
	a := messageShape(`read tcp 127.0.0.1:37340->127.0.0.1:34091: read: connection reset by peer`)
	b := messageShape(`Post "http://127.0.0.1:34091/q": read tcp 127.0.0.1:37376->127.0.0.1:34091: read: connection reset by peer`)
	if a != b || messageShape("error kind A") == messageShape("error kind B") {
		t.Errorf("shapes %q and %q", a, b)
	}
}

func TestShortMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 150)
	for in, want := range map[string]string{
		`Post "http://127.0.0.1:9/api/v1/query/": dial tcp 127.0.0.1:9: connect: connection refused`: "dial tcp 127.0.0.1:9: connect: connection refused",
		"503 Service Unavailable": "503 Service Unavailable",
		"":                        "(no message recorded)",
		long:                      strings.Repeat("é", 99) + "…",
	} {
		if got := ShortMessage(in); got != want {
			t.Errorf("ShortMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

// faultyRun is a run whose endpoints failed in several ways: the first
// message of each kind is kept, the counts add up, kinds sort by count.
func faultyRun(t *testing.T, auth AuthInfo) *Report {
	t.Helper()
	m := &Manifest{Schema: ManifestSchema, Tool: "ragload test", Name: "faulty", Mode: "attack", Target: "http://api.test", Status: StatusComplete, Auth: auth,
		Scenario: ScenarioInfo{Endpoints: testEndpoints()}, Started: t0, SendEnded: t0.Add(2 * time.Second)}
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
	rep := faultyRun(t, AuthInfo{Mode: "bearer", Users: 1, Logins: 3, Refreshes: 2, Unauthorized: 3})
	eps := rep.Endpoints
	if len(eps) != 2 {
		t.Fatalf("%d endpoints", len(eps))
	}
	want := []KindCount{
		{Kind: "HTTP 401", Count: 3, First: "401 Unauthorized", Messages: 1},
		{Kind: "HTTP 503", Count: 2, First: "503 Service Unavailable", Messages: 1},
		{Kind: KindClosed, Count: 1, First: "unexpected EOF", Messages: 1},
	}
	if got := eps[0].ErrorKinds(); !equalKinds(got, want) {
		t.Errorf("query kinds = %+v, want %+v", got, want)
	}
	got := eps[1].ErrorKinds()
	if len(got) != 1 || got[0].Kind != KindRefused || got[0].Count != 2 || !strings.HasSuffix(got[0].First, "8001: connect: connection refused b") || got[0].Messages != 2 {
		t.Errorf("health kinds = %+v, want 2 refused, the first message first", got)
	}
	if tot := rep.Total.ErrorKinds(); len(tot) != 4 || tot[0].Kind != "HTTP 401" {
		t.Errorf("total kinds = %+v", tot)
	}

	var text, md, js bytes.Buffer
	if err := WriteText(&text, rep); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, rep); err != nil {
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
			ErrorKinds []KindCount `json:"error_kinds"`
		}
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Endpoints) != 2 || !equalKinds(doc.Endpoints[0].ErrorKinds, want) ||
		!strings.HasPrefix(doc.Endpoints[1].ErrorKinds[0].First, `Get "http://api.test/health": dial tcp`) { // raw in JSON
		t.Errorf("json endpoints = %+v", doc.Endpoints)
	}
	validateReport(t, compileSchema(t), "the faulty run's JSON report", js.Bytes())
}

func equalKinds(a, b []KindCount) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestUnauthorizedNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		auth AuthInfo
		want string
	}{
		{AuthInfo{Mode: "bearer", Refreshes: 1}, "401 Unauthorized: 3 responses (tokens expired or revoked); ragload logged in again 1 time."},
		{AuthInfo{Mode: "anonymous"}, "401 Unauthorized: 3 responses (tokens expired or revoked); the run was anonymous: it had no token to renew."},
		{AuthInfo{Mode: "none"}, "401 Unauthorized: 3 responses (tokens expired or revoked)."},
	} {
		if got := faultyRun(t, tc.auth).UnauthorizedNote(); got != tc.want {
			t.Errorf("mode %s: %q, want %q", tc.auth.Mode, got, tc.want)
		}
	}
	if got := goldenReport(t).UnauthorizedNote(); got != "" {
		t.Errorf("a run without 401s: %q", got)
	}
}
