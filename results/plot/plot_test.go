package plot

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
)

// feed returns a read function that delivers rs.
func feed(rs []*vegeta.Result) func(func(*vegeta.Result) error) error {
	return func(fn func(*vegeta.Result) error) error {
		for _, r := range rs {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func page(t *testing.T, p *Plot) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := p.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBucketsFromKnownResults: three buckets of one second with known
// latencies, lags and failures give known percentiles and rates.
func TestBucketsFromKnownResults(t *testing.T) {
	m := &results.Manifest{Name: "known", Started: t0, SendEnded: t0.Add(3 * time.Second),
		Scenario: results.ScenarioInfo{Endpoints: testEndpoints}}
	var rs []*vegeta.Result
	add := func(due time.Duration, lag, lat time.Duration, path string, code uint16) {
		method := "GET"
		if strings.Contains(path, "query") {
			method = "POST"
		}
		r := &vegeta.Result{Method: method, URL: "http://h" + path, Code: code, Timestamp: t0.Add(due + lag), Latency: lat}
		results.SetLag(r, lag)
		rs = append(rs, r)
	}
	// Bucket 0: ten /health results of 1..10 ms, each 1 ms late: 2..11 ms.
	for i := range 10 {
		add(time.Duration(i)*100*time.Millisecond, time.Millisecond, time.Duration(i+1)*time.Millisecond, "/health", 200)
	}
	// Bucket 1: nothing. Bucket 2: one slow query (2 s + 500 ms of lag) and two failures.
	add(2100*time.Millisecond, 500*time.Millisecond, 2*time.Second, "/api/v1/query/", 200)
	add(2200*time.Millisecond, 0, 10*time.Millisecond, "/api/v1/query/", 503)
	add(2300*time.Millisecond, 0, 10*time.Millisecond, "/health", 0)

	p := New(WithMaxPoints(100))
	if err := p.AddRun("known", m, feed(rs)); err != nil {
		t.Fatal(err)
	}
	d := pageJSON(t, page(t, p))
	if d.BucketS != 1 || d.Buckets != 3 || d.TargetMS != 2000 {
		t.Fatalf("bucket_s %g, buckets %d, target %g; want 1, 3, 2000", d.BucketS, d.Buckets, d.TargetMS)
	}
	if want := []string{"/query (basic)", "/health"}; strings.Join(d.Endpoints, "|") != strings.Join(want, "|") {
		t.Errorf("endpoints %q, want %q (scenario order)", d.Endpoints, want)
	}
	r := d.Runs[0]
	if r.Requests != 13 || r.Failures != 2 || r.Start != "2025-06-01T12:00:00Z" {
		t.Errorf("requests %d failures %d start %s", r.Requests, r.Failures, r.Start)
	}
	wantRates := [][3]float64{{10, 0, 0}, {0, 0, 0}, {1, 2, 2}} // ok/s, failed/s, failed
	for i, w := range wantRates {
		if got := [3]float64{val(r.OKRate[i]), val(r.FailRate[i]), val(r.Failed[i])}; got != w {
			t.Errorf("bucket %d: ok/s, failed/s, failed = %v, want %v", i, got, w)
		}
	}
	health, query := r.Series[1], r.Series[0]
	near := func(what string, got *float64, want float64) {
		t.Helper()
		if g := val(got); math.IsNaN(want) != math.IsNaN(g) || math.Abs(g-want) > 0.006*want {
			t.Errorf("%s = %v, want %g ± 0.6%%", what, g, want)
		}
	}
	near("health p50[0]", health.P50[0], 6)  // 5th of 2..11 ms
	near("health p95[0]", health.P95[0], 11) // 10th
	near("health p99[0]", health.P99[0], 11)
	near("health p50[1]", health.P50[1], math.NaN())
	near("health p50[2]", health.P50[2], 10)
	near("query p99[2]", query.P99[2], 2500) // lag included
	near("query p50[2]", query.P50[2], 10)
	if len(health.T) != 11 || health.T[0] != 0 || health.MS[0] != 2 || query.MS[0] != 2500 || query.T[0] != 2.1 {
		t.Errorf("points: health %v %v, query %v %v", health.T, health.MS, query.T, query.MS)
	}
}

// TestRunsOverlayFromZero: two runs an hour apart share the time axis,
// each starting at 0.
func TestRunsOverlayFromZero(t *testing.T) {
	_, pg := build(t, twoRuns(t))
	d := pageJSON(t, pg)
	if len(d.Runs) != 2 || d.Runs[0].Label != "baseline" || d.Runs[1].Label != "candidate" {
		t.Fatalf("runs %+v", d.Runs)
	}
	if d.BucketS != 1 || d.Buckets != 60 {
		t.Errorf("bucket %gs × %d, want 1s × 60 (the longer run)", d.BucketS, d.Buckets)
	}
	for _, r := range d.Runs {
		if val(r.OKRate[0]) == 0 || math.IsNaN(val(r.OKRate[0])) {
			t.Errorf("%s: no results in the first bucket", r.Label)
		}
		for _, s := range r.Series {
			if len(s.T) == 0 || s.T[0] < 0 || s.T[0] >= 1 {
				t.Errorf("%s %s: first point at %v s, want in [0, 1)", r.Label, s.Name, s.T)
			}
		}
	}
	if c := d.Runs[1]; !math.IsNaN(val(c.OKRate[45])) || math.IsNaN(val(c.OKRate[44])) {
		t.Errorf("the 45 s candidate should end after bucket 44: %v %v", val(c.OKRate[44]), val(c.OKRate[45]))
	}
	if d.Runs[0].Start == d.Runs[1].Start {
		t.Error("both runs report the same start")
	}
	// The candidate's stall (20–28 s, 6× slower) shows in its p50 bands.
	q := d.Runs[1].Series[0]
	if val(q.P50[24]) < 3*val(q.P50[10]) {
		t.Errorf("stall not visible: p50 %v at 24 s vs %v at 10 s", val(q.P50[24]), val(q.P50[10]))
	}
}

// TestScriptInNameStaysData: an endpoint name (from a foreign file's URL)
// and a title holding </script> cannot end the data tag or inject markup.
func TestScriptInNameStaysData(t *testing.T) {
	evil := `/</script><script>document.body.dataset.rendered="pwned"</script><!--`
	r := &vegeta.Result{Method: "GET", URL: "http://h" + evil, Code: 200, Timestamp: t0, Latency: time.Millisecond}
	p := New(WithTitle(`</title><script>alert(1)</script>`))
	if err := p.AddRun(`run</script>`, nil, feed([]*vegeta.Result{r})); err != nil {
		t.Fatal(err)
	}
	pg := page(t, p)
	d := pageJSON(t, pg)
	if got := d.Runs[0].Series[0].Name; got != "GET "+evil {
		t.Errorf("name read back as %q", got)
	}
	if d.Runs[0].Label != `run</script>` || d.Title != `</title><script>alert(1)</script>` {
		t.Errorf("label %q title %q", d.Runs[0].Label, d.Title)
	}
	// The page's four scripts (the error guard, the data, uPlot, plot.js)
	// and no other; the title is escaped text.
	if n := bytes.Count(pg, []byte("</script>")); n != 4 {
		t.Errorf("%d </script> in the page, want 4", n)
	}
	if bytes.Contains(pg, []byte("alert(1)</script>")) || bytes.Contains(pg, []byte(`"pwned"`)) {
		t.Error("markup from the data reached the page unescaped")
	}
}

// TestMemoryBounded: 200,000 results keep at most the max points per
// series and at most DefaultBuckets buckets, whatever the run's length.
func TestMemoryBounded(t *testing.T) {
	const n = 200000
	read := func(fn func(*vegeta.Result) error) error {
		r := vegeta.Result{Method: "GET", Code: 200}
		for i := range n {
			r.URL = "http://h/" + []string{"a", "b"}[i%2]
			r.Timestamp = t0.Add(time.Duration(i) * 18 * time.Millisecond) // one hour
			r.Latency = time.Duration(100+i%997) * time.Millisecond
			if err := fn(&r); err != nil {
				return err
			}
		}
		return nil
	}
	for _, maxPoints := range []int{DefaultMaxPoints, 500, 0} {
		p := New(WithMaxPoints(maxPoints))
		if err := p.AddRun("long", nil, read); err != nil {
			t.Fatal(err)
		}
		r := p.runs[0]
		if len(r.totals.cells) > DefaultBuckets {
			t.Errorf("%d buckets, want ≤ %d", len(r.totals.cells), DefaultBuckets)
		}
		for _, s := range r.series {
			if s.sample != nil && len(s.sample.cols.cells) > max(maxPoints/3, 2) {
				t.Errorf("%d columns for max %d points", len(s.sample.cols.cells), maxPoints)
			}
		}
		d := pageJSON(t, page(t, p))
		if d.BucketS != 32 || d.Buckets > DefaultBuckets {
			t.Errorf("bucket %gs × %d; want 32 s (1 h / 150 → 24 s → 32 s), ≤ %d", d.BucketS, d.Buckets, DefaultBuckets)
		}
		for _, s := range d.Runs[0].Series {
			if len(s.T) > maxPoints || len(s.T) != len(s.MS) || (maxPoints > 0 && len(s.T) < maxPoints/2) {
				t.Errorf("max %d: series %s has %d points", maxPoints, s.Name, len(s.T))
			}
			if s.Requests != n/2 {
				t.Errorf("series %s counts %d requests", s.Name, s.Requests)
			}
		}
	}
	// A fixed width too fine for the run doubles past MaxBuckets.
	p := New(WithEvery(100 * time.Millisecond))
	if err := p.AddRun("long", nil, read); err != nil {
		t.Fatal(err)
	}
	if w := p.Every(); w != 3200*time.Millisecond || len(p.runs[0].totals.cells) > MaxBuckets {
		t.Errorf("every %s with %d buckets, want 3.2s and ≤ %d", w, len(p.runs[0].totals.cells), MaxBuckets)
	}
}

// TestBareAndDamagedInputs: a bare vegeta file is labeled by its name and
// its endpoints by method and path; a damaged one gives what it can, and
// the damage is returned and shown on the page.
func TestBareAndDamagedInputs(t *testing.T) {
	dirs := twoRuns(t)
	bare := filepath.Join(t.TempDir(), "foreign.bin")
	b, err := os.ReadFile(filepath.Join(dirs[0], results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bare, b[:len(b)*2/3], 0o644); err != nil { // cut short
		t.Fatal(err)
	}
	in, err := results.Resolve([]string{bare, dirs[1]})
	if err != nil {
		t.Fatal(err)
	}
	p := New()
	err = p.AddInput(in[0])
	var de *results.DamagedError
	if !errors.As(err, &de) || de.Read == 0 {
		t.Fatalf("AddInput of a cut file: %v, want a *DamagedError after some results", err)
	}
	if err := p.AddInput(in[1]); err != nil {
		t.Fatal(err)
	}
	d := pageJSON(t, page(t, p))
	r := d.Runs[0]
	if r.Label != "foreign.bin" || r.Requests != de.Read || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "cut short") {
		t.Errorf("label %q, %d requests (read %d), warnings %q", r.Label, r.Requests, de.Read, r.Warnings)
	}
	if r.Series[0].Name != "POST /api/v1/query/" || r.Start == "" {
		t.Errorf("bare endpoint %q start %q", r.Series[0].Name, r.Start)
	}
	if len(d.Endpoints) != 8 { // four "METHOD /path" and four scenario names
		t.Errorf("endpoints %q", d.Endpoints)
	}
}

func TestLabelsAndTargetPrefix(t *testing.T) {
	m := &results.Manifest{Name: "r", Target: "https://rag.example.com/api/", Started: t0,
		Scenario: results.ScenarioInfo{Endpoints: testEndpoints}}
	r := &vegeta.Result{Method: "GET", URL: "https://rag.example.com/api/health", Code: 200, Timestamp: t0, Latency: time.Millisecond}
	p := New(WithTarget(0), WithMaxPoints(0))
	for range 2 {
		if err := p.AddRun("same", m, feed([]*vegeta.Result{r})); err != nil {
			t.Fatal(err)
		}
	}
	d := pageJSON(t, page(t, p))
	if d.Runs[0].Label != "same" || d.Runs[1].Label != "same (2)" {
		t.Errorf("labels %q %q", d.Runs[0].Label, d.Runs[1].Label)
	}
	if s := d.Runs[0].Series[0]; s.Name != "/health" || s.T != nil {
		t.Errorf("series %q with points %v; want /health without points", s.Name, s.T)
	}
	if d.TargetMS != 0 || d.Title != "ragload plot: same, same (2)" {
		t.Errorf("target %g title %q", d.TargetMS, d.Title)
	}
}

func TestNumsJSON(t *testing.T) {
	b, err := nums{1, math.NaN(), 0.125, 1e6, math.Inf(1)}.MarshalJSON()
	if err != nil || string(b) != "[1,null,0.125,1000000,null]" {
		t.Errorf("got %s, %v", b, err)
	}
}

// TestPageSelfContained: no external script, style or font (the one URL is
// uPlot's license header).
func TestPageSelfContained(t *testing.T) {
	_, pg := build(t, twoRuns(t))
	rest := bytes.Replace(pg, []byte("/*! https://github.com/leeoniya/uPlot (v1.6.32) */"), nil, 1)
	if len(rest) == len(pg) {
		t.Error("uPlot's license header is missing")
	}
	for _, bad := range []string{"<script src", "<link", "@import", "url(", "http://", "https://"} {
		if i := bytes.Index(rest, []byte(bad)); i >= 0 {
			t.Errorf("page refers outside itself: %q at %d: %.120s", bad, i, rest[max(i-60, 0):])
		}
	}
	if len(pg) > 400<<10 {
		t.Errorf("page is %d KB", len(pg)>>10)
	}
}
