package results

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ragload/ragload/results/threshold"
)

// Check is a threshold applied to a run.
type Check struct {
	threshold.Threshold
	// Actual is the measured value: nanoseconds for latency metrics, a
	// fraction for failures and checks, requests per second for rps and
	// goodput, a count for requests.
	Actual float64
	Pass   bool
	// Note explains a check that could not be measured ("no requests").
	Note string
	// How says how a measure was taken where it is not plain (the users
	// criterion: sustained for how long, or the peak).
	How string
	// Samples is the number of samples a percentile was read from, and
	// Needs the fewest it must have to mean much (MinSamples); Needs is 0
	// for checks that are not percentiles.
	Samples, Needs uint64
}

// FewSamples reports whether a percentile check was read from fewer
// samples than it needs.
func (c Check) FewSamples() bool { return c.Samples < c.Needs }

// Verdict is the outcome of a run's thresholds; marks never fail it. It is
// PASS when every threshold held and the run can tell (Inconclusive is
// empty), FAIL when a threshold did not hold, and NOT CONCLUSIVE when the
// thresholds held but the run cannot vouch for them: it was interrupted,
// the generator dropped requests or was saturated, or a percentile had too
// few samples to mean much. A run whose generator dropped requests or was
// saturated is NOT CONCLUSIVE too when the only thresholds that failed
// measure latency or rate, which ragload's own lag distorts; a failed
// failures or checks threshold is the server's answer and still FAILs. A
// damaged results file makes it NOT CONCLUSIVE whatever the thresholds
// say, unless the user accepts judging what was read (Report.Partial).
type Verdict struct {
	Pass   bool
	Checks []Check
	// Reasons says in words why the verdict failed.
	Reasons []string
	// Inconclusive says why thresholds that held do not make a PASS (or,
	// for damaged results, why the verdict is neither); the verdict is then
	// not conclusive and Pass is false.
	Inconclusive []string
	// Caveat qualifies a FAIL that does not say what it seems to, e.g. a
	// FAIL measured by a saturated generator.
	Caveat string
	// Notes say what the user changed about how the run is judged: results
	// judged in part (--allow-partial), a sample bar moved (--min-samples).
	Notes []string
}

// Verdict words, as reports print them.
const (
	wordPass         = "PASS"
	wordFail         = "FAIL"
	WordInconclusive = "NOT CONCLUSIVE"
)

// Word is the verdict in one word: wordPass, wordFail or WordInconclusive.
func (v Verdict) Word() string {
	switch {
	case v.Pass:
		return wordPass
	case len(v.Inconclusive) > 0:
		return WordInconclusive
	}
	return wordFail
}

// MinSamples is the fewest samples a percentile q (0–100) is judged from:
// five beyond it (p95 needs 100, p99 500, the median 10). With fewer, the
// percentile is one of the few slowest samples, or an interpolation
// between them, and moves with each one: compare refuses such a
// comparison, and a verdict resting on one is not conclusive.
func MinSamples(q float64) uint64 { return uint64(math.Ceil(5/(1-q/100) - 1e-9)) }

