package attack

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/errkind"
	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/journey"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// The replay of a stream with sessions (recorded journeys: replay.Entry's
// Session). A session starts at its first entry's offset, as a journey of
// the open model starts at its due time (its lag is measured from it, and
// it may be dropped as a journey is); its later entries leave in order,
// each at its offset or, when later, as soon as the previous one's
// response is in. Each response gives the session's variables again from
// the recorded saves' sources, and they replace the recorded values in the
// later entries (replay.Entry.Substitute). A session ends like a journey:
// at the first entry whose request fails, whose checks fail, or whose
// value to save or to use is missing, with the reason in its last result
// (journey.SetEnd); the rest of its entries are not sent, and no
// longer planned. Its results carry the journey marks of a journey run.
// Entries without a session leave at their offsets, one request each.

// replaySession is what a running session has yet to send.
type replaySession struct {
	mu     sync.Mutex
	queue  []replay.Entry
	closed bool // no more entries will come
	failed bool // the session ended early: later entries are not sent
	wake   chan struct{}
}

func newReplaySession() *replaySession { return &replaySession{wake: make(chan struct{}, 1)} }

// push queues e; false when the session has ended early (e is not sent).
// last closes the session after e.
func (s *replaySession) push(e replay.Entry, last bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed {
		return false
	}
	s.queue = append(s.queue, e)
	s.closed = s.closed || last
	s.signal()
	return true
}

// close says that no more entries will come.
func (s *replaySession) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.signal()
}

// signal wakes next. Called with mu held.
func (s *replaySession) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// fail ends the session early and returns how many entries it had
// queued, which will not be sent.
func (s *replaySession) fail() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed = true
	n := len(s.queue)
	s.queue = nil
	return n
}

// next waits for the session's next entry: false when it has no more, or
// stop is closed first.
func (s *replaySession) next(stop <-chan struct{}) (replay.Entry, bool) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			e := s.queue[0]
			s.queue[0] = replay.Entry{}
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return e, true
		}
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return replay.Entry{}, false
		}
		select {
		case <-s.wake:
		case <-stop:
			return replay.Entry{}, false
		}
	}
}

// replayTargets makes the targets of a replay's entries: the run's URL
// joined to the entry's path, with a "#key" fragment naming the endpoint
// (a session's paths hold values of the run: its route is the stream's
// template, replay.Entry.Route).
type replayTargets struct {
	base string
	key  func(*replay.Entry) string
}

// url is the target URL of e, whose path may hold values substituted for
// orig's.
func (rt replayTargets) url(e, orig *replay.Entry) string {
	u := rt.base + e.URL
	if k := rt.key(orig); k != "" {
		u += "#" + k
	}
	return u
}

// replaySessions reads the player's entries and sends them: each at its
// offset from a.start; a new session (or an entry without one) as an
// arrival of the open model, at most a.limit running at once, waiting up
// to a.maxLag for room and dropped after; a known session's entries to its
// goroutine. At the end of the stream, or when ctx ends, the sessions
// running end as arrive's journeys do. cut counts the entries not sent
// because their session ended early (failed or dropped).
func (u *usersRun) replaySessions(ctx context.Context, p *replay.Player, rt replayTargets, a arrivalSetup, cut *atomic.Uint64) arrivals {
	g := newArrivalGate(ctx, a)
	sessions := map[string]*replaySession{}
	// end ends the replay: the sessions left end after what they have.
	end := func(interrupted bool) arrivals {
		for _, s := range sessions {
			s.close()
		}
		return g.end(interrupted)
	}
	var n uint64
	for {
		e, err := p.Next()
		if err != nil { // io.EOF: the end, or a source error for p.Err
			break
		}
		at := a.start.Add(e.Offset)
		if !g.wait(at) {
			return end(true)
		}
		if s, ok := sessions[e.Session]; ok && e.Session != "" {
			if !s.push(e, e.End != "") {
				cut.Add(1)
			}
			if e.End != "" {
				delete(sessions, e.Session)
			}
			continue
		}
		switch g.admit(at) {
		case interrupted:
			return end(true)
		case dropped: // a session's later entries are cut
			a.drop(&vegeta.Target{Method: e.Method, URL: rt.url(&e, &e)})
			if e.Session != "" && e.End == "" {
				s := newReplaySession()
				s.failed = true
				sessions[e.Session] = s
			}
			continue
		}
		var s *replaySession
		if e.Session != "" {
			s = newReplaySession()
			if e.End != "" {
				s.closed = true
			} else {
				sessions[e.Session] = s
			}
		}
		id := n
		g.run(func(stop <-chan struct{}) {
			u.replaySession(s, e, rt, at, func() string { return a.token(id) }, stop, cut)
		})
		n++
	}
	return end(false)
}

