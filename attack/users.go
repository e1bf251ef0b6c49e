package attack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack/internal/stream"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// sampleEvery is the spacing of the user timeline in the manifest: a
// twentieth of the plan, between 100 ms and 1 s.
func sampleEvery(d time.Duration) time.Duration {
	return min(max(d/20, 100*time.Millisecond), time.Second).Round(100 * time.Millisecond)
}

// UsersJob is a closed-loop run (Locust's model): virtual users that log
// in once, then send a weighted request, wait for the answer, think, and
// send again. Their number follows Users; only requests are timed, never
// the think time or a login. Results go to the same files as an attack.
type UsersJob struct {
	Setup
	Users plan.UserPlan
	Wait  plan.Wait
	// Iterations stops each user after that many requests (0: no limit);
	// the run ends early when every user has finished.
	Iterations int
}

// SharedAccounts says how the plan's users share the accounts when they
// outnumber them ("" when each user has an account of its own, or none
// logs in): each user still logs in for a token of its own, but a server
// that limits sessions or requests per account sees several users as one.
// Users are given accounts round robin, over the shards too.
func (j *UsersJob) SharedAccounts() string {
	users, accounts := j.Users.Peak(), len(j.Credentials)
	if j.Scenario == nil || !j.Scenario.NeedsAuth() || accounts == 0 || users <= accounts {
		return ""
	}
	per := fmt.Sprint(users / accounts)
	if users%accounts != 0 {
		per += fmt.Sprintf("–%d", users/accounts+1)
	}
	return fmt.Sprintf("%d users share %d accounts (%s users per account, each logged in on its own): "+
		"a server that limits sessions or requests per account sees them as fewer users; give %d accounts (ragload prepare --users %d)",
		users, accounts, per, users, users)
}

// Run executes the job; see Job.Run for the error and report contract.
func (j *UsersJob) Run(ctx context.Context) (*results.Report, error) {
	if err := j.Users.Validate(); err != nil {
		return nil, err
	}
	shared := j.SharedAccounts() // of the whole plan, before a shard takes its part
	if j.Shard.Sharded() {
		j.Users = j.Users.Sharded(j.Shard)
		if j.Users.Peak() == 0 {
			return nil, fmt.Errorf("shard %s has no users: the plan's %d users are spread over %d shards", j.Shard, j.Users.Sharded(plan.Shard{}).Peak(), j.Shard.Count)
		}
	}
	if err := j.Wait.Validate(); err != nil {
		return nil, err
	}
	mix, err := j.check()
	if err != nil {
		return nil, err
	}
	m := j.manifest("users")
	if shared != "" {
		m.Warnings = append(m.Warnings, shared)
	}
	m.Plan.Description, m.Plan.Kind, m.Plan.Duration = j.Users.String(), "users", results.Duration(j.Users.Duration())
	for _, s := range j.Users.Stages {
		m.Plan.Stages = append(m.Plan.Stages, results.Stage{Duration: results.Duration(s.Duration), Target: s.Target})
	}
	m.Users = &results.UsersInfo{Planned: j.Users.Wanted(), Wait: j.Wait.String(), Iterations: j.Iterations}

	// One client for all users: idle keep-alive connections pass from user
	// to user, so connections follow the requests in flight, not the users.
	client, streams := j.Options.streamingClient()
	u := &usersRun{job: j, mix: mix, journeys: j.journeys, client: client, streams: streams, name: j.Options.Name}
	if j.Scenario.NeedsAuth() {
		if len(j.Credentials) == 0 {
			return nil, errors.New("the scenario needs a login but no credentials were given")
		}
		// A session per user slot; accounts are reused round-robin when
		// there are fewer than users (each user still gets its own token).
		creds := make([]auth.Credential, j.Control.slots(j.Users))
		for i := range creds {
			// Slot i of shard k is user i·N+k of the whole plan, so shards
			// do not share accounts while there are enough.
			global := i*max(j.Shard.Count, 1) + j.Shard.Index
			creds[i] = j.Credentials[global%len(j.Credentials)]
		}
		u.pool = auth.NewPool(u.client, j.Target, j.Scenario.Auth, creds)
		m.Auth.Mode, m.Auth.Users = "bearer", min(len(j.Credentials), len(creds))
		m.Scenario.Endpoints = append(m.Scenario.Endpoints, results.EndpointInfo{
			Key: "login", Name: LoginEndpoint, Method: http.MethodPost, Path: j.Scenario.Auth.LoginPath, Setup: true,
		})
	} else {
		m.Auth.Mode = "none"
	}
	rc, err := j.record(m, nil)
	if err != nil {
		return nil, err
	}
	u.checks = j.Options.checks.withMask(maskOf(u.pool))
	if j.Record != nil {
		u.record = newCapture(j.Record, m)
	}
	rc.started = u.started
	rc.live.Watch(func() metrics.Live {
		return metrics.Live{Sent: u.started(), InFlight: rc.inFlight(), Users: int(u.active.Load()), UsersTarget: int(u.target.Load())}
	})
	stopMonitor := j.startMonitor(rc)
	stopProgress := j.startProgress(rc, j.Users.Duration(), 0, func(p *Progress) { p.Users = int(u.active.Load()) })
	runErr := u.run(ctx, rc)
	stopProgress()
	stopMonitor()
	m.Sent = u.seq
	if u.pool != nil {
		rc.pool = u.pool // for the login counts
		if u.anonymous.Load() {
			m.Auth.Mode = "anonymous"
		}
	}
	if errors.Is(runErr, errFirstLogin) {
		// Nothing worth judging ran: report the login failure, as attack does.
		rc.finish(runErr, false)
		return nil, u.loginErr
	}
	// A signal after the plan's end (while the last requests finish) cuts
	// nothing short.
	return rc.finish(runErr, ctx.Err() != nil && !u.finishedEarly && !u.planDone)
}

