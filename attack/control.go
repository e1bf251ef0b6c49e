package attack

import (
	"math"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack/plan"
)

// Control steers a run while it goes on (the user count of a closed-loop
// run, the rate of an open-model one) and lets a caller watch its results
// as they are recorded: the web dashboard's live channel. Make one with
// NewControl and set it as Setup.Control. A nil *Control changes nothing.
type Control struct {
	// MaxUsers bounds SetUsers; the run keeps an account slot for each of
	// them. 0 means the plan's peak.
	MaxUsers int

	observe func(*vegeta.Result)

	mu      sync.Mutex
	users   int           // the target asked for; -1 while the plan rules
	from    int           // the plan's target when it was asked for
	at      time.Duration // when it was asked for, from the start
	pending bool          // asked for, not yet seen by the run
	asked   int
	last    int // the last target the run aimed at

	rate        float64 // asked for by SetRate; 0: the plan's
	ratePending bool
}

// NewControl returns a Control whose observe (which may be nil) sees every
// result after it is written, from a single goroutine: it must be quick.
func NewControl(maxUsers int, observe func(*vegeta.Result)) *Control {
	return &Control{MaxUsers: maxUsers, observe: observe, users: -1}
}

// SetUsers makes the running users move to n (clamped to 0…MaxUsers, or
// the plan's peak when that is higher) at
// the plan's spawn rate and stay there until the plan ends.
func (c *Control) SetUsers(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked, c.pending = max(n, 0), true
}

// Users is the target user count asked for by SetUsers, and whether one was.
func (c *Control) Users() (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending {
		return c.asked, true
	}
	return c.users, c.users >= 0
}

// slots is how many account slots a run with plan needs.
func (c *Control) slots(plan plan.UserPlan) int {
	if c == nil {
		return plan.Peak()
	}
	return max(plan.Peak(), c.MaxUsers)
}

// target is the user count at elapsed: the plan's, or a move from the
// plan's count at the change to the asked-for count, at the plan's spawn
// rate (at once when the plan has none).
func (c *Control) target(plan plan.UserPlan, elapsed time.Duration) int {
	if c == nil {
		return plan.Users(elapsed)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = c.targetLocked(plan, elapsed)
	return c.last
}

// Target is the user count the run aimed at last (0 before it starts).
func (c *Control) Target() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

func (c *Control) targetLocked(plan plan.UserPlan, elapsed time.Duration) int {
	planned := plan.Users(elapsed)
	if elapsed >= plan.Duration() {
		return planned
	}
	if c.pending {
		if c.users >= 0 { // a second change starts from where the first got to
			planned = c.moved(plan, elapsed)
		}
		c.pending = false
		c.users, c.from, c.at = c.asked, planned, elapsed
		c.users = min(c.users, c.slots(plan)) // a user needs an account slot
	}
	if c.users < 0 {
		return planned
	}
	return c.moved(plan, elapsed)
}

// moved is the count at elapsed on the way from c.from to c.users.
func (c *Control) moved(plan plan.UserPlan, elapsed time.Duration) int {
	if elapsed < c.at {
		// A sample taken before the change but read after it (the
		// timeline and the users ask from their own goroutines).
		return c.from
	}
	rate := spawnRate(plan)
	if rate <= 0 {
		return c.users
	}
	step := int(math.Floor(rate*(elapsed-c.at).Seconds())) + 1
	if c.users > c.from {
		return min(c.from+step, c.users)
	}
	return max(c.from-step, c.users)
}

// spawnRate is the plan's users per second in its first stage, 0 when
// they all start at once.
func spawnRate(plan plan.UserPlan) float64 {
	if len(plan.Stages) == 0 || plan.Stages[0].Duration <= time.Millisecond {
		return 0
	}
	return plan.Stages[0].Target / plan.Stages[0].Duration.Seconds()
}

// observer wraps emit so that the control's observer sees each result
// written; without one it returns emit.
func (c *Control) observer(emit func(*vegeta.Result) error) func(*vegeta.Result) error {
	if c == nil || c.observe == nil {
		return emit
	}
	return func(r *vegeta.Result) error {
		err := emit(r)
		if err == nil {
			c.observe(r)
		}
		return err
	}
}
