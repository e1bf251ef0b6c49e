package attack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
)

// ErrRunExists means the run directory already holds a run: results files
// cannot be appended to, and overwriting one would lose it.
var ErrRunExists = errors.New("the run directory already holds a run")

// Job is one open-model run from setup to manifest: log in, write every
// result to Dir/results.bin, keep Dir/run.json up to date, and return the
// aggregated report.
type Job struct {
	Dir    string // created if missing; must not hold a run
	Target string // base URL of the API under test

	Scenario       *targets.Scenario
	Credentials    []targets.Credential // one session each; ignored when no endpoint needs auth
	AllowAnonymous bool                 // on login failure, send without a token instead of stopping

	Plan    Plan
	Seed    uint64
	Options Options

	// Thresholds and Marks are recorded in the manifest for report to use.
	Thresholds, Marks []string
	// Tool is the name and version recorded in the manifest.
	Tool string

	// Progress, when set, is called about every ProgressEvery (default 1 s)
	// from another goroutine while the attack runs.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Progress is a snapshot of a running attack.
type Progress struct {
	Elapsed, Duration time.Duration
	Planned           uint64
	Done, Failures    uint64 // results so far
}

// Run executes the job. It returns the report even when the run was
// interrupted (ctx ended), in which case the manifest says so; it returns an
// error when the run could not start (bad input, failed login) or could
// not record its results.
func (j *Job) Run(ctx context.Context) (*results.Report, error) {
	if err := j.Plan.Validate(); err != nil {
		return nil, err
	}
	if err := checkURL(j.Target); err != nil {
		return nil, err
	}
	mix, err := targets.NewMix(j.Scenario, j.Target)
	if err != nil {
		return nil, err
	}
	if err := checkDir(j.Dir); err != nil {
		return nil, err
	}

	m := j.manifest()
	pool, err := j.login(ctx, m)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(j.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	authCtx, stopAuth := context.WithCancel(context.Background())
	defer stopAuth()
	if pool != nil {
		go pool.Run(authCtx)
	}

	w, err := results.Create(filepath.Join(j.Dir, results.ResultsFile))
	if err != nil {
		return nil, err
	}
	if err := results.WriteManifest(j.Dir, m); err != nil {
		w.Close()
		return nil, err
	}

	agg := results.NewAggregator(m)
	var done, failures atomic.Uint64
	emit := func(r *vegeta.Result) error {
		if pool != nil {
			pool.Observe(r)
		}
		agg.Add(r)
		done.Add(1)
		if results.Failed(r) {
			failures.Add(1)
		}
		return w.Write(r)
	}
	stopProgress := j.startProgress(&done, &failures)
	out, runErr := Run(ctx, j.Options, targets.NewTargeter(mix, pool, j.Seed), NewPacer(j.Plan), emit)
	stopProgress()
	if err := w.Close(); runErr == nil {
		runErr = err
	}

	if !out.Began.IsZero() { // zero when stopped before the first send
		m.Started = out.Began
	}
	m.SendEnded, m.Ended = out.SendEnded, time.Now()
	m.Sent, m.Completed = out.Sent, w.Count()
	m.Status = results.StatusComplete
	switch {
	case runErr != nil:
		m.Status, m.Error = results.StatusFailed, runErr.Error()
	case out.Interrupted:
		m.Status = results.StatusInterrupted
	}
	if pool != nil {
		st := pool.Stats()
		m.Auth.Logins, m.Auth.Refreshes, m.Auth.LoginFailures, m.Auth.Unauthorized = st.Logins, st.Refreshes, st.LoginFailures, st.Unauthorized
	}
	if err := results.WriteManifest(j.Dir, m); runErr == nil {
		runErr = err
	}
	return results.NewReport(m, agg, []string{filepath.Join(j.Dir, results.ResultsFile)}), runErr
}

// login logs the sessions in and records the auth mode in m; it returns nil
// when requests go without a token.
func (j *Job) login(ctx context.Context, m *results.Manifest) (*targets.Pool, error) {
	if !j.Scenario.NeedsAuth() {
		m.Auth.Mode = "none"
		return nil, nil
	}
	if len(j.Credentials) == 0 {
		return nil, errors.New("the scenario needs a login but no credentials were given")
	}
	pool := targets.NewPool(j.Options.HTTPClient(), j.Target, j.Scenario.Auth, j.Credentials)
	if err := pool.Login(ctx); err != nil {
		if !j.AllowAnonymous || ctx.Err() != nil {
			return nil, err
		}
		m.Auth.Mode = "anonymous"
		m.Auth.LoginFailures = pool.Stats().LoginFailures
		return nil, nil
	}
	m.Auth.Mode, m.Auth.Users = "bearer", len(j.Credentials)
	return pool, nil
}

func (j *Job) manifest() *results.Manifest {
	sc := j.Scenario
	info := results.ScenarioInfo{Name: sc.Name, Source: sc.Source, Queries: len(sc.Queries)}
	for _, e := range sc.Active() {
		info.Endpoints = append(info.Endpoints, results.EndpointInfo{
			Key: e.Key, Name: e.Name, Method: e.Method, Path: e.Path, Weight: e.Weight, Auth: e.Auth,
		})
	}
	plan := results.Plan{
		Description: j.Plan.String(), Kind: j.Plan.Kind, StartRate: j.Plan.StartRate,
		Duration: results.Duration(j.Plan.Duration()), MaxWorkers: j.Options.MaxWorkers,
		Timeout: results.Duration(j.Options.Timeout),
	}
	if plan.Timeout == 0 {
		plan.Timeout = results.Duration(DefaultTimeout)
	}
	for _, s := range j.Plan.Stages {
		plan.Stages = append(plan.Stages, results.Stage{Duration: results.Duration(s.Duration), Target: s.Target})
	}
	return &results.Manifest{
		Schema: results.ManifestSchema, Tool: j.Tool, Name: j.Options.Name, Mode: "attack",
		Target: j.Target, Plan: plan, Scenario: info, Seed: j.Seed,
		Status: results.StatusRunning, Started: time.Now(), Planned: j.Plan.Count(),
		Thresholds: j.Thresholds, Marks: j.Marks, Results: []string{results.ResultsFile},
	}
}

func (j *Job) startProgress(done, failures *atomic.Uint64) (stop func()) {
	if j.Progress == nil {
		return func() {}
	}
	every := j.ProgressEvery
	if every <= 0 {
		every = time.Second
	}
	start := time.Now()
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				j.Progress(Progress{
					Elapsed: time.Since(start), Duration: j.Plan.Duration(), Planned: j.Plan.Count(),
					Done: done.Load(), Failures: failures.Load(),
				})
			}
		}
	}()
	return func() { close(quit); <-finished }
}

// checkDir refuses a directory that already holds a run.
func checkDir(dir string) error {
	for _, f := range []string{results.ResultsFile, results.ManifestFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("%s: %w (pick another --out)", dir, ErrRunExists)
		}
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("target URL %q: want http://host[:port] or https://…", s)
	}
	return nil
}
