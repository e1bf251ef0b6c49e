package results

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results/threshold"
)

// t0 is the fixed start of every synthetic run (nanoseconds included, so
// a lossy time encoding shows).
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

// genResults returns n results whose every field differs from result to
// result, with a schedule lag on all but every 9th.
func genResults(t *testing.T, n int) []*vegeta.Result {
	t.Helper()
	codes := []uint16{200, 201, 0, 500, 429, 302, 401, 200}
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	out := make([]*vegeta.Result, n)
	for i := range out {
		r := &vegeta.Result{
			Attack:    fmt.Sprintf("attack-%d", i%3),
			Seq:       uint64(i),
			Code:      codes[i%len(codes)],
			Timestamp: t0.Add(time.Duration(i)*7*time.Millisecond + time.Duration(i)),
			Latency:   time.Duration(i%997+1)*13*time.Microsecond + time.Duration(i%11),
			BytesIn:   uint64(i * 3),
			BytesOut:  uint64(i*5 + 1),
			Method:    methods[i%len(methods)],
			URL:       fmt.Sprintf("http://api.test:8080/query/%d?i=%d&q=a,b", i%5, i),
		}
		switch r.Code {
		case 0:
			r.Error = fmt.Sprintf(`read tcp: "reset", by peer #%d`, i%7)
		case 500:
			r.Error = "500 Internal Server Error"
		}
		if i%10 == 0 {
			r.Body = []byte(fmt.Sprintf(`{"answer":"body %d"}`, i))
		}
		if i%9 != 0 {
			SetLag(r, time.Duration(i)*time.Microsecond)
		}
		out[i] = r
	}
	return out
}

// writeResults writes rs to a new gob file at path with Writer.
func writeResults(t *testing.T, path string, rs []*vegeta.Result) {
	t.Helper()
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.Count(); got != uint64(len(rs)) {
		t.Errorf("Count() = %d, want %d", got, len(rs))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// encodeFile writes rs to path with a vegeta encoder factory.
func encodeFile(t *testing.T, path string, newEnc func(f *os.File) vegeta.Encoder, rs []*vegeta.Result) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := newEnc(f)
	for _, r := range rs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// readAll reads path with ReadFile, returning the results and the error.
func readAll(t *testing.T, path string) ([]*vegeta.Result, error) {
	t.Helper()
	var got []*vegeta.Result
	err := ReadFile(path, func(r *vegeta.Result) error {
		got = append(got, r)
		return nil
	})
	return got, err
}

// sameResults fails the test unless got and want hold equal results.
func sameResults(t *testing.T, got, want []*vegeta.Result) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d", len(got), len(want))
	}
	bad := 0
	for i := range want {
		if !got[i].Equal(*want[i]) {
			bad++
			if bad <= 3 {
				t.Errorf("result %d:\n got  %+v\n want %+v", i, *got[i], *want[i])
			}
		}
	}
	if bad > 3 {
		t.Errorf("... %d results differ in all", bad)
	}
}

// writeRun writes a run directory: results.bin with rs and, when m is not
// nil, run.json.
func writeRun(t *testing.T, dir string, m *Manifest, rs []*vegeta.Result) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeResults(t, filepath.Join(dir, ResultsFile), rs)
	if m != nil {
		// The manifest counts the results written, as a run's does; Load
		// reports a file with fewer as damaged.
		m.Completed = uint64(len(rs))
		m.Sent = max(m.Sent, m.Completed)
		if err := WriteManifest(dir, m); err != nil {
			t.Fatal(err)
		}
	}
}

// testEndpoints are three endpoints, two of which share a route.
func testEndpoints() []EndpointInfo {
	return []EndpointInfo{
		{Key: "query", Name: "/query (basic)", Method: "POST", Path: "/query", Weight: 3, Auth: true},
		{Key: "query_filtered", Name: "/query (filtered)", Method: "POST", Path: "/query", Weight: 1, Auth: true},
		{Key: "health", Name: "health", Method: "GET", Path: "/health", Weight: 1},
	}
}

// res is a terse constructor for a result of endpoint url.
func res(method, url string, code uint16, latency time.Duration, at time.Duration) *vegeta.Result {
	return &vegeta.Result{Attack: "test", Code: code, Method: method, URL: url, Latency: latency, Timestamp: t0.Add(at)}
}

// buildReport aggregates rs into a report over m (which may be nil).
func buildReport(t *testing.T, m *Manifest, rs []*vegeta.Result) *Report {
	t.Helper()
	agg := NewAggregator(m)
	for _, r := range rs {
		agg.Add(r)
	}
	return NewReport(m, agg, []string{"test.bin"})
}

// mustRules parses threshold expressions (advisory ones as marks).
func mustRules(t *testing.T, thresholds, marks []string) []threshold.Threshold {
	t.Helper()
	ts, err := threshold.ParseAll(thresholds, false)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := threshold.ParseAll(marks, true)
	if err != nil {
		t.Fatal(err)
	}
	return append(ts, ms...)
}

// wantWords checks that got has one line per entry of words and that each
// line contains all of its words.
func wantWords(t *testing.T, what string, got []string, words [][]string) {
	t.Helper()
	if len(got) != len(words) {
		t.Fatalf("%s %q, want %d", what, got, len(words))
	}
	for i, ws := range words {
		for _, w := range ws {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s[%d] %q lacks %q", what, i, got[i], w)
			}
		}
	}
}