// LoginEndpoint names the login rows of closed-loop runs.
const LoginEndpoint = "/auth/login"

var errFirstLogin = errors.New("the first login failed")

// usersRun is the state of one closed-loop run.
type usersRun struct {
	job      *UsersJob
	mix      *targets.Mix      // nil when the scenario has journeys
	journeys *targets.Journeys // nil without journeys
	// journeyID numbers the run's journeys (journey.SetMark).
	journeyID atomic.Uint64
	pool      *auth.Pool // nil without auth
	client    *http.Client
	streams   *stream.Transport // nil when no endpoint streams
	checks    *responseChecks   // nil when no endpoint has checks
	record    *capture          // nil unless the run is recorded
	start     time.Time
	name      string
	out       chan *vegeta.Result
	helpers   helpers

	seqMu    sync.Mutex
	seq      uint64
	lastSent time.Time // when request seq-1 left

	active        atomic.Int64 // users in their loop
	target        atomic.Int64 // users the plan asks for now
	finished      atomic.Int64 // users done with their iterations
	anonymous     atomic.Bool
	firstLogin    chan struct{} // closed when the first login has an outcome
	loginOnce     sync.Once
	loginErr      error
	finishedEarly bool
	planDone      bool // the plan ran its full duration
}

// next assigns the sequence number and timestamp of a request under one
// lock, as vegeta does, so that Seq order is timestamp order.
func (u *usersRun) next() (uint64, time.Time) {
	u.seqMu.Lock()
	defer u.seqMu.Unlock()
	s := u.seq
	u.seq++
	u.lastSent = time.Now()
	return s, u.lastSent
}

// sentLast is when the last request so far left (zero before the first).
func (u *usersRun) sentLast() time.Time {
	u.seqMu.Lock()
	defer u.seqMu.Unlock()
	return u.lastSent
}

// started is the number of requests (logins included) started so far.
func (u *usersRun) started() uint64 {
	u.seqMu.Lock()
	defer u.seqMu.Unlock()
	return u.seq
}

