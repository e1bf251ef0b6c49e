package attack

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// JourneyGrace is how long journeys still running when an open-model
// plan ends may go on (k6's gracefulStop): then they are cut, and count as
// unfinished.
const JourneyGrace = 30 * time.Second

// arrivals is what happened to an open model's journey starts.
type arrivals struct {
	Dropped     Drops
	Interrupted bool
}

// runJourneys is the open model of a scenario with journeys: journeys
// start at the schedule's arrival times, as k6's arrival-rate executors
// start iterations, each on a session of the pool in turn. At most
// MaxWorkers journeys run at once (each has at most one request in
// flight); one due while that many run waits up to MaxLag for one to end,
// and one that cannot start within MaxLag of its due time is dropped,
// counted under its first step's endpoint. The schedule lag of a journey
// is its first result's.
func (s *Setup) runJourneys(ctx context.Context, m *results.Manifest, sched plan.Schedule) (*results.Report, error) {
	m.Planned = 0 // journeys, not requests, are planned: how many requests they send is drawn
	return s.runArrivals(ctx, m, sched, func(ctx context.Context, u *usersRun, a arrivalSetup) arrivals {
		return u.arrive(ctx, sched, a)
	})
}

// arrivalSetup is what a driver of arrivals (arrive, replaySessions) is
// given: when the run started, the cap on what runs at once and the
// drop bound, where drops go, and the token of arrival n.
type arrivalSetup struct {
	start  time.Time
	limit  uint64
	maxLag time.Duration
	drop   func(*vegeta.Target)
	token  func(n uint64) string
}

// arrivalGate admits an open model's arrivals (journeys, a replay's
// sessions) for a driver: each at its due time, at most limit running at
// once; one due while that many run waits up to maxLag for one to end,
// and one that cannot start within maxLag of its due time is dropped
// (counted in dropped). Only the driver's goroutine calls it.
type arrivalGate struct {
	ctx     context.Context
	slots   chan struct{}
	maxLag  time.Duration
	timer   *time.Timer
	running sync.WaitGroup
	stop    chan struct{} // closed when the arrivals running must end at their next pause
	dropped Drops
}

func newArrivalGate(ctx context.Context, a arrivalSetup) *arrivalGate {
	return &arrivalGate{ctx: ctx, slots: make(chan struct{}, a.limit), maxLag: a.maxLag, timer: time.NewTimer(time.Hour), stop: make(chan struct{})}
}

// wait waits until t; false when ctx ended first.
func (g *arrivalGate) wait(t time.Time) bool {
	if d := time.Until(t); d > 0 {
		g.timer.Reset(d)
		select {
		case <-g.ctx.Done():
			return false
		case <-g.timer.C:
		}
	}
	return g.ctx.Err() == nil
}

// What became of an arrival (admit).
const (
	admitted = iota
	dropped
	interrupted
)

// admit takes a running slot for the arrival due at at: admitted, or
// dropped (counted), or interrupted (ctx ended while it waited).
func (g *arrivalGate) admit(at time.Time) int {
	select {
	case g.slots <- struct{}{}:
	default: // as many arrivals as allowed are running: wait for one to end
		if g.maxLag < 0 {
			g.slots <- struct{}{}
			break
		}
		g.timer.Reset(time.Until(at.Add(g.maxLag)))
		select {
		case g.slots <- struct{}{}:
		case <-g.timer.C:
			g.dropped.Capped++
			return dropped
		case <-g.ctx.Done():
			return interrupted
		}
	}
	if g.maxLag >= 0 && time.Since(at) > g.maxLag {
		<-g.slots
		g.dropped.Late++
		return dropped
	}
	return admitted
}

// run runs an admitted arrival on a goroutine of its own; stop closes
// when it must end at its next pause.
func (g *arrivalGate) run(fn func(stop <-chan struct{})) {
	g.running.Add(1)
	go func() {
		defer g.running.Done()
		defer func() { <-g.slots }()
		fn(g.stop)
	}()
}

// end lets the arrivals running end: within JourneyGrace, or at their next
// pause when the run was interrupted or ctx ends; it returns what became
// of the arrivals.
func (g *arrivalGate) end(interrupted bool) arrivals {
	g.timer.Stop()
	finished := make(chan struct{})
	go func() { g.running.Wait(); close(finished) }()
	if interrupted {
		close(g.stop)
		<-finished
		return arrivals{Dropped: g.dropped, Interrupted: true}
	}
	grace := time.NewTimer(JourneyGrace)
	defer grace.Stop()
	select {
	case <-finished:
		return arrivals{Dropped: g.dropped}
	case <-grace.C:
	case <-g.ctx.Done():
	}
	close(g.stop)
	<-finished
	return arrivals{Dropped: g.dropped}
}