// replaySession sends e, and when s is not nil (e starts a session) the
// session's later entries in order, until it ends.
func (u *usersRun) replaySession(s *replaySession, e replay.Entry, rt replayTargets, due time.Time, token func() string, stop <-chan struct{}, cut *atomic.Uint64) {
	done := make(chan struct{}, 1)
	if s == nil {
		r, _ := u.replayStep(&e, nil, rt, token(), done, nil)
		results.SetLag(r, max(r.Timestamp.Sub(due), 0)) // from its due time to when it left
		u.out <- r
		return
	}
	vars := targets.Vars{}
	name := replay.SessionJourney(e.Session)
	id := u.journeyID.Add(1)
	for first := true; ; first = false {
		var h *held
		if u.record != nil {
			h = &held{}
		}
		r, reason := u.replayStep(&e, vars, rt, token(), done, h)
		if first {
			results.SetLag(r, max(r.Timestamp.Sub(due), 0))
		}
		journey.SetMark(r, name, id, e.Step)
		end := ""
		switch {
		case reason != "":
			end = fmt.Sprintf("step %d (%s): %s", e.Step+1, stepName(&e), reason)
		case e.End == journey.Ok:
			end = journey.Ok
		} // a step that failed when recorded and not now: the journey goes no further, unfinished
		if h != nil {
			h.e.Session, h.e.Step, h.e.End = name+"/"+strconv.FormatUint(id, 10), e.Step, end
			if u.record.add(h, r) != nil && reason == "" {
				reason = "not recorded"
				end = fmt.Sprintf("step %d (%s): %s", e.Step+1, stepName(&e), reason)
			}
		}
		if end != "" {
			journey.SetEnd(r, end)
		}
		u.out <- r
		if reason != "" {
			cut.Add(uint64(s.fail()))
			return
		}
		var ok bool
		if e, ok = s.next(stop); !ok {
			return
		}
	}
}

// stepName names an entry's step in a failure reason: its endpoint.
func stepName(e *replay.Entry) string {
	if e.Endpoint != "" {
		return e.Endpoint
	}
	return e.Method + " " + e.Route()
}

// replayStep sends entry e of a session whose variables are vars (nil: e
// has no session) with the session's values in place of the recorded
// ones, saves e's saves from the response into vars, and says why the
// session fails there ("" when it does not). With h (a recorded run), the
// request's entry is kept in h with what it saved and used.
func (u *usersRun) replayStep(e *replay.Entry, vars targets.Vars, rt replayTargets, token string, done chan struct{}, h *held) (*vegeta.Result, string) {
	sub, err := e.Substitute(vars)
	if err != nil {
		r := &vegeta.Result{Attack: u.name, Method: e.Method, URL: rt.url(e, e), Error: "journey: " + err.Error()}
		r.Seq, r.Timestamp = u.next()
		if u.record != nil {
			u.record.rec.Skip(r.Seq)
		}
		return r, err.Error()
	}
	tgt := vegeta.Target{Method: sub.Method, URL: rt.url(&sub, e), Body: sub.Body, Header: sub.Header}
	if sub.Auth && token != "" {
		h := sub.Header.Clone()
		if h == nil {
			h = make(http.Header, 1)
		}
		h.Set("Authorization", "Bearer "+token)
		tgt.Header = h
	}
	st := targets.Step{Save: make([]targets.Save, len(e.Saves))}
	for i, sv := range e.Saves {
		st.Save[i] = targets.Save{Var: sv.Var, From: sv.From}
	}
	var secret []string // the uses recorded as placeholders: their values stay out again
	for _, k := range slices.Sorted(maps.Keys(e.Uses)) {
		if e.Uses[k] == secretPlaceholder(k) {
			secret = append(secret, k)
		}
	}
	hidden := secretValues(secret, vars)
	var r *vegeta.Result
	var header http.Header
	u.helpers.do(func() { r, header = u.exchange(&tgt, st.NeedsBody(), h) }, done)
	if len(hidden) > 0 {
		r.URL, r.Error = auth.Mask(r.URL, hidden...), auth.Mask(r.Error, hidden...)
		if h != nil {
			redactEntry(&h.e, secret, vars, hidden)
		}
	}
	if h != nil {
		h.e.Uses = sub.Uses
		for _, k := range secret {
			h.e.Uses[k] = secretPlaceholder(k)
		}
	}
	body := r.Body
	if !u.job.Options.KeepBodies {
		r.Body = nil
	}
	switch {
	case vars == nil:
		return r, ""
	case results.Failed(r):
		return r, errkind.Of(r.Code, r.Error)
	case failedChecks(r):
		return r, "failed checks"
	}
	err = st.SaveFrom(vars, body, header)
	if h != nil {
		h.e.Saves = savesOf(st.Save, vars, err)
	}
	if err != nil {
		return r, err.Error()
	}
	return r, ""
}

// runSessions replays a stream with sessions (see replaySessions) on the
// open model's driver of arrivals; m.Planned is the stream's requests less
// those cut with their sessions.
func (j *ReplayJob) runSessions(ctx context.Context, m *results.Manifest) (*results.Report, error) {
	rt := replayTargets{base: strings.TrimRight(j.Target, "/"), key: replay.EndpointKeys(j.Info.Endpoints)}
	var cut atomic.Uint64
	return j.runArrivals(ctx, m, j.Player, func(ctx context.Context, u *usersRun, a arrivalSetup) arrivals {
		out := u.replaySessions(ctx, j.Player, rt, a, &cut)
		m.Planned = j.Player.Count() - min(cut.Load(), j.Player.Count())
		return out
	})
}