// write starts the goroutine that writes the results the users send on
// u.out, until it is closed; the returned channel then gives the first
// error writing, after which cancel was called.
func (u *usersRun) write(rc *recorder, cancel func()) <-chan error {
	u.out = make(chan *vegeta.Result, 4096)
	written := make(chan error, 1)
	emit := u.job.Control.observer(rc.emit)
	go func() {
		var err error
		for r := range u.out { // always drain: users block until read
			if r.Error != "" { // as results.Trim does for the open model
				r.Error = results.RedactURLs(r.Error)
			}
			if err == nil {
				if err = emit(r); err != nil {
					cancel() // stop the users; run returns err
				}
			}
		}
		written <- err
	}()
	return written
}

// run drives the users and writes their results until the plan ends, ctx
// ends, or every user has finished its iterations.
func (u *usersRun) run(ctx context.Context, rc *recorder) error {
	u.helpers.jobs = make(chan func())
	u.firstLogin = make(chan struct{})
	if u.pool == nil {
		u.loginOnce.Do(func() { close(u.firstLogin) })
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	written := u.write(rc, cancel)

	if !waitUntil(ctx, u.job.StartAt) {
		close(u.out)
		<-written
		rc.m.Users.Timeline = []results.UserSample{{}}
		return nil
	}
	start := time.Now()
	rc.m.Started, u.start = start, start
	tl, ctlErr := u.control(ctx, start)
	close(u.out)
	werr := <-written
	rc.m.Users.Timeline = tl
	rc.m.SendEnded = start.Add(time.Duration(tl[len(tl)-1].Offset))
	if werr != nil {
		return werr
	}
	return ctlErr
}

// control spawns and stops users to follow the plan and samples the
// timeline; at the end it stops every user and waits for their in-flight
// requests.
func (u *usersRun) control(ctx context.Context, start time.Time) ([]results.UserSample, error) {
	plan := u.job.Users
	var (
		wg      sync.WaitGroup
		running []chan struct{} // stop channels, a stack: slot i is running[i]
		spawned int64
		tl      []results.UserSample
	)
	spawn := func() {
		stop := make(chan struct{})
		slot := len(running)
		running = append(running, stop)
		spawned++
		wg.Add(1)
		go func(id uint64) { defer wg.Done(); u.user(stop, slot, id) }(uint64(spawned))
	}
	stopAll := func() {
		for _, stop := range running {
			close(stop)
		}
		running = nil
		wg.Wait()
	}
	sample := func(at time.Duration) {
		tl = append(tl, results.UserSample{Offset: results.Duration(at), Target: u.job.Control.target(plan, at), Active: int(u.active.Load())})
	}

	// The first user logs in before any other starts: a login that fails
	// (wrong password, wrong route) stops the run instead of failing once
	// per user.
	spawn()
	select {
	case <-u.firstLogin:
	case <-ctx.Done():
	}
	if u.loginErr != nil && !u.job.AllowAnonymous {
		stopAll()
		return []results.UserSample{{}}, errFirstLogin
	}

	// Samples sit on a fixed grid (0, every, 2·every, …, the end), so that
	// spans between them are exact.
	every := sampleEvery(plan.Duration())
	sample(0)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	nextSample := every
	for {
		el := time.Since(start)
		if el >= plan.Duration() {
			u.planDone = true
			break
		}
		if ctx.Err() != nil { // interrupted (or the results could not be written): spawn no one more
			sample(el)
			stopAll()
			return tl, nil
		}
		target := u.job.Control.target(plan, el)
		u.target.Store(int64(target))
		for len(running) < target {
			spawn()
		}
		for len(running) > target { // the newest users stop first
			close(running[len(running)-1])
			running = running[:len(running)-1]
		}
		if el >= nextSample {
			sample(nextSample)
			nextSample += every
		}
		if u.job.Iterations > 0 && u.finished.Load() == spawned && len(running) >= plan.Peak() {
			u.finishedEarly = true
			break
		}
		select {
		case <-ctx.Done(): // interrupted, or the results could not be written
			if el := time.Since(start); el < plan.Duration() {
				sample(el)
				stopAll()
				return tl, nil
			} // else the plan had ended before the signal: end it as planned
		case <-tick.C:
		}
	}
	if end := plan.Duration(); time.Since(start) >= end {
		sample(end)
	} else {
		sample(time.Since(start)) // all users finished their iterations early
	}
	stopAll()
	return tl, nil
}
