package plan

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// Steered follows its schedule until the rate is changed; from then
// on requests are due evenly at the new rate, from the request and the
// moment of the change. Due stays exact for every request, so the lag and
// the latency from the scheduled send are measured as for any plan.
type Steered struct {
	Schedule
	take func() (float64, bool) // a rate asked for since the last call

	mu   sync.Mutex
	segs []rateSegment // in order of h0 and t0
}

// Steer wraps s so that a rate take returns (asked before each request)
// replaces the plan's from then on; an unbounded schedule, which has no
// rate, is returned as it is.
func Steer(s Schedule, take func() (float64, bool)) Schedule {
	if _, unbounded := s.(unboundedPacer); unbounded {
		return s
	}
	return &Steered{Schedule: s, take: take}
}

type rateSegment struct {
	h0   uint64        // the first request at the new rate
	t0   time.Duration // when it is due
	rate float64
}

// Pace implements vegeta.Pacer.
func (sp *Steered) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if r, ok := sp.take(); ok {
		sp.mu.Lock()
		sp.segs = append(sp.segs, rateSegment{h0: hits, t0: elapsed, rate: r})
		sp.mu.Unlock()
	}
	due, ok := sp.Due(hits)
	return paceAt(elapsed, due, ok)
}

// last is the latest change, if any.
func (sp *Steered) last() (rateSegment, bool) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if len(sp.segs) == 0 {
		return rateSegment{}, false
	}
	return sp.segs[len(sp.segs)-1], true
}

// Changes says how the rate was changed while the run went on, to follow
// the plan's description: "; rate set to 30/s at 2.1s, 50/s at 4s", or ""
// when it was not.
func (sp *Steered) Changes() string {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if len(sp.segs) == 0 {
		return ""
	}
	parts := make([]string, len(sp.segs))
	for i, s := range sp.segs {
		parts[i] = fmt.Sprintf("%s/s at %s", fmtRate(s.rate), s.t0.Round(100*time.Millisecond))
	}
	return "; rate set to " + strings.Join(parts, ", ")
}

// Due implements Schedule.
func (sp *Steered) Due(n uint64) (time.Duration, bool) {
	sp.mu.Lock()
	segs := sp.segs
	sp.mu.Unlock()
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if n < s.h0 {
			continue
		}
		due := s.t0 + time.Duration(float64(n-s.h0)/s.rate*float64(time.Second))
		if due >= sp.Duration() {
			return 0, false
		}
		return due, true
	}
	return sp.Schedule.Due(n)
}

// Count implements Schedule: the plan's count, or the requests before the
// last change plus those due at its rate until the end.
func (sp *Steered) Count() uint64 {
	s, ok := sp.last()
	if !ok {
		return sp.Schedule.Count()
	}
	return s.h0 + uint64(math.Ceil(s.rate*(sp.Duration()-s.t0).Seconds()-1e-9))
}

// Rate implements vegeta.Pacer.
func (sp *Steered) Rate(elapsed time.Duration) float64 {
	if s, ok := sp.last(); ok && elapsed >= s.t0 {
		return s.rate
	}
	return sp.Schedule.Rate(elapsed)
}
