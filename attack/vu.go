package attack

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// helpers run the HTTP exchanges of virtual users. A user's goroutine only
// thinks and waits, so its stack stays small; the deep stacks of net/http
// live on as many helper goroutines as there are requests in flight. Like
// vegeta's workers, a new helper starts whenever none is idle, so a request
// never waits for one.
type helpers struct{ jobs chan func() }

// do runs fn on a helper and returns when it is done; done must be a
// channel of the caller with room for one value.
func (h *helpers) do(fn func(), done chan struct{}) {
	job := func() { fn(); done <- struct{}{} }
	select {
	case h.jobs <- job:
	default:
		go h.work(job)
	}
	<-done
}

// helperIdle is how long an idle helper waits for work before it exits.
const helperIdle = 10 * time.Second

func (h *helpers) work(job func()) {
	idle := time.NewTimer(helperIdle)
	defer idle.Stop()
	for {
		job()
		idle.Reset(helperIdle)
		select {
		case job = <-h.jobs:
		case <-idle.C:
			return
		}
	}
}

// pauser returns a pause of its caller's (not safe for concurrent use):
// it waits d and reports false, at once, when stop is closed.
func pauser(stop <-chan struct{}) func(d time.Duration) bool {
	var timer *time.Timer
	return func(d time.Duration) bool {
		if d <= 0 {
			select {
			case <-stop:
				return false
			default:
				return true
			}
		}
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		select {
		case <-stop:
			return false
		case <-timer.C:
			return true
		}
	}
}

// user is one virtual user: log in, then request, think, repeat, until
// stop is closed or its iterations are done. slot picks its account; id
// seeds its choices.
func (u *usersRun) user(stop <-chan struct{}, slot int, id uint64) {
	u.active.Add(1)
	defer u.active.Add(-1)
	rng := rand.New(rand.NewPCG(u.job.Seed, id))
	done := make(chan struct{}, 1)
	think := pauser(stop)

	var session *auth.Session
	var stamper *auth.Stamper
	needLogin := false
	if u.pool != nil && !u.anonymous.Load() {
		session = u.pool.Sessions()[slot]
		if u.mix != nil {
			stamper = auth.NewStamper(u.mix, session)
		}
		needLogin = true // a new user logs in, whatever the slot's last user held
	}
	for n := 0; u.job.Iterations == 0 || n < u.job.Iterations; {
		select {
		case <-stop:
			return
		default:
		}
		if session != nil && !u.anonymous.Load() && (needLogin || session.Expiring(time.Now())) {
			started := time.Now()
			ok := false
			u.helpers.do(func() { ok = u.login(session) }, done)
			if needLogin = !ok; needLogin {
				if !think(u.job.Wait.Pause(rng, started, time.Now()) + time.Second) {
					return
				}
				continue
			}
			select { // told to stop while logging in: no request after it
			case <-stop:
				return
			default:
			}
		}
		if u.journeys != nil {
			last, sentToken := u.runJourney(journeyStart{rng: rng, pause: think, token: sessionToken(session, &u.anonymous)})
			if last == nil {
				return // told to stop before the journey sent anything
			}
			n++
			if last.Code == http.StatusUnauthorized && sentToken {
				needLogin = true // a new token can cure it; not a 401 to a step that sent none
			}
			if !think(u.job.Wait.Pause(rng, last.Timestamp, time.Now())) {
				return
			}
			continue
		}
		i, b := u.mix.Pick(rng)
		var tgt vegeta.Target
		var stamp *targets.Stamp
		if stamper != nil && !u.anonymous.Load() {
			stamp = stamper.Stamp()
		}
		u.mix.Fill(&tgt, i, b, stamp)
		var r *vegeta.Result
		u.helpers.do(func() { r = u.hit(&tgt) }, done)
		u.out <- r
		n++
		if r.Code == http.StatusUnauthorized && stamp != nil && u.mix.Endpoint(i).Auth {
			needLogin = true // a new token can cure it; not a 401 to a request that sent none
		}
		if !think(u.job.Wait.Pause(rng, r.Timestamp, time.Now())) {
			return
		}
	}
	u.finished.Add(1)
}

// sessionToken returns the session's current token for a journey's
// requests ("" without a session, or once the run went anonymous).
func sessionToken(s *auth.Session, anonymous *atomic.Bool) func() string {
	return func() string {
		if s == nil || anonymous.Load() {
			return ""
		}
		if t := s.Token(); t != nil {
			return t.Value
		}
		return ""
	}
}

