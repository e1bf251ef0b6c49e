package plan

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// MaxRate bounds any planned rate, so that a typo does not become an
// unbounded flood of goroutines.
const MaxRate = 1e6

// Stage is a piece of a plan: the arrival rate moves linearly from where
// the previous stage ended to Target (requests per second) over Duration.
type Stage struct {
	Duration time.Duration
	Target   float64
}

// Plan is a piecewise-linear arrival rate: it starts at StartRate and
// follows Stages (k6's ramping-arrival-rate). Constant and Ramp build the
// common cases.
type Plan struct {
	Kind      string // constant | ramp | stages
	StartRate float64
	Stages    []Stage
}

// Constant is rate requests per second for d.
func Constant(rate float64, d time.Duration) Plan {
	return Plan{Kind: "constant", StartRate: rate, Stages: []Stage{{d, rate}}}
}

// Ramp moves linearly from one rate to another over d.
func Ramp(from, to float64, d time.Duration) Plan {
	return Plan{Kind: "ramp", StartRate: from, Stages: []Stage{{d, to}}}
}

// Staged starts at start and follows stages.
func Staged(start float64, stages []Stage) Plan {
	return Plan{Kind: "stages", StartRate: start, Stages: stages}
}

// KindUnbounded is the Kind of an Unbounded plan.
const KindUnbounded = "unbounded"

// Unbounded is vegeta's -rate=0 for d: each request leaves as soon as one
// of the run's attack.Options.MaxWorkers workers is free, so the achieved rate is
// what the workers and the server allow. It is a closed loop without think
// time rather than an open model: requests have no due time, so no schedule
// lag is recorded and a slow server slows the load down (latency counts from
// the actual send, as vegeta's does). For measuring a generator's or a
// server's top speed, not for judging latency under a planned load.
func Unbounded(d time.Duration) Plan {
	return Plan{Kind: KindUnbounded, Stages: []Stage{{d, 0}}}
}

// Unbounded reports whether the plan sends as fast as the workers go.
func (p Plan) Unbounded() bool { return p.Kind == KindUnbounded }

// Validate rejects plans that would send nothing, run forever, or mean an
// "infinite" rate (vegeta's zero rate).
func (p Plan) Validate() error {
	if len(p.Stages) == 0 {
		return errors.New("the plan has no stages")
	}
	if p.Unbounded() {
		if len(p.Stages) != 1 || p.Stages[0].Duration <= 0 {
			return fmt.Errorf("an unbounded plan needs one duration > 0, got %s", p.Duration())
		}
		return nil
	}
	if p.StartRate < 0 || p.StartRate > MaxRate || math.IsNaN(p.StartRate) {
		return fmt.Errorf("start rate %g is outside 0–%g/s", p.StartRate, float64(MaxRate))
	}
	for i, s := range p.Stages {
		if s.Duration <= 0 {
			return fmt.Errorf("stage %d: duration %s must be > 0", i+1, s.Duration)
		}
		if s.Target < 0 || s.Target > MaxRate || math.IsNaN(s.Target) {
			return fmt.Errorf("stage %d: rate %g is outside 0–%g/s", i+1, s.Target, float64(MaxRate))
		}
	}
	if p.Hits() < 1 {
		return fmt.Errorf("the plan %s sends no requests (rate × duration < 1)", p)
	}
	return nil
}

// Duration is the plan's total length.
func (p Plan) Duration() time.Duration {
	var d time.Duration
	for _, s := range p.Stages {
		d += s.Duration
	}
	return d
}

// Hits is the expected number of requests: the integral of the rate.
func (p Plan) Hits() float64 {
	h, from := 0.0, p.StartRate
	for _, s := range p.Stages {
		h += (from + s.Target) / 2 * s.Duration.Seconds()
		from = s.Target
	}
	return h
}

// Count is the number of requests the plan sends (0 for an Unbounded
// plan, which has no count).
func (p Plan) Count() uint64 { return uint64(math.Ceil(p.Hits() - 1e-9)) }

func (p Plan) String() string {
	switch {
	case p.Unbounded():
		return fmt.Sprintf("unbounded rate for %s", p.Duration())
	case p.Kind == "constant" && len(p.Stages) == 1:
		return fmt.Sprintf("constant %s/s for %s", fmtRate(p.StartRate), p.Stages[0].Duration)
	case p.Kind == "ramp" && len(p.Stages) == 1:
		return fmt.Sprintf("ramp %s→%s/s over %s", fmtRate(p.StartRate), fmtRate(p.Stages[0].Target), p.Stages[0].Duration)
	}
	parts := []string{fmt.Sprintf("from %s/s", fmtRate(p.StartRate))}
	for _, s := range p.Stages {
		parts = append(parts, fmt.Sprintf("→%s/s in %s", fmtRate(s.Target), s.Duration))
	}
	return "stages " + strings.Join(parts, ", ")
}

func fmtRate(r float64) string { return fmt.Sprintf("%g", math.Round(r*1000)/1000) }

// Schedule is a vegeta.Pacer that also knows when each request is due,
// which the driver uses to measure the schedule lag.
type Schedule interface {
	vegeta.Pacer
	// Due returns when request n is due, as an offset from the start;
	// false once n is past the plan. Safe for concurrent use.
	Due(n uint64) (time.Duration, bool)
	// Count is the number of requests the schedule sends.
	Count() uint64
	// Duration is the schedule's length.
	Duration() time.Duration
}

