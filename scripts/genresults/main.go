// Command genresults writes a synthetic ragload run: results.bin with n
// results in the form `ragload attack` stores them (vegeta's gob encoding
// through results.Writer; no bodies or response headers; the URL as a path;
// the schedule lag in results.LagHeader; in completion order), run.json and,
// as a run writes at its end, summary.json (-summary=false leaves it out),
// so that `ragload report DIR` and `vegeta report DIR/results.bin` read it.
// scripts/bench.sh uses it for the report benchmark.
//
//	go run ./scripts/genresults -n 1000000 -o /tmp/run
//
// The run is the built-in scenario (weights 5:2:1:1, real request bodies
// from auth.NewTargeter) at a constant --rate, with lognormal service
// times around the demo API's medians, 0.5% 503s and 0.05% timeouts,
// seeded.
package main

import (
	"container/heap"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

const target = "http://127.0.0.1:8000"

// medians are the demo API's median service times by path.
var medians = map[string]time.Duration{
	"/api/v1/query/":         300 * time.Millisecond,
	"/api/v1/query/enhanced": 600 * time.Millisecond,
	"/api/v1/documents/":     30 * time.Millisecond,
	"/health":                3 * time.Millisecond,
}

func main() {
	n := flag.Int("n", 1_000_000, "number of results")
	out := flag.String("o", "", "run directory to create (results.bin and run.json)")
	rate := flag.Float64("rate", 1000, "requests per second of the synthetic run")
	name := flag.String("name", "bench", "run name (Result.Attack)")
	seed := flag.Uint64("seed", 1, "random seed")
	summary := flag.Bool("summary", true, "write the run summary, as a run does at its end")
	flag.Parse()
	if err := run(*out, *name, *n, *rate, *seed, *summary); err != nil {
		fmt.Fprintln(os.Stderr, "genresults:", err)
		os.Exit(1)
	}
}

func run(dir, name string, n int, rate float64, seed uint64, summary bool) error {
	if dir == "" || n <= 0 || rate <= 0 {
		return errors.New("want -o DIR, -n > 0 and -rate > 0")
	}
	sc := targets.Default()
	mix, err := targets.NewMix(sc, target)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, results.ResultsFile)
	w, err := results.Create(path)
	if err != nil {
		return err
	}
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	gap := time.Duration(float64(time.Second) / rate)
	m := manifest(sc, name, n, rate, seed, start, gap)
	agg := results.NewAggregator(m) // what the recorder counts as it writes
	write := func(r *vegeta.Result) error {
		if summary {
			agg.Add(r)
		}
		return w.Write(r)
	}
	tr := auth.NewTargeter(mix, nil, seed)
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	var inFlight byDone // results sent and not yet answered, by completion time
	for i := range n {
		sent := start.Add(time.Duration(i) * gap)
		for len(inFlight) > 0 && done(inFlight[0]).Before(sent) {
			if err := write(heap.Pop(&inFlight).(*vegeta.Result)); err != nil {
				return err
			}
		}
		var tgt vegeta.Target
		if err := tr(&tgt); err != nil {
			return err
		}
		heap.Push(&inFlight, result(rng, name, uint64(i), sent, &tgt))
	}
	for len(inFlight) > 0 {
		if err := write(heap.Pop(&inFlight).(*vegeta.Result)); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if summary {
		if err := results.WriteSummary(path, agg); err != nil {
			return err
		}
	}
	return results.WriteManifest(dir, m)
}

// result is what the recorder stores for a request sent at sent.
func result(rng *rand.Rand, name string, seq uint64, sent time.Time, tgt *vegeta.Target) *vegeta.Result {
	lag := time.Duration(lognormal(rng, 200e3, 0.8)) // ns; a healthy generator
	r := &vegeta.Result{
		Attack: name, Seq: seq, Timestamp: sent.Add(lag), Method: tgt.Method,
		URL: results.RequestURI(tgt.URL), BytesOut: uint64(len(tgt.Body)),
	}
	med := medians[r.URL]
	r.Latency = time.Duration(lognormal(rng, float64(med), 0.5))
	switch p := rng.Float64(); {
	case p < 0.0005:
		r.Latency = 60 * time.Second
		r.Error = fmt.Sprintf("%s %q: context deadline exceeded (Client.Timeout exceeded while awaiting headers)", tgt.Method, tgt.URL)
	case p < 0.0055:
		r.Code, r.Error, r.BytesIn = 503, "503 Service Unavailable", 31
	default:
		r.Code, r.BytesIn = 200, uint64(400+rng.IntN(1600))
	}
	results.SetLag(r, lag)
	return r
}

func lognormal(rng *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*rng.NormFloat64())
}

// manifest is the run.json of a complete constant-rate attack.
func manifest(sc *targets.Scenario, name string, n int, rate float64, seed uint64, start time.Time, gap time.Duration) *results.Manifest {
	info := results.ScenarioInfo{Name: sc.Name, Source: sc.Source, Queries: len(sc.Queries), Checks: sc.ChecksInfo(), SLO: sc.SLO.SLOInfo()}
	for _, e := range sc.Active() {
		info.Endpoints = append(info.Endpoints, results.EndpointInfo{
			Key: e.Key, Name: e.Name, Method: e.Method, Path: e.Path, Weight: e.Weight, Auth: e.Auth, Stream: e.Stream,
		})
	}
	d := time.Duration(n) * gap
	return &results.Manifest{
		Schema: results.ManifestSchema, Tool: "genresults", Name: name, Mode: "attack", Target: target,
		Scenario: info, Seed: seed, Status: results.StatusComplete,
		Plan: results.Plan{Description: fmt.Sprintf("constant %g/s for %s", rate, d), Kind: "constant", StartRate: rate,
			Duration: results.Duration(d), Timeout: results.Duration(60 * time.Second)},
		Started: start, SendEnded: start.Add(d), Ended: start.Add(d + 2*time.Second),
		Planned: uint64(n), Sent: uint64(n), Completed: uint64(n),
		Auth:       results.AuthInfo{Mode: "bearer", Users: 1, Logins: 1},
		Thresholds: []string{"p95<2s", "failures<1%"}, Marks: []string{"p50<1s", "p99<3s"},
		Results: []string{results.ResultsFile},
	}
}

// done is when r's response was complete.
func done(r *vegeta.Result) time.Time { return r.Timestamp.Add(r.Latency) }

// byDone is a min-heap of results by completion time: the recorder writes
// results as they complete, not in send order.
type byDone []*vegeta.Result

func (h byDone) Len() int           { return len(h) }
func (h byDone) Less(i, j int) bool { return done(h[i]).Before(done(h[j])) }
func (h byDone) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *byDone) Push(x any)        { *h = append(*h, x.(*vegeta.Result)) }
func (h *byDone) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}
