package replay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/targets"
)

var logStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("", -7*3600))

// burstLog is a combined-format log: 10 requests/s for 5 s, 100 in the
// 6th second, then 10/s for 3 s. Requests cycle through a query, a health
// check and an unknown route.
func burstLog() (string, []int) {
	perSecond := []int{10, 10, 10, 10, 10, 100, 10, 10, 10}
	var b strings.Builder
	n := 0
	for s, k := range perSecond {
		ts := logStart.Add(time.Duration(s) * time.Second).Format(clfTime)
		for range k {
			req := []string{"POST /api/v1/query/ HTTP/1.1", "GET /health HTTP/1.1", `GET /docs/7?x=1 HTTP/1.0`}[n%3]
			fmt.Fprintf(&b, "10.0.0.%d - alice [%s] %q 200 512 \"-\" \"curl/8\"\n", n%250, ts, req)
			n++
		}
	}
	return b.String(), perSecond
}

func TestFromAccessLogCombined(t *testing.T) {
	text, perSecond := burstLog()
	path := writeFile(t, "access.log", text)
	open, info, err := FromAccessLog(path, targets.Default(), 42, false)
	if err != nil {
		t.Fatal(err)
	}
	es := readAll(t, open)
	equal(t, "count", [2]int64{int64(len(es)), info.Count}, [2]int64{180, 180})
	equal(t, "format", info.Format, "combined")
	equal(t, "duration", info.Duration, 8*time.Second+900*time.Millisecond)
	equal(t, "sorted", info.Sorted, true)

	// Per-second counts are kept; within a second requests are spread evenly.
	got := make([]int, len(perSecond))
	for i, e := range es {
		got[int(e.Offset/time.Second)]++
		if i > 0 && e.Offset < es[i-1].Offset {
			t.Fatalf("entry %d out of order", i)
		}
	}
	equal(t, "per second", got, perSecond)
	equal(t, "burst spacing", es[51].Offset-es[50].Offset, 10*time.Millisecond)
	equal(t, "quiet spacing", es[1].Offset-es[0].Offset, 100*time.Millisecond)

	q := es[0]
	equal(t, "query entry", [4]any{q.Endpoint, q.Method, q.URL, q.Auth}, [4]any{"/query (basic)", "POST", "/api/v1/query/", true})
	equal(t, "query header", q.Header, http.Header{"Content-Type": {"application/json"}})
	var body struct {
		Query      string `json:"query"`
		MaxResults int    `json:"max_results"`
	}
	if err := json.Unmarshal(q.Body, &body); err != nil {
		t.Fatalf("body %s: %v", q.Body, err)
	}
	if !slices.Contains(targets.DefaultQueries, body.Query) || body.MaxResults != 5 {
		t.Errorf("body %s: not a question of the pool with max_results 5", q.Body)
	}
	equal(t, "health", [4]any{es[1].Endpoint, es[1].Auth, es[1].Body, es[1].Header}, [4]any{"/health", false, []byte(nil), http.Header(nil)})
	equal(t, "unknown", [4]any{es[2].Endpoint, es[2].URL, es[2].Auth, es[2].Body}, [4]any{"GET /docs/7", "/docs/7?x=1", false, []byte(nil)})

	var names []string
	for _, e := range info.Endpoints {
		names = append(names, fmt.Sprintf("%s %s %s %s %d %v", e.Key, e.Name, e.Method, e.Path, e.Weight, e.Auth))
	}
	equal(t, "endpoints", names, []string{
		"query_basic /query (basic) POST /api/v1/query/ 60 true",
		"health /health GET /health 60 false",
		"get_docs_7 GET /docs/7 GET /docs/7 60 false",
	})

	// The same seed draws the same questions on every open; another seed differs.
	equal(t, "same seed", readAll(t, open), es)
	open2, _, err := FromAccessLog(path, targets.Default(), 43, false)
	if err != nil {
		t.Fatal(err)
	}
	if slices.EqualFunc(readAll(t, open2), es, func(a, b Entry) bool { return string(a.Body) == string(b.Body) }) {
		t.Error("seeds 42 and 43 drew the same questions")
	}
}

