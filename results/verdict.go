package results

import (
	"fmt"
	"strings"
	"time"
)

// Check is a threshold applied to a run.
type Check struct {
	Threshold
	// Actual is the measured value: nanoseconds for latency metrics, a
	// fraction for failures, requests per second for rps, a count for
	// requests.
	Actual float64
	Pass   bool
	// Note explains a check that could not be measured ("no requests").
	Note string
}

// Verdict is the outcome of a run's thresholds; marks never fail it.
type Verdict struct {
	Pass   bool
	Checks []Check
	// Reasons says in words why the verdict failed.
	Reasons []string
	// Caveat qualifies a verdict that does not say what it seems to, e.g.
	// a FAIL measured by a saturated generator.
	Caveat string
}

// Judge applies thresholds (and advisory marks) to the report and stores
// the verdict in r.Verdict. A threshold that names an endpoint the run does
// not know is an error.
func (r *Report) Judge(ts []Threshold) error {
	v := Verdict{Pass: true}
	if r.Total.Requests == 0 {
		v.Pass = false
		v.Reasons = append(v.Reasons, "no requests were sent")
	}
	for _, t := range ts {
		s, err := r.stats(t.Endpoint)
		if err != nil {
			return err
		}
		c := Check{Threshold: t}
		switch {
		case t.kind == kindUsers:
			r.measureUsers(&c)
		case s == nil || s.Requests == 0:
			c.Note = "no requests"
		case t.kind == kindLatency && s.View(t.view).Count == 0:
			c.Note = noSamples[t.view]
			if s.Streamed == 0 && t.view != ViewLag {
				c.Note = "no streamed responses"
			}
		default:
			c.Actual = r.measure(s, t)
			c.Pass = t.compare(c.Actual)
		}
		if !c.Pass && !t.Advisory {
			v.Pass = false
			v.Reasons = append(v.Reasons, c.Reason())
		}
		v.Checks = append(v.Checks, c)
	}
	if !v.Pass && r.Saturated() {
		v.Caveat = "not conclusive: the load generator was saturated, so the server may not be what failed (spread the load over more generators)"
	}
	if m := r.Manifest; v.Pass && m != nil && m.Status == StatusInterrupted && m.Sent > m.Completed {
		v.Caveat = fmt.Sprintf("not conclusive: %d requests were still in flight when ragload exited at once and are not counted; they may be the slowest", m.Sent-m.Completed)
	}
	r.Verdict = v
	return nil
}

// stats finds the Stats a threshold scope names: "" is the total.
func (r *Report) stats(scope string) (*Stats, error) {
	if scope == "" {
		return r.Total, nil
	}
	for _, s := range r.Endpoints {
		if s.Name == scope || (s.Key != "" && s.Key == scope) {
			return s, nil
		}
	}
	if r.Manifest != nil {
		for _, e := range r.Manifest.Scenario.Endpoints {
			if e.Key == scope || e.Name == scope {
				return nil, nil // known, but no requests reached it
			}
		}
	}
	var known []string
	for _, s := range r.Endpoints {
		k := fmt.Sprintf("%q", s.Name)
		if s.Key != "" {
			k = s.Key + " " + k
		}
		known = append(known, k)
	}
	return nil, fmt.Errorf("threshold names endpoint %q, which this run does not have (have: %s)", scope, strings.Join(known, ", "))
}

func (r *Report) measure(s *Stats, t Threshold) float64 {
	switch t.kind {
	case kindFailures:
		return s.FailureRate()
	case kindRPS:
		return r.Rate(s)
	case kindRequests:
		return float64(s.Requests)
	}
	p := s.View(t.view)
	switch t.stat {
	case "mean":
		return float64(p.Mean)
	case "min":
		return float64(p.Min)
	case "max":
		return float64(p.Max)
	}
	return float64(s.Quantile(t.quantile, t.view))
}

// noSamples explains an empty latency view.
var noSamples = map[string]string{
	ViewLag:  "no schedule (closed-loop users or a foreign file)",
	ViewTTFB: "no streamed responses",
	ViewTTFT: "no streamed response had a token",
	ViewGap:  "no streamed response had a token",
}

// measureUsers judges a users threshold on the manifest's timeline.
func (r *Report) measureUsers(c *Check) {
	if r.Manifest == nil || r.Manifest.Users == nil || len(r.Manifest.Users.Timeline) == 0 {
		c.Note = "not a virtual-users run"
		return
	}
	u := r.Manifest.Users
	c.Actual = float64(u.Sustained(u.HoldFor()))
	c.Pass = c.compare(c.Actual)
}

// FormatActual renders the measured value in the threshold's unit.
func (c Check) FormatActual() string {
	if c.Note != "" {
		return c.Note
	}
	switch c.kind {
	case kindLatency:
		return FormatMillis(time.Duration(c.Actual)) + " ms"
	case kindFailures:
		return fmt.Sprintf("%.2f%%", 100*c.Actual)
	case kindRPS:
		return fmt.Sprintf("%.1f/s", c.Actual)
	}
	return fmt.Sprintf("%.0f", c.Actual)
}

// Reason says in words why the check failed.
func (c Check) Reason() string {
	scope := "overall"
	if c.Endpoint != "" {
		scope = c.Endpoint
	}
	if c.Note != "" {
		return fmt.Sprintf("%s: %s (%s)", c.Expr, c.Note, scope)
	}
	if c.kind == kindUsers {
		return fmt.Sprintf("only %.0f users ran together long enough to count, not %s %g", c.Actual, c.Op, c.Limit)
	}
	return fmt.Sprintf("%s %s is %s, not %s %s", scope, c.Metric, c.FormatActual(), c.Op, c.limitText())
}

func (c Check) limitText() string {
	switch c.kind {
	case kindLatency:
		return c.LimitDur.String()
	case kindFailures:
		// %.10g: 100*0.07 is 7.000000000000001 in floating point.
		return fmt.Sprintf("%.10g%%", 100*c.Limit)
	}
	return fmt.Sprintf("%g", c.Limit)
}

// FormatMillis renders d in milliseconds with one decimal below 10 s.
func FormatMillis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms >= 10000 {
		return fmt.Sprintf("%.0f", ms)
	}
	return fmt.Sprintf("%.1f", ms)
}
