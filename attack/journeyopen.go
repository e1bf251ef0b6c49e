package attack

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
)

// JourneyGrace is how long journeys still running when an open-model
// plan ends may go on (k6's gracefulStop): then they are cut, and count as
// unfinished.
const JourneyGrace = 30 * time.Second

// arrivals is what happened to an open model's journey starts.
type arrivals struct {
	Dropped     Drops
	Interrupted bool
	lastStart   time.Time
}

// runJourneys is the open model of a scenario with journeys: journeys
// start at the schedule's arrival times, as k6's arrival-rate executors
// start iterations, each on a session of the pool in turn. At most
// MaxWorkers journeys run at once (each has at most one request in
// flight); one due while that many run waits up to MaxLag for one to end,
// and one that cannot start within MaxLag of its due time is dropped,
// counted under its first step's endpoint. The schedule lag of a journey
// is its first result's.
func (s *Setup) runJourneys(ctx context.Context, m *results.Manifest, sched Schedule) (*results.Report, error) {
	m.Planned = 0 // journeys, not requests, are planned: how many requests they send is drawn
	return s.runArrivals(ctx, m, sched, func(ctx context.Context, u *usersRun, a arrivalSetup) arrivals {
		return u.arrive(ctx, sched, a.start, a.limit, a.maxLag, a.drop, a.token, a.running)
	})
}

// arrivalSetup is what a driver of arrivals (arrive, replaySessions) is
// given: when the run started, the cap on what runs at once and the
// drop bound, where drops go, the token of arrival n, and the group of
// what runs.
type arrivalSetup struct {
	start   time.Time
	limit   uint64
	maxLag  time.Duration
	drop    func(*vegeta.Target)
	token   func(n uint64) string
	running *sync.WaitGroup
}

// runArrivals runs an open model whose arrivals are sequences of
// requests (journeys, a replay's sessions) sent by drive on a usersRun, so
// that results, checks, streams and recording are those of virtual users.
func (s *Setup) runArrivals(ctx context.Context, m *results.Manifest, sched Schedule,
	drive func(context.Context, *usersRun, arrivalSetup) arrivals) (*results.Report, error) {
	pool, err := s.login(ctx, m, s.Credentials)
	if err != nil {
		if ctx.Err() == nil {
			return nil, err
		}
		rc, rerr := s.record(m, nil)
		if rerr != nil {
			return nil, err
		}
		return rc.finish(nil, true)
	}
	authCtx, stopAuth := context.WithCancel(context.Background())
	defer stopAuth()
	if pool != nil {
		go pool.Run(authCtx)
	}
	rc, err := s.record(m, pool)
	if err != nil {
		return nil, err
	}
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
	var running sync.WaitGroup
	rc.live.Watch(func() metrics.Live {
		l := metrics.Live{Sent: u.started(), InFlight: rc.inFlight()}
		if el := time.Since(start); el < sched.Duration() {
			l.PlannedRate = sched.Rate(el)
		}
		return l
	})
	stopMonitor := s.startMonitor(rc)
	stopProgress := s.startProgress(rc, sched.Duration(), 0, nil)
	out := drive(runCtx, u, arrivalSetup{start: start, limit: limit, maxLag: maxLag, drop: rc.drop, token: sessionTokens(pool), running: &running})
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
func sessionTokens(pool *targets.Pool) func(n uint64) string {
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
// or ctx does, then lets those running end (for JourneyGrace at most; at
// once, at their next pause, when ctx ended).
func (u *usersRun) arrive(ctx context.Context, sched Schedule, start time.Time, limit uint64, maxLag time.Duration,
	onDrop func(*vegeta.Target), token func(uint64) string, running *sync.WaitGroup) arrivals {
	stop := make(chan struct{})
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }) }
	slots := make(chan struct{}, limit)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var out arrivals
	drop := func(n uint64, late bool) {
		if late {
			out.Dropped.Late++
		} else {
			out.Dropped.Capped++
		}
		rng := journeyRNG(u.job.Seed, n)
		var t vegeta.Target
		if u.journeys.Target(&t, u.journeys.Pick(rng), 0, targets.Vars{}, rng, "") == nil {
			onDrop(&t)
		}
	}
	// wait waits until t; false when ctx ended first.
	wait := func(t time.Time) bool {
		if d := time.Until(t); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				return false
			case <-timer.C:
			}
		}
		return ctx.Err() == nil
	}
	for n := uint64(0); ; n++ {
		due, ok := sched.Due(n)
		if !ok {
			break
		}
		at := start.Add(due)
		if !wait(at) {
			out.Interrupted = true
			break
		}
		select {
		case slots <- struct{}{}:
		default: // as many journeys as allowed are running: wait for one to end
			if maxLag < 0 {
				slots <- struct{}{}
				break
			}
			timer.Reset(time.Until(at.Add(maxLag)))
			select {
			case slots <- struct{}{}:
			case <-timer.C:
				drop(n, false)
				continue
			case <-ctx.Done():
				out.Interrupted = true
			}
		}
		if out.Interrupted {
			break
		}
		if maxLag >= 0 && time.Since(at) > maxLag {
			<-slots
			drop(n, true)
			continue
		}
		out.lastStart = time.Now()
		running.Add(1)
		go func(n uint64, due time.Time) {
			defer running.Done()
			defer func() { <-slots }()
			rng := journeyRNG(u.job.Seed, n)
			u.runJourney(journeyStart{rng: rng, pause: pauser(stop), token: func() string { return token(n) }, due: due})
		}(n, at)
	}
	finished := make(chan struct{})
	go func() { running.Wait(); close(finished) }()
	if out.Interrupted {
		halt()
	}
	grace := time.NewTimer(JourneyGrace)
	defer grace.Stop()
	select {
	case <-finished:
	case <-grace.C:
		halt()
		<-finished
	case <-ctx.Done():
		halt()
		<-finished
	}
	return out
}