func TestFromAccessLogJSONLines(t *testing.T) {
	lines := []string{
		`{"time":"2026-03-01T12:00:00.250Z","method":"POST","path":"/api/v1/query/enhanced","status":200}`,
		`{"timestamp":"2026-03-01T12:00:00.500Z","method":"GET","uri":"/health?probe=1"}`,
		`{"ts":1772366401.125,"method":"GET","url":"http://api.internal/api/v1/documents/"}`,
		`{"@timestamp":"2026-03-01T12:00:02Z","request":"GET /health HTTP/1.1"}`,
	}
	path := writeFile(t, "access.jsonl", strings.Join(lines, "\n")+"\n")
	open, info, err := FromAccessLog(path, targets.Default(), 1, false)
	if err != nil {
		t.Fatal(err)
	}
	es := readAll(t, open)
	equal(t, "format", info.Format, "jsonl")
	equal(t, "offsets", offsets(es), []time.Duration{0, 250 * time.Millisecond, 875 * time.Millisecond, 1750 * time.Millisecond})
	equal(t, "duration", info.Duration, 1750*time.Millisecond)
	var got []string
	for _, e := range es {
		got = append(got, fmt.Sprintf("%s|%s %s|%v|%v", e.Endpoint, e.Method, e.URL, e.Auth, len(e.Body) > 0))
	}
	equal(t, "entries", got, []string{
		"/query/enhanced|POST /api/v1/query/enhanced|true|true",
		"/health|GET /health?probe=1|false|false",
		"/documents (list)|GET /api/v1/documents/|true|false",
		"/health|GET /health|false|false",
	})
}

func TestFromAccessLogUnsorted(t *testing.T) {
	lines := []string{
		`{"ts":100.5,"method":"GET","path":"/c"}`,
		`{"ts":100,"method":"GET","path":"/a"}`,
		`{"ts":100.25,"method":"GET","path":"/b"}`,
	}
	open, info, err := FromAccessLog(writeFile(t, "a.jsonl", strings.Join(lines, "\n")), nil, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	es := readAll(t, open)
	equal(t, "sorted", info.Sorted, false)
	equal(t, "offsets", offsets(es), []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond})
	equal(t, "first", es[0].URL, "/a")
}

func TestFromAccessLogErrors(t *testing.T) {
	good := `1.2.3.4 - - [01/Mar/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`
	goodJSON := `{"ts":1,"method":"GET","path":"/"}`
	tests := []struct{ name, first, bad, want string }{
		{"not combined", good, `garbage`, `:2: not in the combined log format`},
		{"bad time", good, `1.2.3.4 - - [yesterday] "GET / HTTP/1.1" 200 1`, `:2: time: "yesterday" is not like`},
		{"bad request", good, `1.2.3.4 - - [01/Mar/2026:12:00:01 +0000] "-" 400 0`, `:2: request: "-" is not a request line`},
		{"relative path", good, `1.2.3.4 - - [01/Mar/2026:12:00:01 +0000] "GET x HTTP/1.1" 400 0`, `:2: request: "x" must start with /`},
		{"json no time", goodJSON, `{"method":"GET","path":"/"}`, `:2: time: missing (looked for time, timestamp, ts, @timestamp)`},
		{"json bad time", goodJSON, `{"time":"noon","method":"GET","path":"/"}`, `:2: time: "noon" is neither RFC 3339 nor epoch seconds`},
		{"json no method", goodJSON, `{"ts":2,"path":"/"}`, `:2: method: missing`},
		{"json no path", goodJSON, `{"ts":2,"method":"GET"}`, `:2: path: missing`},
		{"json invalid", goodJSON, `{"ts":2,`, `:2: invalid JSON`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "access.log", tt.first+"\n"+tt.bad+"\n"+tt.first+"\n")
			_, _, err := FromAccessLog(path, targets.Default(), 1, false)
			equal(t, "line", asFileError(t, err).Line, 2)
			if !strings.Contains(err.Error(), path+tt.want) {
				t.Errorf("got %q, want %q", err, path+tt.want)
			}
			open, info, err := FromAccessLog(path, targets.Default(), 1, true)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "skipped", [2]int64{info.Skipped, info.Count}, [2]int64{1, 2})
			equal(t, "read", len(readAll(t, open)), 2)
		})
	}
}

func TestEpochNanos(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"1772366400", 1772366400 * 1e9},
		{"1772366400.5", 1772366400*1e9 + 5e8},
		{"1772366400123", 1772366400123 * 1e6}, // milliseconds
		{"1772366400123456", 1772366400123456 * 1e3},
		{"1772366400123456789", 1772366400123456789},
		{"1.5e9", 15e8 * 1e9},
	}
	for _, tt := range tests {
		got, err := epochNanos(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("epochNanos(%s) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if _, err := epochNanos("12x"); err == nil {
		t.Error("12x: no error")
	}
}
