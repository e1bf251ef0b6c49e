package results

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// fixtureVersion names the cached fixture files; bump it when what
// writeFixture writes changes, so that stale caches are not reused.
const fixtureVersion = 2

// fixtureEndpoints is the default scenario's mix (DESIGN.md) with the
// median service time of each endpoint.
var fixtureEndpoints = []struct {
	EndpointInfo
	median time.Duration
}{
	{EndpointInfo{Key: "query", Name: "/query (basic)", Method: "POST", Path: "/api/v1/query/", Weight: 5, Auth: true}, 300 * time.Millisecond},
	{EndpointInfo{Key: "query_enhanced", Name: "/query/enhanced", Method: "POST", Path: "/api/v1/query/enhanced", Weight: 2, Auth: true}, 800 * time.Millisecond},
	{EndpointInfo{Key: "health", Name: "/health", Method: "GET", Path: "/health", Weight: 1}, 2 * time.Millisecond},
	{EndpointInfo{Key: "documents", Name: "/documents (list)", Method: "GET", Path: "/api/v1/documents/", Weight: 1, Auth: true}, 30 * time.Millisecond},
}

// fixtureManifest is the manifest of a fixture run of n results at
// 1000 requests per second.
func fixtureManifest(n int) *Manifest {
	m := &Manifest{
		Schema: ManifestSchema, Tool: "ragload test", Name: "bench", Mode: "attack", Target: "http://127.0.0.1:8000",
		Plan:   Plan{Description: "constant 1000/s", Kind: "constant", StartRate: 1000, Duration: Duration(time.Duration(n) * time.Millisecond)},
		Status: StatusComplete, Started: t0, SendEnded: t0.Add(time.Duration(n) * time.Millisecond),
		Ended: t0.Add(time.Duration(n)*time.Millisecond + time.Second), Planned: uint64(n), Sent: uint64(n), Completed: uint64(n),
		Auth:       AuthInfo{Mode: "bearer", Users: 1, Logins: 1},
		Thresholds: []string{"p95<2s", "failures<1%"}, Results: []string{ResultsFile},
	}
	m.Scenario.Name = "default"
	for _, e := range fixtureEndpoints {
		m.Scenario.Endpoints = append(m.Scenario.Endpoints, e.EndpointInfo)
	}
	return m
}

// fixtureResults calls fn with n realistic results of the default
// scenario at 1000 requests per second, as ragload stores them (no
// response headers or bodies, the schedule lag in LagHeader): lognormal
// service times, mostly 200s with some 500s, 429s and transport errors.
// The same n gives the same results.
func fixtureResults(n int, fn func(*vegeta.Result) error) error {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	urls := make([]string, len(fixtureEndpoints))
	weights := 0
	for i, e := range fixtureEndpoints {
		urls[i] = "http://127.0.0.1:8000" + e.Path
		weights += e.Weight
	}
	lognormal := func(median time.Duration, sigma float64) time.Duration {
		return time.Duration(float64(median) * math.Exp(sigma*rng.NormFloat64()))
	}
	for i := range n {
		w, ep := rng.IntN(weights), 0
		for w >= fixtureEndpoints[ep].Weight {
			w -= fixtureEndpoints[ep].Weight
			ep++
		}
		e := fixtureEndpoints[ep]
		r := &vegeta.Result{
			Attack: "bench", Seq: uint64(i), Code: 200, Method: e.Method, URL: urls[ep],
			Timestamp: t0.Add(time.Duration(i)*time.Millisecond + lognormal(150*time.Microsecond, 1)),
			Latency:   lognormal(e.median, 0.5),
			BytesIn:   uint64(1500 + rng.IntN(2500)),
		}
		if e.Method == "POST" {
			r.BytesOut = uint64(60 + rng.IntN(80))
		}
		switch p := rng.Float64(); {
		case p < 0.015:
			r.Code, r.Error, r.BytesIn = 500, "500 Internal Server Error", 21
		case p < 0.025:
			r.Code, r.Error, r.BytesIn = 429, "429 Too Many Requests", 19
		case p < 0.028:
			r.Code, r.BytesIn, r.Latency = 0, 0, 30*time.Second
			r.Error = fmt.Sprintf("%s %q: context deadline exceeded (Client.Timeout exceeded while awaiting headers)", titleMethod(e.Method), r.URL)
		case p < 0.030:
			r.Code, r.BytesIn = 0, 0
			r.Error = fmt.Sprintf("%s %q: read tcp 127.0.0.1:%d->127.0.0.1:8000: read: connection reset by peer", titleMethod(e.Method), r.URL, 40000+rng.IntN(20000))
		}
		SetLag(r, lognormal(200*time.Microsecond, 1))
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// titleMethod is the method as Go's HTTP client writes it in errors.
func titleMethod(m string) string {
	if m == "POST" {
		return "Post"
	}
	return "Get"
}

// fixtureRun returns a run directory of n fixture results as a run leaves
// it: results.bin written with ragload's Writer (vegeta's gob encoder),
// summary.json from an Aggregator fed as the results are written, and
// run.json. It is made once and cached in os.TempDir() across test
// processes.
func fixtureRun(tb testing.TB, n int) string {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("ragload-fixture-v%d-%d", fixtureVersion, n))
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err == nil {
		return dir
	}
	// Build in a fresh directory and rename it into place, so that a
	// process that stops half way leaves no half fixture behind.
	tmp, err := os.MkdirTemp(os.TempDir(), ".ragload-fixture-*")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, ResultsFile)
	w, err := Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	m := fixtureManifest(n)
	agg := NewAggregator(m)
	if err := fixtureResults(n, func(r *vegeta.Result) error { agg.Add(r); return w.Write(r) }); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := WriteSummary(path, agg); err != nil {
		tb.Fatal(err)
	}
	if err := WriteManifest(tmp, m); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, ManifestFile)); serr == nil {
			return dir // another process made it first
		}
		tb.Fatal(err)
	}
	return dir
}
