package attack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
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
	Credentials    []auth.Credential // ignored when no endpoint needs auth
	AllowAnonymous bool              // on login failure, send without a token instead of stopping

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
// that is not loopback (auth.CleartextWarning).
func (s *Setup) Warnings() []string {
	if !s.Scenario.NeedsAuth() || len(s.Credentials) == 0 {
		return nil // no login
	}
	if w := auth.CleartextWarning(s.Target); w != "" {
		return []string{w}
	}
	return nil
}

// login makes a pool for creds, logs it in and records the auth mode in m.
// It returns nil when requests go without a token.
func (s *Setup) login(ctx context.Context, m *results.Manifest, creds []auth.Credential) (*auth.Pool, error) {
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
	pool := auth.NewPool(s.Options.HTTPClient(), s.Target, s.Scenario.Auth, creds)
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
