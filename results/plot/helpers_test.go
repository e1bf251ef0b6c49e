package plot

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/threshold"
)

// t0 is the start of the synthetic runs.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// testEndpoints is a scenario with four endpoints, as the built-in one.
var testEndpoints = []results.EndpointInfo{
	{Key: "query", Name: "/query (basic)", Method: "POST", Path: "/api/v1/query/", Weight: 5},
	{Key: "enhanced", Name: "/query/enhanced", Method: "POST", Path: "/api/v1/query/enhanced", Weight: 2},
	{Key: "health", Name: "/health", Method: "GET", Path: "/health", Weight: 1},
	{Key: "documents", Name: "/documents (list)", Method: "GET", Path: "/api/v1/documents/", Weight: 1},
}

// runSpec describes a synthetic open-model run.
type runSpec struct {
	name     string
	start    time.Time
	duration time.Duration
	rate     float64 // requests per second, evenly spaced
	seed     uint64
	// slow multiplies latencies between its two offsets (a stall).
	slowFrom, slowTo time.Duration
	slow             float64
	failEvery        int // every n-th request fails with a 503 (0: none)
}

// writeRun writes spec as a run directory (results.bin and run.json) under
// parent and returns its path.
func writeRun(t *testing.T, parent string, spec runSpec) string {
	t.Helper()
	dir := filepath.Join(parent, spec.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := results.Create(filepath.Join(dir, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(spec.seed, 1))
	n := int(spec.rate * spec.duration.Seconds())
	median := []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 3 * time.Millisecond, 30 * time.Millisecond}
	for i := range n {
		e := []int{0, 0, 0, 0, 0, 1, 1, 2, 3}[i%9] // weights 5:2:1:1
		due := time.Duration(float64(i) / spec.rate * float64(time.Second))
		lat := time.Duration(float64(median[e]) * math.Exp(0.5*rng.NormFloat64()))
		if due >= spec.slowFrom && due < spec.slowTo && spec.slow > 0 {
			lat = time.Duration(float64(lat) * spec.slow)
		}
		lag := time.Duration(rng.IntN(300)) * time.Microsecond
		ep := testEndpoints[e]
		r := &vegeta.Result{
			Attack: spec.name, Seq: uint64(i), Code: 200, Method: ep.Method,
			URL:       "http://127.0.0.1:8000" + ep.Path,
			Timestamp: spec.start.Add(due + lag), Latency: lat, BytesIn: 512,
		}
		if spec.failEvery > 0 && i%spec.failEvery == spec.failEvery-1 {
			r.Code, r.Error = 503, "503 Service Unavailable"
		}
		results.SetLag(r, lag)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m := &results.Manifest{
		Tool: "ragload test", Name: spec.name, Mode: "attack", Target: "http://127.0.0.1:8000",
		Scenario: results.ScenarioInfo{Name: "test", Endpoints: testEndpoints},
		Status:   results.StatusComplete, Started: spec.start, SendEnded: spec.start.Add(spec.duration),
		Ended: spec.start.Add(spec.duration + time.Second), Planned: uint64(n), Sent: uint64(n), Completed: uint64(n),
		Thresholds: threshold.Defaults, Marks: threshold.DefaultMarks, Results: []string{results.ResultsFile},
	}
	if err := results.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir
}

// twoRuns writes a baseline and a candidate with a stall and failures.
func twoRuns(t *testing.T) []string {
	t.Helper()
	parent := t.TempDir()
	return []string{
		writeRun(t, parent, runSpec{name: "baseline", start: t0, duration: 60 * time.Second, rate: 20, seed: 1, failEvery: 200}),
		writeRun(t, parent, runSpec{name: "candidate", start: t0.Add(time.Hour), duration: 45 * time.Second, rate: 30, seed: 2,
			slowFrom: 20 * time.Second, slowTo: 28 * time.Second, slow: 6, failEvery: 40}),
	}
}

// build plots the inputs at paths and returns the page.
func build(t *testing.T, paths []string, opts ...Option) (*Plot, []byte) {
	t.Helper()
	inputs, err := results.Resolve(paths)
	if err != nil {
		t.Fatal(err)
	}
	p := New(opts...)
	for _, in := range inputs {
		if err := p.AddInput(in); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	n, err := p.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
	}
	return p, buf.Bytes()
}

// pageJSON extracts and decodes the page's data tag.
func pageJSON(t *testing.T, page []byte) pageDataIn {
	t.Helper()
	const open = `<script type="application/json" id="data">`
	s := string(page)
	i := strings.Index(s, open)
	if i < 0 {
		t.Fatal("no data tag in the page")
	}
	s = s[i+len(open):]
	j := strings.Index(s, "</script>")
	if j < 0 {
		t.Fatal("data tag not closed")
	}
	var d pageDataIn
	if err := json.Unmarshal([]byte(s[:j]), &d); err != nil {
		t.Fatalf("data tag: %v\n%.500s", err, s[:j])
	}
	return d
}

// pageDataIn is pageData as read back (nulls as nil).
type pageDataIn struct {
	Title     string   `json:"title"`
	BucketS   float64  `json:"bucket_s"`
	Buckets   int      `json:"buckets"`
	TargetMS  float64  `json:"target_ms"`
	Endpoints []string `json:"endpoints"`
	Runs      []struct {
		Label    string     `json:"label"`
		Start    string     `json:"start"`
		Requests uint64     `json:"requests"`
		Failures uint64     `json:"failures"`
		Warnings []string   `json:"warnings"`
		OKRate   []*float64 `json:"ok_rps"`
		FailRate []*float64 `json:"failed_rps"`
		Failed   []*float64 `json:"failed"`
		Series   []struct {
			Name     string     `json:"name"`
			Requests uint64     `json:"requests"`
			P50      []*float64 `json:"p50"`
			P95      []*float64 `json:"p95"`
			P99      []*float64 `json:"p99"`
			T        []float64  `json:"t"`
			MS       []float64  `json:"ms"`
		} `json:"series"`
	} `json:"runs"`
}
