package render

import (
	"bytes"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/compare"
	"github.com/ragload/ragload/results/internal/fixture"
	"github.com/ragload/ragload/results/threshold"
)

// t0 is the fixed start of every synthetic run.
var t0 = fixture.T0

// testEndpoints are three endpoints, two of which share a route.
func testEndpoints() []results.EndpointInfo { return fixture.Endpoints() }

// res is a terse constructor for a result of endpoint url.
func res(method, url string, code uint16, latency time.Duration, at time.Duration) *vegeta.Result {
	return &vegeta.Result{Attack: "test", Code: code, Method: method, URL: url, Latency: latency, Timestamp: t0.Add(at)}
}

// evenly is n results of GET /x, gap apart from t0+offset.
func evenly(t *testing.T, n int, gap, offset time.Duration) []*vegeta.Result {
	t.Helper()
	out := make([]*vegeta.Result, n)
	for i := range out {
		out[i] = res("GET", "http://h/x", 200, time.Millisecond, offset+time.Duration(i)*gap)
	}
	return out
}

// runManifest is the manifest of a complete 10 s run of testEndpoints.
func runManifest(name string) *results.Manifest {
	return &results.Manifest{
		Name: name, Mode: "attack", Target: "http://api.test", Status: results.StatusComplete,
		Started: t0, SendEnded: t0.Add(10 * time.Second), Ended: t0.Add(11 * time.Second),
		Planned: 20, Sent: 20, Completed: 20,
		Scenario: results.ScenarioInfo{Endpoints: testEndpoints()},
		Results:  []string{results.ResultsFile},
	}
}

// queryResults returns n results of /query (basic).
func queryResults(t *testing.T, n int) []*vegeta.Result {
	t.Helper()
	out := make([]*vegeta.Result, n)
	for i := range out {
		out[i] = res("POST", "http://api.test/query#query", 200, time.Duration(i+1)*time.Millisecond, time.Duration(i)*500*time.Millisecond)
	}
	return out
}

// buildReport aggregates rs into a report over m (which may be nil).
func buildReport(t *testing.T, m *results.Manifest, rs []*vegeta.Result) *results.Report {
	t.Helper()
	agg := results.NewAggregator(m)
	for _, r := range rs {
		agg.Add(r)
	}
	return results.NewReport(m, agg, []string{"test.bin"})
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

// writeRun writes a run directory: results.bin with rs and, when m is not
// nil, run.json counting them.
func writeRun(t *testing.T, dir string, m *results.Manifest, rs []*vegeta.Result) {
	t.Helper()
	fixture.WriteRun(t, dir, m, rs)
}

// writeResults writes rs to a new results file at path.
func writeResults(t *testing.T, path string, rs []*vegeta.Result) {
	t.Helper()
	w, err := results.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// syntheticSide is a run of n results to one endpoint whose latencies are
// lognormal (median 300 ms, sigma 0.5) times scale, sent evenly over 60 s,
// written to a run directory and loaded as a side labelled label.
func syntheticSide(t *testing.T, label string, n int, scale float64, seed uint64, o compare.Options) *compare.Side {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	m := &results.Manifest{Name: label, Mode: "attack", Plan: results.Plan{Description: "constant 50/s for 1m0s"},
		Scenario: results.ScenarioInfo{Endpoints: []results.EndpointInfo{{Key: "q", Name: "/query", Method: "POST", Path: "/q"}}},
		Started:  t0, SendEnded: t0.Add(time.Minute), Results: []string{results.ResultsFile}}
	rs := make([]*vegeta.Result, n)
	for i := range rs {
		lat := 300 * math.Exp(0.5*rng.NormFloat64()) * scale
		rs[i] = &vegeta.Result{Code: 200, Method: "POST", URL: "http://h/q", Timestamp: t0.Add(time.Duration(i) * time.Minute / time.Duration(n)),
			Latency: time.Duration(lat * float64(time.Millisecond))}
	}
	return loadSide(t, label, m, rs, o)
}

// loadSide writes a run of m and rs and loads it as the comparison side
// label, as compare reads stored runs.
func loadSide(t *testing.T, label string, m *results.Manifest, rs []*vegeta.Result, o compare.Options) *compare.Side {
	t.Helper()
	dir := filepath.Join(t.TempDir(), strings.ReplaceAll(label, "/", "_"))
	writeRun(t, dir, m, rs)
	ins, err := results.Resolve([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	side, err := compare.Load(label, ins, o)
	if err != nil {
		t.Fatal(err)
	}
	return side
}

// comparisonGolden pins every format of c byte for byte against the
// test's golden files (go test ./results/render -update rewrites them).
func comparisonGolden(t *testing.T, c *compare.Comparison) {
	t.Helper()
	for _, f := range CompareFormats {
		t.Run(f, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Comparison(&buf, f, c); err != nil {
				t.Fatal(err)
			}
			goldenNamed(t, buf.Bytes())
		})
	}
}

// TestReportRedactsTarget: a report from a manifest not read from a file
// shows its target without the password.
func TestReportRedactsTarget(t *testing.T) {
	m := runManifest("redact")
	m.Target = "http://admin:url-S3cret@api.test:8000"
	for _, format := range []string{FormatText, FormatMarkdown, FormatJUnit} {
		var b strings.Builder
		if err := Write(&b, format, results.NewReport(m, results.NewAggregator(m), nil)); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "url-S3cret") || !strings.Contains(b.String(), "admin:xxxxx@api.test:8000") {
			t.Errorf("%s report:\n%s", format, b.String())
		}
	}
}
