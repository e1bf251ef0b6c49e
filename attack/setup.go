package attack

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
)

// ErrRunExists means the run directory already holds a run: results files
// cannot be appended to, and overwriting one would lose it.
var ErrRunExists = errors.New("the run directory already holds a run")

// Setup is what every kind of run shares: where it writes, what it sends,
// how it logs in and how it is judged.
type Setup struct {
	Dir    string // created if missing; must not hold a run
	Target string // base URL of the API under test

	Scenario       *targets.Scenario
	Credentials    []targets.Credential // ignored when no endpoint needs auth
	AllowAnonymous bool                 // on login failure, send without a token instead of stopping

	Seed    uint64
	Options Options

	// Thresholds and Marks are recorded in the manifest for report to use,
	// and MinSamples (0: results.MinSamples) with them.
	Thresholds, Marks []string
	MinSamples        uint64
	// Tool is the name and version recorded in the manifest.
	Tool string

	// Progress, when set, is called about every ProgressEvery (default 1 s)
	// from another goroutine while the run goes on.
	Progress      func(Progress)
	ProgressEvery time.Duration

	// Shard is this generator's part of the plan; RunID names the run all
	// shards belong to (recorded for the merge to check); StartAt, when set,
	// is when sending starts, so that shards begin together.
	Shard   plan.Shard
	RunID   string
	StartAt time.Time

	// Record, when set, receives every request of the run as a replay
	// stream (without credentials); the caller closes it.
	Record *replay.Recorder

	// Control, when set, changes the users or the rate of a run while it
	// goes on and sees every result as it is written (the web dashboard).
	Control *Control

	// Metrics, when set, counts every result, drop and user live for
	// Prometheus (package metrics); nil exports nothing.
	Metrics *metrics.Exporter

	// loggedIn, when set, is a pool already logged in (and the auth record
	// that goes with it): see Warm.
	loggedIn *loggedIn
	// journeys are the scenario's journeys, compiled by check; nil when it
	// has none (a weighted mix of single requests).
	journeys *targets.Journeys
}

// check validates the target and directory and compiles the scenario; it
// points the streaming timer at the scenario's streaming endpoints and
// the response checks at those with checks.
func (s *Setup) check() (*targets.Mix, error) {
	s.Options.SecretHeaders = s.Scenario.SecretHeaders
	s.Options.checks = newResponseChecks(s.Scenario, s.Target)
	s.Options.Streams = nil
	for _, e := range s.Scenario.Active() {
		if e.Stream != "" {
			if s.Options.Streams == nil {
				s.Options.Streams = map[string]string{}
			}
			s.Options.Streams[basePath(s.Target)+e.Path] = e.Stream
		}
	}
	if err := targets.CheckBaseURL(s.Target); err != nil {
		return nil, fmt.Errorf("target URL %w", err)
	}
	for _, f := range []string{results.ResultsFile, results.ManifestFile} {
		if _, err := os.Stat(filepath.Join(s.Dir, f)); err == nil {
			return nil, fmt.Errorf("%s: %w (pick another directory)", s.Dir, ErrRunExists)
		}
	}
	if len(s.Scenario.Journeys) > 0 { // journeys replace the weighted mix
		js, err := targets.NewJourneys(s.Scenario, s.Target)
		s.journeys = js
		return nil, err
	}
	return targets.NewMix(s.Scenario, s.Target)
}

