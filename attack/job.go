package attack

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets/auth"
)

// Job is one open-model run from setup to manifest: log in, send the plan,
// write every result to Dir/results.bin, keep Dir/run.json up to date, and
// return the aggregated report.
type Job struct {
	Setup
	Plan plan.Plan
	// Arrivals spaces requests: plan.ArrivalsEven (default) or
	// plan.ArrivalsPoisson.
	Arrivals string
}

// schedule returns the pacer of the job's plan and arrivals.
func (j *Job) schedule() (plan.Schedule, error) {
	if j.Plan.Unbounded() && j.Options.MaxWorkers == 0 {
		// Without a cap vegeta would start a goroutine per request, without
		// bound.
		return nil, errors.New("an unbounded plan needs a cap on the workers (Options.MaxWorkers)")
	}
	return plan.NewSchedule(j.Plan, j.Arrivals, j.Shard, j.Seed)
}

// Run executes the job. It returns the report even when the run was
// interrupted (ctx ended), in which case the manifest says so; it returns an
// error when the run could not start (bad input, failed login) or could
// not record its results.
func (j *Job) Run(ctx context.Context) (*results.Report, error) {
	if err := j.Plan.Validate(); err != nil {
		return nil, err
	}
	if j.Plan.Unbounded() && len(j.Scenario.Journeys) > 0 {
		return nil, errors.New("journeys start at an arrival rate: an unbounded plan (rate 0) has none")
	}
	sched, err := j.schedule()
	if err != nil {
		return nil, err
	}
	sched = j.Control.schedule(sched)
	mix, err := j.check()
	if err != nil {
		return nil, err
	}
	m := j.manifest("attack")
	m.Plan.Description, m.Plan.Kind, m.Plan.StartRate = j.Plan.String(), j.Plan.Kind, j.Plan.StartRate
	m.Plan.Duration, m.Planned = results.Duration(j.Plan.Duration()), sched.Count()
	if j.Arrivals == plan.ArrivalsPoisson {
		m.Plan.Arrivals = plan.ArrivalsPoisson
		m.Plan.Description += ", Poisson arrivals"
	}

	for _, s := range j.Plan.Stages {
		m.Plan.Stages = append(m.Plan.Stages, results.Stage{Duration: results.Duration(s.Duration), Target: s.Target})
	}
	if j.journeys != nil { // the plan's arrivals are journeys
		m.Plan.Description = "journeys at " + m.Plan.Description
		return j.runJourneys(ctx, m, sched)
	}

	return j.runOpen(ctx, m, sched, func(pool *auth.Pool) vegeta.Targeter {
		return auth.NewTargeter(mix, pool, j.Seed)
	})
}

// openLive is what an open-model run's gauges read: requests started and
// in flight, and the rate due now (0 past the plan's end).
func openLive(rc *recorder, started func() uint64, sched plan.Schedule, start time.Time) func() metrics.Live {
	return func() metrics.Live {
		l := metrics.Live{Sent: started(), InFlight: rc.inFlight()}
		if el := time.Since(start); el < sched.Duration() {
			if r := sched.Rate(el); r > 0 && !math.IsInf(r, 0) {
				l.PlannedRate = r
			}
		}
		return l
	}
}

// errInterruptedLogin: ctx ended while the run logged in.
var errInterruptedLogin = errors.New("interrupted while logging in")

// loginAndRecord logs in (the pool, nil when requests go without a token,
// keeps its tokens fresh until stopAuth is called) and creates the run's
// files. When ctx ended during the login it returns, with
// errInterruptedLogin, the recorder of a run that ends before its first
// request: its files say so (planned N, sent 0, no login).
func (s *Setup) loginAndRecord(ctx context.Context, m *results.Manifest) (pool *auth.Pool, rc *recorder, stopAuth func(), err error) {
	pool, err = s.login(ctx, m, s.Credentials)
	if err != nil {
		if ctx.Err() == nil {
			return nil, nil, nil, err
		}
		if m.Auth.Mode == "" {
			m.Auth.Mode, m.Auth.Users = "bearer", len(s.Credentials)
		}
		if rc, rerr := s.record(m, nil); rerr == nil {
			return nil, rc, nil, errInterruptedLogin
		}
		return nil, nil, nil, err
	}
	authCtx, stop := context.WithCancel(context.Background())
	if pool != nil {
		go pool.Run(authCtx)
	}
	if rc, err = s.record(m, pool); err != nil {
		stop()
		return nil, nil, nil, err
	}
	return pool, rc, stop, nil
}

// runOpen runs an open-model schedule after logging in, with the targeter
// targeterFor makes for the pool (nil when requests go without a token),
// recording into the run directory.
func (s *Setup) runOpen(ctx context.Context, m *results.Manifest, sched plan.Schedule, targeterFor func(*auth.Pool) vegeta.Targeter) (*results.Report, error) {
	pool, rc, stopAuth, err := s.loginAndRecord(ctx, m)
	if errors.Is(err, errInterruptedLogin) {
		return rc.finish(nil, true)
	}
	if err != nil {
		return nil, err
	}
	defer stopAuth()
	var started atomic.Uint64
	rc.started = started.Load
	opts := s.Options
	opts.started, opts.onDrop = &started, rc.drop
	opts.checks = opts.checks.withMask(maskOf(pool))
	if s.Record != nil {
		opts.capture = newCapture(s.Record, m)
	}
	m.Plan.MaxWorkers, m.Plan.MaxLag = opts.maxWorkers(), results.Duration(max(opts.maxLag(), 0))
	if !waitUntil(ctx, s.StartAt) {
		return rc.finish(nil, true)
	}
	rc.live.Watch(openLive(rc, started.Load, sched, time.Now()))
	stopMonitor := s.startMonitor(rc)
	stopProgress := s.startProgress(rc, sched.Duration(), sched.Count(), nil)
	out, runErr := Run(ctx, opts, targeterFor(pool), sched, s.Control.observer(rc.emit))
	stopProgress()
	stopMonitor()
	if !out.Began.IsZero() { // zero when stopped before the first send
		m.Started = out.Began
	}
	m.SendEnded, m.Sent = out.SendEnded, out.Sent
	rc.setDrops(out.Dropped)
	m.Planned = sched.Count() // changed if the rate was (Control)
	if sp, ok := sched.(*plan.Steered); ok {
		m.Plan.Description += sp.Changes() // the plan alone no longer says what was sent
	}
	return rc.finish(runErr, out.Interrupted)
}

// waitUntil sleeps until t (if it is ahead); false if ctx ended first.
func waitUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
