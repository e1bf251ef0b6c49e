package attack

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets/auth"
)

// recorder writes a run's results and manifest and aggregates as it goes.
type recorder struct {
	dir  string
	m    *results.Manifest
	w    *results.Writer
	agg  *results.Aggregator
	pool *auth.Pool // sees every result (401s trigger re-logins); may be nil
	// tokenless names the endpoints that send no token, whose 401s a new
	// login cannot cure; tokenlessOf resolves a result's endpoint for it
	// (emit's own: a Resolver is not safe for concurrent use).
	tokenless   map[string]bool
	tokenlessOf *results.Resolver
	// started counts the requests the driver has started; the driver sets
	// it before the run, for the requests in flight.
	started func() uint64

	mu             sync.Mutex // guards agg: progress reads it while emit writes
	done, failures atomic.Uint64
	late           lateCounter

	// abortMu orders abort (another goroutine, on a second Ctrl-C) and
	// finish: whichever comes second does nothing to the manifest.
	abortMu           sync.Mutex
	finished, aborted bool
	unregister        func()
	// rec is the run's --record stream, flushed by abort.
	rec *replay.Recorder

	// dropped counts dropped requests by endpoint name (dropMu guards it);
	// dropCount is their total, for progress.
	dropCount atomic.Uint64
	dropMu    sync.Mutex
	dropped   map[string]uint64
	names     *results.Resolver

	live *metrics.Run // the run's Prometheus series; nil without them
}

// drop counts a request the driver dropped, under its endpoint's name.
// The counts reach the manifest when the run finishes.
func (rc *recorder) drop(t *vegeta.Target) {
	rc.dropMu.Lock()
	defer rc.dropMu.Unlock()
	if rc.names == nil {
		rc.names, rc.dropped = results.NewResolverFor(rc.m), map[string]uint64{}
	}
	rc.dropped[rc.names.Name(&vegeta.Result{Method: t.Method, URL: results.RequestURI(t.URL)})]++
	rc.dropCount.Add(1)
	rc.live.Drop(t)
}

// setDrops records the driver's drop counts, with the recorder's by
// endpoint, in the manifest.
func (rc *recorder) setDrops(d Drops) {
	if d.Total() == 0 {
		return
	}
	rc.dropMu.Lock()
	defer rc.dropMu.Unlock()
	rc.m.Dropped = &results.Drops{Total: d.Total(), Late: d.Late, Capped: d.Capped, Endpoints: maps.Clone(rc.dropped)}
}

// inFlight is the number of requests started and not yet recorded.
func (rc *recorder) inFlight() int64 {
	if rc.started == nil {
		return 0
	}
	return int64(rc.started()) - int64(rc.done.Load())
}

// p95 is the total's p95 response time so far.
func (rc *recorder) p95() time.Duration {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.agg.Total().Quantile(95, results.ViewResponse)
}

// record creates the run directory, the results file and the manifest.
func (s *Setup) record(m *results.Manifest, pool *auth.Pool) (*recorder, error) {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	w, err := results.Create(filepath.Join(s.Dir, results.ResultsFile))
	if err != nil {
		return nil, err
	}
	if s.Options.KeepBodies { // bodies are the server's words, unmasked: keep them private
		if err := os.Chmod(filepath.Join(s.Dir, results.ResultsFile), 0o600); err != nil {
			w.Close()
			return nil, fmt.Errorf("create results: %w", err)
		}
	}
	if err := results.WriteManifest(s.Dir, m); err != nil {
		w.Close()
		return nil, err
	}
	if s.Record != nil {
		s.Record.DropHeaders(s.Scenario.SecretHeaders...)
	}
	rc := &recorder{dir: s.Dir, m: m, w: w, agg: results.NewAggregator(m), pool: pool, rec: s.Record, live: s.Metrics.Run(m)}
	if pool != nil {
		rc.tokenless, rc.tokenlessOf = map[string]bool{}, results.NewResolverFor(m)
		for _, e := range m.Scenario.Endpoints {
			if !e.Auth {
				rc.tokenless[e.Name] = true
			}
		}
	}
	rc.unregister = OnAbort(rc.abort)
	return rc, nil
}

// emit stores one result. Not safe for concurrent use. Its URL is
// stored without scheme and host (results.RequestURI): they are the
// manifest's target, and would be a fifth of every record; vegeta's report
// and plot never read the URL, and endpoints are named by path.
func (rc *recorder) emit(r *vegeta.Result) error {
	r.URL = results.RequestURI(r.URL)
	if rc.pool != nil {
		rc.pool.Observe(r, r.Code != http.StatusUnauthorized || !rc.tokenless[rc.tokenlessOf.Name(r)])
		if r.Error != "" { // a server may echo the token in its status line
			r.Error = rc.pool.Mask(r.Error)
		}
	}
	rc.mu.Lock()
	rc.agg.Add(r)
	rc.mu.Unlock()
	rc.live.Observe(r)
	rc.late.add(r)
	rc.done.Add(1)
	if results.Failed(r) {
		rc.failures.Add(1)
	}
	return rc.w.Write(r)
}

// finish completes the results file and the manifest and returns the
// report; runErr is the driver's error, if any.
func (rc *recorder) finish(runErr error, interrupted bool) (*results.Report, error) {
	rc.unregister()
	rc.live.End()
	rc.abortMu.Lock()
	rc.finished = true
	aborted := rc.aborted
	rc.abortMu.Unlock()
	if aborted { // the process is exiting; abort wrote what there is
		rc.w.Close()
		return nil, ErrAborted
	}
	closeErr := rc.w.Close()
	if runErr == nil {
		runErr = closeErr
	}
	if closeErr == nil {
		if err := rc.writeSummary(); runErr == nil {
			runErr = err
		}
	}
	m := rc.m
	m.Ended, m.Completed = time.Now(), rc.w.Count()
	m.Status = results.StatusComplete
	switch {
	case runErr != nil:
		m.Status, m.Error = results.StatusFailed, runErr.Error()
	case interrupted:
		m.Status = results.StatusInterrupted
	}
	if rc.pool != nil {
		st := rc.pool.Stats()
		m.Auth.Logins, m.Auth.Refreshes, m.Auth.LoginFailures, m.Auth.Unauthorized = st.Logins, st.Refreshes, st.LoginFailures, st.Unauthorized
	}
	if err := results.WriteManifest(rc.dir, m); runErr == nil {
		runErr = err
	}
	return results.NewReport(m, rc.agg, []string{filepath.Join(rc.dir, results.ResultsFile)}), runErr
}

// writeSummary writes the run summary (results.SummaryFile) beside the
// closed results file from the aggregator that saw every result, so that
// report need not decode the file again. It writes none when the two
// disagree (a result was counted but not written).
func (rc *recorder) writeSummary() error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.agg.Count() != rc.w.Count() {
		return nil
	}
	return results.WriteSummary(filepath.Join(rc.dir, results.ResultsFile), rc.agg)
}
