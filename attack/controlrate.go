package attack

import "github.com/ragload/ragload/attack/plan"

// SetRate makes an open-model run send perSecond requests per second from
// now until its plan ends, instead of the plan's rate. perSecond must be
// > 0; the web page refuses others.
func (c *Control) SetRate(perSecond float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rate, c.ratePending = perSecond, true
}

// Rate is the rate asked for by SetRate, and whether one was.
func (c *Control) Rate() (float64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rate, c.rate > 0
}

// takeRate returns a rate asked for since the last call.
func (c *Control) takeRate() (float64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ratePending || c.rate <= 0 {
		return 0, false
	}
	c.ratePending = false
	return c.rate, true
}

// schedule wraps an open-model schedule so that SetRate changes it while
// it runs (plan.Steer); without a control it returns s.
func (c *Control) schedule(s plan.Schedule) plan.Schedule {
	if c == nil {
		return s
	}
	return plan.Steer(s, c.takeRate)
}