var _ Schedule = (*Pacer)(nil)

// Pacer sends the requests of a Plan at their due times. It implements
// vegeta.Pacer and also tells when any request was due, which the driver
// uses to measure the schedule lag. Request n is due when the integral of
// the rate reaches n, so the first is due at once.
type Pacer struct {
	plan   Plan
	starts []time.Duration // stage start offsets
	cum    []float64       // hits before each stage
	count  uint64
}

var _ vegeta.Pacer = (*Pacer)(nil)

// NewPacer returns a pacer for a valid plan.
func NewPacer(p Plan) *Pacer {
	pc := &Pacer{plan: p, count: p.Count()}
	var at time.Duration
	h, from := 0.0, p.StartRate
	for _, s := range p.Stages {
		pc.starts = append(pc.starts, at)
		pc.cum = append(pc.cum, h)
		h += (from + s.Target) / 2 * s.Duration.Seconds()
		from = s.Target
		at += s.Duration
	}
	return pc
}

// Count is the number of requests the pacer will send.
func (pc *Pacer) Count() uint64 { return pc.count }

// Duration is the plan's length.
func (pc *Pacer) Duration() time.Duration { return pc.plan.Duration() }

// Due returns when request n is due, as an offset from the start; false
// once n is past the plan.
func (pc *Pacer) Due(n uint64) (time.Duration, bool) {
	if n >= pc.count {
		return 0, false
	}
	return pc.at(float64(n)), true
}

// at inverts the integral of the rate: the offset at which h requests have
// become due.
func (pc *Pacer) at(h float64) time.Duration {
	k := sort.Search(len(pc.cum), func(i int) bool { return pc.cum[i] > h }) - 1
	// Skip stages that hold no hits (a zero-rate hold) so h lands in one
	// that does; k is never -1 because cum[0] is 0.
	for k+1 < len(pc.cum) && pc.cum[k+1] <= h {
		k++
	}
	s := pc.plan.Stages[k]
	r0 := pc.plan.StartRate
	if k > 0 {
		r0 = pc.plan.Stages[k-1].Target
	}
	slope := (s.Target - r0) / s.Duration.Seconds()
	x := 0.0 // seconds into the stage where the integral reaches h
	if dh := h - pc.cum[k]; dh > 0 {
		// Solve r0·x + slope·x²/2 = dh in its cancellation-free form.
		x = 2 * dh / (r0 + math.Sqrt(max(r0*r0+2*slope*dh, 0)))
	}
	return min(pc.starts[k]+time.Duration(x*float64(time.Second)), pc.plan.Duration())
}

// Pace implements vegeta.Pacer.
func (pc *Pacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	due, ok := pc.Due(hits)
	return paceAt(elapsed, due, ok)
}

// paceAt is vegeta's Pace answer at elapsed for a next hit due at due (ok
// false: the schedule has no more hits): the wait, or stop.
func paceAt(elapsed, due time.Duration, ok bool) (time.Duration, bool) {
	switch {
	case !ok:
		return 0, true
	case due <= elapsed:
		return 0, false // behind schedule: send now; the lag is measured
	}
	return due - elapsed, false
}

// Rate implements vegeta.Pacer: the planned rate at elapsed.
func (pc *Pacer) Rate(elapsed time.Duration) float64 {
	from := pc.plan.StartRate
	for i, s := range pc.plan.Stages {
		if end := pc.starts[i] + s.Duration; elapsed < end {
			f := float64(elapsed-pc.starts[i]) / float64(s.Duration)
			return from + (s.Target-from)*f
		}
		from = s.Target
	}
	return 0
}

// Arrival processes of an open-model plan.
const (
	ArrivalsEven    = "even"    // exactly 1/rate apart
	ArrivalsPoisson = "poisson" // exponential gaps with mean 1/rate, seeded
)

// NewSchedule returns the pacer of plan p with the arrivals (ArrivalsEven,
// "" too, or ArrivalsPoisson) of shard sh, Poisson arrivals drawn from
// seed. Each shard of an unbounded plan runs flat out on its own.
func NewSchedule(p Plan, arrivals string, sh Shard, seed uint64) (Schedule, error) {
	if p.Unbounded() {
		if arrivals == ArrivalsPoisson {
			return nil, errors.New("an unbounded plan has no rate to draw Poisson arrivals from")
		}
		return unboundedPacer{p.Duration()}, nil
	}
	switch arrivals {
	case "", ArrivalsEven:
		if sh.Sharded() {
			return newShardPacer(p, sh), nil
		}
		return NewPacer(p), nil
	case ArrivalsPoisson:
		if sh.Sharded() {
			// Independent Poisson streams at rate/N add up to one at the rate.
			return NewPoissonPacer(p.scale(1/float64(sh.Count)), seed^(uint64(sh.Index+1)*0x9e3779b97f4a7c15)), nil
		}
		return NewPoissonPacer(p, seed), nil
	}
	return nil, fmt.Errorf("arrivals %q isn't one of [even poisson]", arrivals)
}