// Judge applies thresholds (and advisory marks) to the report and stores
// the verdict in r.Verdict. A threshold that names an endpoint or a journey
// the run does not know is an error.
//
// minSamples, when > 0, replaces MinSamples for every percentile threshold
// (the user lowering, or raising, the bar).
func (r *Report) Judge(ts []threshold.Threshold, minSamples uint64) error {
	v := Verdict{Pass: true}
	if r.Total.Requests == 0 {
		v.Pass = false
		v.Reasons = append(v.Reasons, "no requests were sent")
	}
	for _, t := range ts {
		c, err := r.check(t, minSamples)
		if err != nil {
			return err
		}
		if !c.Pass && !t.Advisory {
			v.Pass = false
			v.Reasons = append(v.Reasons, c.Reason())
		}
		v.Checks = append(v.Checks, c)
	}
	switch gen := r.generatorLimited(); {
	case v.Pass:
		v.Inconclusive = r.inconclusive(v.Checks)
		v.Pass = len(v.Inconclusive) == 0
	case len(gen) > 0 && len(v.Reasons) > 0 && failedOnTimeOrRate(v.Checks):
		// Every threshold that failed measures time or rate, which a
		// generator that dropped requests or ran short of CPU distorts
		// (latency counts from the due time, so its own lag is in it):
		// the run cannot tell the server's failure from ragload's.
		v.Inconclusive = append(gen, "the thresholds that failed measure latency or rate, which ragload's own lag distorts: it cannot tell whether the server missed them")
	case r.Saturated():
		v.Caveat = "not conclusive: the load generator was saturated, so the server may not be what failed (spread the load over more generators)"
		if n := r.workersFull(); n > 0 {
			v.Caveat = fmt.Sprintf("not conclusive about latency: requests waited for one of ragload's %d workers (--max-workers); the failed failures or checks thresholds count the server's answers", n)
		}
	}
	if note := sampleBarNote(v.Checks, minSamples); note != "" {
		v.Notes = append(v.Notes, note)
	}
	for _, d := range r.Damaged {
		if r.Partial {
			v.Notes = append(v.Notes, fmt.Sprintf("judged on the %d results readable before byte %d of %s (--allow-partial)", d.Read, d.Offset, d.Path))
			continue
		}
		// Whatever the thresholds say of the readable part, the rest of
		// the file could say otherwise.
		v.Pass = false
		v.Inconclusive = append(v.Inconclusive, fmt.Sprintf("damaged results: %v (--allow-partial judges the %d readable results)", d, d.Read))
	}
	r.Verdict = v
	return nil
}

// check applies one threshold.
func (r *Report) check(t threshold.Threshold, minSamples uint64) (Check, error) {
	if t.Journey != "" {
		return r.checkJourney(t, minSamples)
	}
	s, err := r.stats(t.Endpoint)
	if err != nil {
		return Check{}, err
	}
	c := Check{Threshold: t}
	switch {
	case t.Kind() == threshold.KindUsers:
		r.measureUsers(&c)
	case s == nil || s.Requests == 0:
		c.Note = "no requests"
	case t.Kind() == threshold.KindChecks && s.Checked == 0:
		c.Note = "no response was checked"
	case t.Kind() == threshold.KindLatency && s.View(t.View()).Count == 0:
		c.Note = noSamples[t.View()]
		if s.Streamed == 0 && t.View() != ViewLag {
			c.Note = "no streamed responses"
		}
	default:
		c.Actual = r.measure(s, t)
		c.Pass = t.Compare(c.Actual)
		if t.Kind() == threshold.KindLatency && t.Stat() == "p" && t.Quantile() < 100 {
			c.Samples, c.Needs = uint64(s.View(t.View()).Count), MinSamples(t.Quantile())
			if minSamples > 0 {
				c.Needs = minSamples
			}
		}
	}
	return c, nil
}

// inconclusive says why a run whose thresholds held cannot be called a
// PASS: what it measured is not the load its plan asked for, or too little.
func (r *Report) inconclusive(checks []Check) []string {
	var why []string
	if m := r.Manifest; m != nil && m.Status == StatusInterrupted {
		w := "interrupted: the run did not finish its plan"
		if m.Sent > m.Completed {
			w += fmt.Sprintf(", and %d requests still in flight when ragload exited at once are not counted; they may be the slowest", m.Sent-m.Completed)
		}
		why = append(why, w)
	}
	why = append(why, r.generatorLimited()...)
	for _, c := range checks {
		if !c.Advisory && c.FewSamples() {
			why = append(why, fmt.Sprintf("%s rests on %d samples, fewer than the %d a %s needs to mean much (run longer or faster, or lower the bar with --min-samples)",
				c.Expr, c.Samples, c.Needs, c.Metric))
		}
	}
	return why
}

