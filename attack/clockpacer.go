package attack

import (
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/ragload/ragload/attack/plan"
)

// gate is what a clockPacer needs to hold requests back: the cap on
// requests in flight, how many there are, and what to do with a request it
// drops. A zero gate lets every request leave whenever it is due.
type gate struct {
	maxLag   time.Duration             // < 0: never drop for lateness
	limit    func(now time.Time) int64 // the cap on requests in flight; nil: none
	inFlight func() int64              // requests started and not yet emitted
	// onDrop is called, on the pacer's goroutine, for each request dropped.
	onDrop func()
}

// clockPacer wraps a Schedule as the pacer vegeta runs: it learns the
// attack's start (vegeta keeps it private: elapsed is measured from it, so
// began = now - elapsed on the first call), waits for each request's due
// time more precisely than time.Sleep, and holds each due request at the
// gate: it leaves if it is at most MaxLag late and a slot under the
// in-flight cap is free by then, and is dropped otherwise. vegeta's hit
// count then no longer equals the schedule's index, so the pacer keeps the
// due time of each request it let go, by vegeta's count (which becomes the
// result's Seq), for the driver to measure the lag.
type clockPacer struct {
	plan.Schedule
	gate gate
	quit <-chan struct{} // closed when the attack stops: waits end

	began atomic.Pointer[time.Time]
	ended atomic.Pointer[time.Time]
	// skipped is the number of schedule indexes dropped so far: request
	// hits+skipped of the schedule is vegeta's hit number hits. Pace runs
	// on one goroutine; late and capped are read by others.
	skipped      uint64
	late, capped atomic.Uint64
	// dues[seq&mask] is the due time of the request vegeta sends as seq
	// (noDue if it has none). Requests in flight are fewer than the ring's
	// length (twice the cap's ceiling), so a slot is read before it is
	// reused.
	dues []atomic.Int64
	mask uint64
	// overshoot estimates how late a sleep on timer wakes on this machine.
	overshoot lateness
	timer     *time.Timer
}

const noDue = math.MinInt64

func newClockPacer(s plan.Schedule, g gate, ceiling uint64, quit <-chan struct{}) *clockPacer {
	cp := &clockPacer{Schedule: s, gate: g, quit: quit}
	if !plan.IsUnbounded(s) {
		n := uint64(1024)
		for n < 2*ceiling+1024 {
			n *= 2
		}
		cp.dues, cp.mask = make([]atomic.Int64, n), n-1
	}
	return cp
}

// due returns when the request vegeta sent as seq was due, if it had a
// due time.
func (c *clockPacer) due(seq uint64) (time.Duration, bool) {
	if c.dues == nil {
		return 0, false
	}
	d := c.dues[seq&c.mask].Load()
	return time.Duration(d), d != noDue
}

// drops is what the gate has dropped so far.
func (c *clockPacer) drops() Drops { return Drops{Late: c.late.Load(), Capped: c.capped.Load()} }

// Pace implements vegeta.Pacer: it returns once the next request to send
// is due and may leave (wait 0), or stop.
func (c *clockPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if c.began.Load() == nil {
		b := time.Now().Add(-elapsed)
		c.began.Store(&b)
	}
	began := *c.began.Load()
	if c.dues == nil { // no due times: nothing to gate
		wait, stop := c.Schedule.Pace(elapsed, hits)
		if stop {
			c.stop(began)
		}
		return wait, stop
	}
	for {
		idx := hits + c.skipped
		wait, stop := c.Schedule.Pace(time.Since(began), idx)
		if stop {
			c.stop(began)
			return 0, true
		}
		due, _ := c.Schedule.Due(idx)
		if f, ok := c.Schedule.(interface{ Forget(uint64) }); ok {
			f.Forget(idx) // its due time is kept below, by vegeta's count
		}
		at := began.Add(due)
		if wait > 0 && !c.sleepUntil(at) {
			return 0, true // the attack stopped: vegeta sees stopch
		}
		if c.admit(at.Add(c.gate.maxLag)) {
			c.dues[hits&c.mask].Store(int64(due))
			return 0, false
		}
		c.skipped++
		if c.gate.onDrop != nil {
			c.gate.onDrop()
		}
	}
}