// login logs the session in as a recorded /auth/login request and reports
// whether it worked. The first login of the run decides whether the run
// goes on at all.
func (u *usersRun) login(s *auth.Session) bool {
	seq, ts := u.next()
	if u.record != nil {
		u.record.rec.Skip(seq) // replay logs in itself
	}
	err := u.pool.LoginNow(context.Background(), s)
	r := &vegeta.Result{
		Attack: u.name, Seq: seq, Timestamp: ts, Latency: time.Since(ts),
		Method: http.MethodPost, URL: u.pool.LoginURL(), Code: http.StatusOK,
	}
	if err != nil {
		r.Code, r.Error = 0, err.Error()
		var le *auth.LoginError
		if errors.As(err, &le) {
			r.Code = uint16(le.Code)
			if le.Status != "" && (le.Code < 200 || le.Code >= 400) {
				r.Error = le.Status
			} else if le.Err == nil {
				r.Error = le.Detail
			}
		}
	}
	u.out <- r
	u.loginOnce.Do(func() {
		if err != nil {
			u.loginErr = err
			if u.job.AllowAnonymous {
				u.anonymous.Store(true)
			}
		}
		close(u.firstLogin)
	})
	return err == nil
}

// hit sends one request and returns its result with vegeta's conventions:
// a status outside 200–399 sets Error to the status line; a transport
// error leaves Code 0. Only the exchange is timed.
func (u *usersRun) hit(tgt *vegeta.Target) *vegeta.Result {
	r, _ := u.exchange(tgt, false, nil)
	return r
}

// exchange is hit that, when needBody, also keeps the response's body (up
// to MaxBody) in the result and returns its header, for a journey's step
// to save variables from. When the run is recorded and hold is not nil,
// the request's entry is kept in hold instead of being recorded: a
// journey step records it once its response says what it saved
// (capture.add).
func (u *usersRun) exchange(tgt *vegeta.Target, needBody bool, hold *held) (*vegeta.Result, http.Header) {
	r := &vegeta.Result{Attack: u.name, Method: tgt.Method, URL: tgt.URL}
	req, err := tgt.Request()
	r.Seq, r.Timestamp = u.next()
	if err != nil {
		if u.record != nil {
			u.record.rec.Skip(r.Seq)
		}
		r.Error = err.Error()
		return r, nil
	}
	if u.streams != nil { // as vegeta does; the streaming timer finds the result by it
		req.Header.Set("X-Vegeta-Seq", strconv.FormatUint(r.Seq, 10))
	}
	if u.record != nil {
		e := entryOf(req, tgt.Body)
		e.Offset, e.Endpoint = r.Timestamp.Sub(u.start), u.record.name.Name(r)
		if hold != nil {
			*hold = held{seq: r.Seq, e: e, ok: true}
		} else if err := u.record.rec.Add(r.Seq, e); err != nil {
			r.Error = "record: " + err.Error()
			return r, nil
		}
	}
	if req.ContentLength > 0 {
		r.BytesOut = uint64(req.ContentLength)
	}
	resp, err := u.client.Do(req)
	if err != nil {
		r.Latency, r.Error = time.Since(r.Timestamp), err.Error()
		return r, nil
	}
	var n int64
	set := u.checks.of(tgt.Method, tgt.URL)
	if u.job.Options.KeepBodies || set != nil || needBody {
		r.Body, err = io.ReadAll(io.LimitReader(resp.Body, MaxBody))
		n = int64(len(r.Body))
	}
	if err == nil {
		var rest int64
		rest, err = io.Copy(io.Discard, resp.Body)
		n += rest
	}
	resp.Body.Close()
	r.Latency, r.BytesIn, r.Code = time.Since(r.Timestamp), uint64(n), uint16(resp.StatusCode)
	switch {
	case err != nil:
		r.Error = err.Error()
	case r.Code < 200 || r.Code >= 400:
		r.Error = resp.Status
	}
	var facts *checks.Stream
	if u.streams != nil {
		facts = u.streams.Record(r)
	}
	if set != nil {
		u.checks.judge(set, r, r.Body, facts)
	}
	if !u.job.Options.KeepBodies && !needBody {
		r.Body = nil
	}
	return r, resp.Header
}