// sampleBarNote says how minSamples (--min-samples) moved the fewest
// samples the percentile checks are judged from, and from what: "sample
// bar lowered to 10 by --min-samples (a p95 needs 100)", naming the
// percentiles whose bar moved. It is "" when it moved none.
func sampleBarNote(checks []Check, minSamples uint64) string {
	if minSamples == 0 {
		return ""
	}
	var needs []string
	var lowered, raised bool
	seen := map[float64]bool{}
	for _, c := range checks {
		if c.Needs == 0 || seen[c.Quantile()] {
			continue // not a percentile, or not measured
		}
		seen[c.Quantile()] = true
		n := MinSamples(c.Quantile())
		if n == minSamples {
			continue // its bar did not move
		}
		lowered, raised = lowered || n > minSamples, raised || n < minSamples
		if len(needs) == 0 {
			needs = append(needs, fmt.Sprintf("a p%g needs %d", c.Quantile(), n))
		} else {
			needs = append(needs, fmt.Sprintf("a p%g %d", c.Quantile(), n))
		}
	}
	how := "set"
	switch {
	case !lowered && !raised:
		return ""
	case !raised:
		how = "lowered"
	case !lowered:
		how = "raised"
	}
	return fmt.Sprintf("sample bar %s to %d by --min-samples (%s)", how, minSamples, strings.Join(needs, ", "))
}

// dropAdvice is what to do about dropped requests.
const dropAdvice = "lower the rate, or spread it over more generators with --shard"

// maxLag is the drop bound the run had, in words.
func (r *Report) maxLag() string {
	if m := r.Manifest; m != nil && m.Plan.MaxLag > 0 {
		return time.Duration(m.Plan.MaxLag).String()
	}
	return "the allowed lag"
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

func (r *Report) measure(s *Stats, t threshold.Threshold) float64 {
	switch t.Kind() {
	case threshold.KindFailures:
		return s.FailureRate()
	case threshold.KindChecks:
		return s.CheckFailRate()
	case threshold.KindRPS:
		return r.Rate(s)
	case threshold.KindGoodput:
		return s.Goodput()
	case threshold.KindRequests:
		return float64(s.Requests)
	}
	p := s.View(t.View())
	switch t.Stat() {
	case "mean":
		return float64(p.Mean)
	case "min":
		return float64(p.Min)
	case "max":
		return float64(p.Max)
	}
	return float64(s.Quantile(t.Quantile(), t.View()))
}

// noSamples explains an empty latency view.
var noSamples = map[string]string{
	ViewLag:  "no schedule (closed-loop users or a foreign file)",
	ViewTTFB: "no streamed responses",
	ViewTTFT: "no streamed response had a token",
	ViewGap:  "no streamed response had a token",
	ViewITL:  "no streamed response had two tokens",
	ViewTPOT: "no streamed response had two tokens",
}

// measureUsers judges a users threshold on the manifest's timeline.
func (r *Report) measureUsers(c *Check) {
	if r.Manifest == nil || r.Manifest.Users == nil || len(r.Manifest.Users.Timeline) == 0 {
		c.Note = "not a virtual-users run"
		return
	}
	u := r.Manifest.Users
	n, how := u.Judged()
	c.Actual, c.How = float64(n), how
	c.Pass = c.Compare(c.Actual)
}

// FormatActual renders the measured value in the threshold's unit.
func (c Check) FormatActual() string {
	if c.Note != "" {
		return c.Note
	}
	switch c.Kind() {
	case threshold.KindLatency:
		return FormatMillis(time.Duration(c.Actual)) + " ms"
	case threshold.KindFailures, threshold.KindChecks:
		return fmt.Sprintf("%.2f%%", 100*c.Actual)
	case threshold.KindRPS, threshold.KindGoodput:
		return fmt.Sprintf("%.1f/s", c.Actual)
	case threshold.KindUsers:
		return fmt.Sprintf("%.0f (%s)", c.Actual, c.How)
	}
	return fmt.Sprintf("%.0f", c.Actual)
}

// Reason says in words why the check failed.
func (c Check) Reason() string {
	scope := c.Scope()
	if c.Note != "" {
		return fmt.Sprintf("%s: %s (%s)", c.Expr, c.Note, scope)
	}
	if c.Kind() == threshold.KindUsers {
		return fmt.Sprintf("only %.0f users ran together (%s), not %s %g", c.Actual, c.How, c.Op, c.Limit)
	}
	return fmt.Sprintf("%s %s is %s, not %s %s", scope, c.Metric, c.FormatActual(), c.Op, c.limitText())
}

func (c Check) limitText() string {
	switch c.Kind() {
	case threshold.KindLatency:
		return c.LimitDur.String()
	case threshold.KindFailures, threshold.KindChecks:
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