// basePath is the path of a base URL without its trailing slash, which
// prefixes every endpoint's path.
func basePath(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// manifest starts the manifest of a run in the given mode.
func (s *Setup) manifest(mode string) *results.Manifest {
	sc := s.Scenario
	info := results.ScenarioInfo{Name: sc.Name, Source: sc.Source, Queries: len(sc.Queries), Checks: sc.ChecksInfo(), SLO: sc.SLO.SLOInfo()}
	for _, e := range sc.Active() {
		info.Endpoints = append(info.Endpoints, results.EndpointInfo{
			Key: e.Key, Name: e.Name, Method: e.Method, Path: e.Path, Weight: e.Weight, Auth: e.Auth, Stream: e.Stream,
		})
	}
	for _, j := range sc.Journeys {
		ji := results.JourneyInfo{Name: j.Name, Weight: max(j.Weight, 1)}
		for _, st := range j.Steps {
			name := st.Endpoint
			if e, ok := sc.Endpoint(st.Endpoint); ok {
				name = e.Name
			}
			ji.Steps = append(ji.Steps, name)
		}
		info.Journeys = append(info.Journeys, ji)
	}
	timeout := s.Options.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	m := &results.Manifest{
		Schema: results.ManifestSchema, Tool: s.Tool, Name: s.Options.Name, Mode: mode,
		Target: results.RedactURL(s.Target), Warnings: s.Warnings(), Scenario: info, Seed: s.Seed, Status: results.StatusRunning, Started: time.Now(),
		Plan:       results.Plan{Timeout: results.Duration(timeout), MaxWorkers: s.Options.MaxWorkers},
		Thresholds: s.Thresholds, Marks: s.Marks, MinSamples: s.MinSamples, Results: []string{results.ResultsFile},
		RunID: s.RunID, StartAt: s.StartAt,
	}
	if s.Shard.Sharded() {
		m.Shard = &results.ShardInfo{Index: s.Shard.Index, Count: s.Shard.Count}
	}
	return m
}

// Warnings are what the run warns about before it sends (also recorded
// in its manifest): that the credentials would go in clear text to a host
// that is not loopback (targets.CleartextWarning).
func (s *Setup) Warnings() []string {
	if !s.Scenario.NeedsAuth() || len(s.Credentials) == 0 {
		return nil // no login
	}
	if w := targets.CleartextWarning(s.Target); w != "" {
		return []string{w}
	}
	return nil
}

// login makes a pool for creds, logs it in and records the auth mode in m.
// It returns nil when requests go without a token.
func (s *Setup) login(ctx context.Context, m *results.Manifest, creds []targets.Credential) (*targets.Pool, error) {
	if s.loggedIn != nil {
		m.Auth = s.loggedIn.auth
		return s.loggedIn.pool, nil
	}
	if !s.Scenario.NeedsAuth() {
		m.Auth.Mode = "none"
		return nil, nil
	}
	if len(creds) == 0 {
		return nil, errors.New("the scenario needs a login but no credentials were given")
	}
	pool := targets.NewPool(s.Options.HTTPClient(), s.Target, s.Scenario.Auth, creds)
	if err := pool.Login(ctx); err != nil {
		if !s.AllowAnonymous || ctx.Err() != nil {
			return nil, err
		}
		m.Auth.Mode = "anonymous"
		m.Auth.LoginFailures = pool.Stats().LoginFailures
		return nil, nil
	}
	m.Auth.Mode, m.Auth.Users = "bearer", len(s.Credentials)
	if t := pool.Sessions()[0].Token(); t != nil && t.ClockOffsetOK {
		off := results.Duration(t.ClockOffset)
		m.ClockOffset = &off
	}
	return pool, nil
}

// recorder writes a run's results and manifest and aggregates as it goes.
type recorder struct {
	dir  string
	m    *results.Manifest
	w    *results.Writer
	agg  *results.Aggregator
	pool *targets.Pool // sees every result (401s trigger re-logins); may be nil
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
func (s *Setup) record(m *results.Manifest, pool *targets.Pool) (*recorder, error) {
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

// startProgress calls s.Progress every ProgressEvery with the recorder's
// counts; fill adds what the driver knows. The returned stop waits for the
// last call to end.
func (s *Setup) startProgress(rc *recorder, d time.Duration, planned uint64, fill func(*Progress)) (stop func()) {
	if s.Progress == nil {
		return func() {}
	}
	every := s.ProgressEvery
	if every <= 0 {
		every = time.Second
	}
	start := time.Now()
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				p := Progress{Elapsed: time.Since(start), Duration: d, Planned: planned, Done: rc.done.Load(),
					Failures: rc.failures.Load(), InFlight: rc.inFlight(), P95: rc.p95(), Dropped: rc.dropCount.Load()}
				if fill != nil {
					fill(&p)
				}
				s.Progress(p)
			}
		}
	}()
	return func() { close(quit); <-finished }
}
