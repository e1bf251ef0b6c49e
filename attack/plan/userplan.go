package plan

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// UserStage is a piece of a user plan: the number of virtual users moves
// linearly to Target over Duration (k6's ramping-vus).
type UserStage struct {
	Duration time.Duration
	Target   float64
}

// UserPlan is the number of virtual users over time: it starts at 0 and
// follows Stages. Spawn builds Locust's shape (a spawn rate, then a hold).
type UserPlan struct {
	Kind   string // spawn | stages
	Stages []UserStage
	// Asked is the user count asked for, which a spawn ramp cut short by
	// the end of the run never reaches; 0 means the peak of the stages.
	Asked int
	// shard, when set, makes the plan this generator's share of the users.
	shard Shard
}

// Sharded returns the plan of one shard: at every moment its share of the
// whole plan's users, spread as evenly as possible.
func (p UserPlan) Sharded(s Shard) UserPlan {
	p.shard = s
	return p
}

// Spawn is Locust's shape: users start at spawnRate per second up to
// users, which then run until runTime.
func Spawn(users int, spawnRate float64, runTime time.Duration) UserPlan {
	ramp := time.Millisecond // a spawn rate of 0 or less starts everyone at once
	if spawnRate > 0 {
		ramp = max(time.Duration(float64(users)/spawnRate*float64(time.Second)), ramp)
	}
	if ramp >= runTime { // the ramp is cut short by the end of the run
		return UserPlan{Kind: "spawn", Asked: users, Stages: []UserStage{{runTime, spawnRate * runTime.Seconds()}}}
	}
	return UserPlan{Kind: "spawn", Asked: users, Stages: []UserStage{{ramp, float64(users)}, {runTime - ramp, float64(users)}}}
}

// StagedUsers follows stages from zero users.
func StagedUsers(stages []UserStage) UserPlan { return UserPlan{Kind: "stages", Stages: stages} }

// Validate rejects plans without users or time.
func (p UserPlan) Validate() error {
	if len(p.Stages) == 0 {
		return errors.New("the user plan has no stages")
	}
	for i, s := range p.Stages {
		if s.Duration <= 0 {
			return fmt.Errorf("stage %d: duration %s must be > 0", i+1, s.Duration)
		}
		if s.Target < 0 || math.IsNaN(s.Target) || s.Target > 1e6 {
			return fmt.Errorf("stage %d: %g users is outside 0–1000000", i+1, s.Target)
		}
	}
	if p.Peak() < 1 {
		return errors.New("the plan never runs a user")
	}
	return nil
}

// Duration is the plan's length.
func (p UserPlan) Duration() time.Duration {
	var d time.Duration
	for _, s := range p.Stages {
		d += s.Duration
	}
	return d
}

// Peak is the most users the plan runs at once.
func (p UserPlan) Peak() int {
	peak := 0.0
	for _, s := range p.Stages {
		peak = max(peak, s.Target)
	}
	return p.shard.Split(int(math.Ceil(peak - 1e-9)))
}

// Wanted is the user count asked for: Asked, or the peak of the stages.
func (p UserPlan) Wanted() int {
	if p.Asked > 0 {
		return p.shard.Split(p.Asked)
	}
	return p.Peak()
}

// Users is how many users should be running at elapsed: the linear
// target rounded up, so the first user starts at once.
func (p UserPlan) Users(elapsed time.Duration) int {
	from := 0.0
	var at time.Duration
	for _, s := range p.Stages {
		if elapsed < at+s.Duration {
			f := float64(elapsed-at) / float64(s.Duration)
			return p.shard.Split(int(math.Ceil(from + (s.Target-from)*f - 1e-9)))
		}
		from, at = s.Target, at+s.Duration
	}
	return 0
}

func (p UserPlan) String() string {
	if p.Kind == "spawn" {
		n, d := p.Peak(), p.Duration()
		if len(p.Stages) == 2 {
			if p.Stages[0].Duration <= time.Millisecond {
				return fmt.Sprintf("%d users, all at once, for %s", n, d)
			}
			rate := p.Stages[0].Target / p.Stages[0].Duration.Seconds()
			return fmt.Sprintf("%d users, spawn %s/s, for %s", n, fmtRate(rate), d)
		}
		return fmt.Sprintf("%d users, of which %d can spawn before the end at %s", p.Wanted(), n, d)
	}
	parts := []string{"from 0"}
	for _, s := range p.Stages {
		parts = append(parts, fmt.Sprintf("→%s users in %s", fmtRate(s.Target), s.Duration))
	}
	return "user stages " + strings.Join(parts, ", ")
}

// Wait is the think time of a virtual user between requests (Locust's
// wait_time).
type Wait struct {
	Kind     string        // between | constant | pacing
	Min, Max time.Duration // between: uniform in [Min, Max]; constant and pacing: Min
}

// Wait kinds.
const (
	WaitBetween  = "between"  // a uniform pause after each request
	WaitConstant = "constant" // the same pause after each request
	WaitPacing   = "pacing"   // a fixed start-to-start interval (constant_pacing)
)

// Between is a uniform pause in [min, max] after each request.
func Between(min, max time.Duration) Wait { return Wait{Kind: WaitBetween, Min: min, Max: max} }

// ConstantWait is the same pause after each request.
func ConstantWait(d time.Duration) Wait { return Wait{Kind: WaitConstant, Min: d, Max: d} }

// Pacing starts a request every interval (if the last one finished),
// Locust's constant_pacing.
func Pacing(interval time.Duration) Wait { return Wait{Kind: WaitPacing, Min: interval, Max: interval} }

// Throughput is Locust's constant_throughput: perSecond requests per second
// per user at most, which is pacing at 1/perSecond.
func Throughput(perSecond float64) Wait {
	return Pacing(time.Duration(float64(time.Second) / perSecond))
}

// Validate rejects negative or inverted waits.
func (w Wait) Validate() error {
	switch {
	case w.Kind != WaitBetween && w.Kind != WaitConstant && w.Kind != WaitPacing:
		return fmt.Errorf("wait kind %q isn't one of [between constant pacing]", w.Kind)
	case w.Min < 0 || w.Max < w.Min:
		return fmt.Errorf("wait %s: want 0 ≤ min ≤ max", w)
	}
	return nil
}

func (w Wait) String() string {
	switch w.Kind {
	case WaitBetween:
		return fmt.Sprintf("between %s and %s", w.Min, w.Max)
	case WaitPacing:
		return fmt.Sprintf("pacing every %s", w.Min)
	}
	return fmt.Sprintf("constant %s", w.Min)
}

// Pause is how long to think after a request that started at started and
// ended at now.
func (w Wait) Pause(rng *rand.Rand, started, now time.Time) time.Duration {
	switch w.Kind {
	case WaitBetween:
		if w.Max > w.Min {
			return w.Min + time.Duration(rng.Int64N(int64(w.Max-w.Min)+1))
		}
		return w.Min
	case WaitPacing:
		return max(started.Add(w.Min).Sub(now), 0)
	}
	return w.Min
}