// admit reports whether a request may leave now: it is not later than
// deadline, and a slot under the in-flight cap is free or frees up before
// deadline. It counts a request it refuses.
func (c *clockPacer) admit(deadline time.Time) bool {
	g := c.gate
	if g.maxLag >= 0 && time.Now().After(deadline) {
		c.late.Add(1)
		return false
	}
	if g.limit == nil || g.inFlight() < g.limit(time.Now()) {
		return true
	}
	for g.inFlight() >= g.limit(time.Now()) {
		if g.maxLag >= 0 && time.Now().After(deadline) {
			c.capped.Add(1)
			return false
		}
		select {
		case <-c.quit:
			return true // vegeta stops at its next send
		case <-time.After(capPoll):
		}
	}
	return true
}

// capPoll is how often a request held at the in-flight cap looks for a
// free slot.
const capPoll = 100 * time.Microsecond

// stop records the end of sending: when the last request left, which is
// within the plan (a request is due before the plan ends) unless the
// generator fell behind; the plan's end otherwise.
func (c *clockPacer) stop(began time.Time) {
	end := began.Add(c.Duration())
	if now := time.Now(); now.After(end) {
		end = now
	}
	c.ended.CompareAndSwap(nil, &end)
}

// The pacer sleeps until each request's due time, and spins through the
// end of the wait only as far as the sleep's lateness would make the send
// later than lagTarget. time.Sleep wakes late by what the machine's timers
// allow: on Linux up to a millisecond (the Go runtime's poller waits in
// whole milliseconds), on coarser clocks several. Spinning through all of
// it, as ragload once did for a fixed millisecond, cost a tenth of a core
// at 100 requests a second, where vegeta, which does not spin, costs
// nothing; the lateness it saves is recorded as schedule lag either way,
// and the response time from the due time includes it.
const (
	// lagTarget is the lateness the pacer accepts from its sleep: the 1 ms
	// within which the two latency views count as agreeing.
	lagTarget = time.Millisecond
	// spinWindow bounds the spin: at most this (results.LateAfter), and at
	// most a quarter of the wait, so the pacer never spends more than a
	// quarter of a core on it, however high the rate.
	spinWindow = 5 * time.Millisecond
)

// sleepUntil waits until at. The sleep's lateness feeds a running estimate
// of its 90th percentile (mean plus 1.3 mean deviations, each a moving
// average over some 16 sleeps), and the spin covers what that estimate
// exceeds lagTarget by. It returns false if the attack stopped first.
func (c *clockPacer) sleepUntil(at time.Time) bool {
	wait := time.Until(at)
	spin := min(max(c.overshoot.p90()-lagTarget, 0), spinWindow, wait/4)
	if sleep := wait - spin; sleep > 0 {
		wake := time.Now().Add(sleep)
		if c.timer == nil {
			c.timer = time.NewTimer(sleep)
		} else {
			c.timer.Reset(sleep) // since Go 1.23 no stale value can be left in C
		}
		select {
		case <-c.quit:
			c.timer.Stop()
			return false
		case <-c.timer.C:
		}
		c.overshoot.add(time.Since(wake))
	}
	for spin > 0 && time.Now().Before(at) {
		runtime.Gosched()
	}
	return true
}

// lateness is a running estimate of how late a sleep wakes.
type lateness struct{ mean, dev time.Duration }

func (l *lateness) add(d time.Duration) {
	l.mean += (d - l.mean) / 16
	l.dev += (max(d-l.mean, l.mean-d) - l.dev) / 16
}

func (l *lateness) p90() time.Duration { return l.mean + l.dev*13/10 }
