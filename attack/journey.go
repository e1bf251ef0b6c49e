package attack

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/internal/errkind"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/journey"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// A journey is a sequence of steps one user runs in order, carrying
// variables from responses to later requests (the scenario's journeys:).
// Each step's result is an ordinary result of its endpoint, marked with
// the journey, its instance and the step (journey.SetMark); the
// journey's last result also says how it ended (journey.SetEnd): "ok",
// or why it failed. A journey cut short by the end of the run or a signal
// has no end: the report counts it unfinished, not failed.

// between draws an int in [lo, hi].
func between(rng *rand.Rand, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + rng.IntN(hi-lo+1)
}

// pauseBetween draws a duration in [lo, hi].
func pauseBetween(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
}

// journeyStart is how a journey starts: when it was due (open model) and
// how to pause (false once the run tells its users to stop).
type journeyStart struct {
	rng   *rand.Rand
	pause func(time.Duration) bool
	token func() string
	due   time.Time // when the journey was due (open model; zero for users)
}

// runJourney runs one journey, drawn by weight, until its end, its first
// failure, or a stop. Each result goes to u.out as its step completes. It
// returns the journey's last result (nil when it sent nothing) and whether
// that request carried a token (its endpoint has auth and the user had
// one): only then can a 401 be cured by logging in again. A recorded run
// records each step's request with the journey's session, what the step
// saved and used, and how the journey ended (replay.Entry).
func (u *usersRun) runJourney(js journeyStart) (last *vegeta.Result, sentToken bool) {
	j := u.journeys.Pick(js.rng)
	jr := u.journeys.Journey(j)
	id := u.journeyID.Add(1)
	vars := targets.Vars{}
	done := make(chan struct{}, 1)
	secret := u.secretVars(jr)
	first := true
	for s := range jr.Steps {
		st := &jr.Steps[s]
		runs := between(js.rng, st.Repeat[0], st.Repeat[1])
		for k := 0; k < runs; k++ {
			if !js.pause(pauseBetween(js.rng, st.Think[0], st.Think[1])) {
				return last, sentToken
			}
			var deadline time.Time
			if st.Until != nil {
				deadline = time.Now().Add(st.Until.Within)
			}
			for {
				var h *held
				var uses map[string]string
				if u.record != nil { // what the request uses, before the step saves anew
					h, uses = &held{}, u.record.uses(u.journeys.Uses(j, s), vars, secret)
				}
				hidden := secretValues(secret, vars) // those the request may carry, before the step saves anew
				r, reason, polling := u.journeyStep(st, j, s, vars, js, done, h)
				if len(hidden) > 0 {
					r.URL, r.Error = auth.Mask(r.URL, hidden...), auth.Mask(r.Error, hidden...)
					if h != nil {
						redactEntry(&h.e, secret, vars, hidden)
					}
				}
				if first && !js.due.IsZero() { // how late its first request left
					results.SetLag(r, max(r.Timestamp.Sub(js.due), 0))
				}
				first = false
				journey.SetMark(r, jr.Name, id, s)
				if polling && time.Now().Add(st.Until.Every).After(deadline) {
					polling, reason = false, fmt.Sprintf("not ready within %s", st.Until.Within)
				}
				end := ""
				switch {
				case reason != "":
					end = fmt.Sprintf("step %d (%s): %s", s+1, st.Endpoint, reason)
				case !polling && s == len(jr.Steps)-1 && k == runs-1:
					end = journey.Ok
				}
				if h != nil {
					h.e.Session, h.e.Step, h.e.Uses, h.e.End = jr.Name+"/"+strconv.FormatUint(id, 10), s, uses, end
					if u.record.add(h, r) != nil && reason == "" {
						polling, reason = false, "not recorded"
						end = fmt.Sprintf("step %d (%s): %s", s+1, st.Endpoint, reason)
					}
				}
				if end != "" {
					journey.SetEnd(r, end)
				}
				u.out <- r
				last, sentToken = r, u.journeys.Endpoint(j, s).Auth && js.token() != ""
				if reason != "" {
					return last, sentToken
				}
				if !polling {
					break
				}
				if !js.pause(st.Until.Every) {
					return last, sentToken
				}
			}
		}
	}
	return last, sentToken
}

// journeyStep sends one run of step s and says why it failed the journey
// ("" when it did not), or that its until condition is not met yet. With
// h (a recorded run), the request's entry is kept in h with what the step
// saved.
func (u *usersRun) journeyStep(st *targets.Step, j, s int, vars targets.Vars, js journeyStart, done chan struct{}, h *held) (r *vegeta.Result, reason string, polling bool) {
	var tgt vegeta.Target
	if err := u.journeys.Target(&tgt, j, s, vars, js.rng, js.token()); err != nil {
		r = &vegeta.Result{Attack: u.name, Method: tgt.Method, URL: tgt.URL, Error: "journey: " + err.Error()}
		r.Seq, r.Timestamp = u.next()
		if u.record != nil {
			u.record.rec.Skip(r.Seq)
		}
		return r, err.Error(), false
	}
	var header http.Header
	u.helpers.do(func() { r, header = u.exchange(&tgt, st.NeedsBody(), h) }, done)
	body := r.Body
	if !u.job.Options.KeepBodies {
		r.Body = nil
	}
	switch {
	case results.Failed(r):
		return r, errkind.Of(r.Code, r.Error), false
	case failedChecks(r):
		return r, "failed checks", false
	}
	err := st.SaveFrom(vars, body, header)
	if h != nil {
		h.e.Saves = savesOf(st.Save, vars, err)
	}
	if err != nil {
		return r, err.Error(), false
	}
	return r, "", st.Until != nil && !st.Until.Met(body)
}

// failedChecks reports whether r failed some of its endpoint's checks.
func failedChecks(r *vegeta.Result) bool {
	failed, _ := checks.Recorded(r)
	return len(failed) > 0
}