// runArrivals runs an open model whose arrivals are sequences of
// requests (journeys, a replay's sessions) sent by drive on a usersRun, so
// that results, checks, streams and recording are those of virtual users.
func (s *Setup) runArrivals(ctx context.Context, m *results.Manifest, sched plan.Schedule,
	drive func(context.Context, *usersRun, arrivalSetup) arrivals) (*results.Report, error) {
	pool, rc, stopAuth, err := s.loginAndRecord(ctx, m)
	if errors.Is(err, errInterruptedLogin) {
		return rc.finish(nil, true)
	}
	if err != nil {
		return nil, err
	}
	defer stopAuth()
	client, streams := s.Options.streamingClient()
	u := &usersRun{job: &UsersJob{Setup: *s}, journeys: s.journeys, client: client, streams: streams, name: s.Options.Name}
	u.checks = s.Options.checks.withMask(maskOf(pool))
	if s.Record != nil {
		u.record = newCapture(s.Record, m)
	}
	rc.started = u.started
	limit, maxLag := s.Options.maxWorkers(), s.Options.maxLag()
	m.Plan.MaxWorkers, m.Plan.MaxLag = limit, results.Duration(max(maxLag, 0))
	if !waitUntil(ctx, s.StartAt) {
		return rc.finish(nil, true)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	written := u.write(rc, cancel)
	u.helpers.jobs = make(chan func())
	start := time.Now()
	m.Started, u.start = start, start
	rc.live.Watch(openLive(rc, u.started, sched, start))
	stopMonitor := s.startMonitor(rc)
	stopProgress := s.startProgress(rc, sched.Duration(), 0, nil)
	out := drive(runCtx, u, arrivalSetup{start: start, limit: limit, maxLag: maxLag, drop: rc.drop, token: sessionTokens(pool)})
	stopProgress()
	stopMonitor()
	close(u.out)
	werr := <-written
	m.Sent, m.SendEnded = u.started(), u.sentLast() // journeys send after they start: the rate's window ends with the last request
	if m.SendEnded.IsZero() {
		m.SendEnded = start
	}
	rc.setDrops(out.Dropped)
	return rc.finish(werr, out.Interrupted || (ctx.Err() != nil && time.Since(start) < sched.Duration()))
}

// sessionTokens gives journey n the token of the pool's session n mod
// the sessions ("" without a pool).
func sessionTokens(pool *auth.Pool) func(n uint64) string {
	if pool == nil {
		return func(uint64) string { return "" }
	}
	sessions := pool.Sessions()
	return func(n uint64) string {
		if t := sessions[n%uint64(len(sessions))].Token(); t != nil {
			return t.Value
		}
		return ""
	}
}

// journeyRNG is journey n's generator: the same for a seed whatever
// started before it, so that a dropped journey is named as it would have
// run.
func journeyRNG(seed, n uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x2545f4914f6cdd1d, n))
}

// arrive starts the journeys at their due times until the schedule ends
// or ctx does, then lets those running end (arrivalGate.end).
func (u *usersRun) arrive(ctx context.Context, sched plan.Schedule, a arrivalSetup) arrivals {
	g := newArrivalGate(ctx, a)
	for n := uint64(0); ; n++ {
		due, ok := sched.Due(n)
		if !ok {
			break
		}
		at := a.start.Add(due)
		if !g.wait(at) {
			return g.end(true)
		}
		switch g.admit(at) {
		case interrupted:
			return g.end(true)
		case dropped: // named as the journey it would have been
			rng := journeyRNG(u.job.Seed, n)
			var t vegeta.Target
			if u.journeys.Target(&t, u.journeys.Pick(rng), 0, targets.Vars{}, rng, "") == nil {
				a.drop(&t)
			}
			continue
		}
		g.run(func(stop <-chan struct{}) {
			rng := journeyRNG(u.job.Seed, n)
			u.runJourney(journeyStart{rng: rng, pause: pauser(stop), token: func() string { return a.token(n) }, due: at})
		})
	}
	return g.end(false)
}
