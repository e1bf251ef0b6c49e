package results

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ragload/ragload/results/journey"
	"github.com/ragload/ragload/results/threshold"
)

// JourneyStats is the figures of one journey, derived from its steps'
// results: how many started, completed, failed (by reason) or were left
// unfinished (journey.Counts), and the durations of those that completed,
// from when their first step was due (its send less its schedule lag) to
// the end of their last step's response.
type JourneyStats struct {
	journey.Counts
	durations *Dist
}

// Duration is the distribution of the completed journeys' durations
// (empty when none completed).
func (j *JourneyStats) Duration() Percentiles { return j.durations.Summary() }

// Quantile is the q-th percentile (0 < q ≤ 100) of the completed
// journeys' durations.
func (j *JourneyStats) Quantile(q float64) time.Duration { return j.durations.quantile(q) }

// addJourney follows the journey of x, marked m.
func (a *Aggregator) addJourney(m journey.Mark, x *sample) {
	due := x.sent
	if x.scheduled {
		due = due.Add(-x.lag)
	}
	if c, d, done := a.journeys.Add(m, due, x.sent.Add(x.r.Latency)); done {
		a.journeyDist(c.Name).Record(d)
	}
}

// journeyDist is the distribution of the durations of the journey name,
// made on first use.
func (a *Aggregator) journeyDist(name string) *Dist {
	d := a.journeyTimes[name]
	if d == nil {
		d = NewDist()
		a.journeyTimes[name] = d
	}
	return d
}

// EndFile ends the results file being added: its journeys still open stay
// unfinished, and instance numbers start afresh (an instance is unique
// within one file only). Call it between files.
func (a *Aggregator) EndFile() { a.journeys.EndFile() }

// Journeys returns the figures of each journey: the manifest's in the
// scenario's order (a journey that never started has a row of zeros),
// then any other the results name; nil for a run without journeys. The
// journeys still open count as unfinished.
func (a *Aggregator) Journeys() []*JourneyStats {
	cs := a.journeys.Journeys()
	if len(cs) == 0 {
		return nil
	}
	out := make([]*JourneyStats, len(cs))
	for i, c := range cs {
		j := &JourneyStats{Counts: *c, durations: a.journeyTimes[c.Name]}
		j.Reasons = append([]journey.ReasonCount(nil), c.Reasons...)
		out[i] = j
	}
	return out
}

// journeyNames are the names of the manifest's journeys.
func journeyNames(m *Manifest) []string {
	if m == nil {
		return nil
	}
	names := make([]string, len(m.Scenario.Journeys))
	for i, j := range m.Scenario.Journeys {
		names[i] = j.Name
	}
	return names
}

// journeyWarnings says what the journeys figures leave out.
func journeyWarnings(js []*JourneyStats) []string {
	var w []string
	for _, j := range js {
		if j.Untracked > 0 {
			w = append(w, fmt.Sprintf("journey %s: %d journeys started while %d were open; how they ended was not followed (counted in started only)",
				j.Name, j.Untracked, journey.MaxOpen))
		}
	}
	return w
}

// summaryJourney is a journey in the summary: its counts and the
// distribution of its completed journeys' durations.
type summaryJourney struct {
	journey.Counts
	Durations *summaryDist `json:"durations,omitempty"`
}

// summarizeJourneys is the journeys of agg as the summary holds them.
func summarizeJourneys(agg *Aggregator) ([]summaryJourney, error) {
	var out []summaryJourney
	for _, j := range agg.Journeys() {
		sj := summaryJourney{Counts: j.Counts}
		if j.durations != nil && j.durations.h.TotalCount() > 0 {
			sd, err := j.durations.encode()
			if err != nil {
				return nil, fmt.Errorf("journey %s: %w", j.Name, err)
			}
			sj.Durations = &sd
		}
		out = append(out, sj)
	}
	return out, nil
}

// journeys decodes and checks the summary's journeys.
func (sum *summary) journeys() ([]*JourneyStats, error) {
	if len(sum.Journeys) > journey.MaxNames {
		return nil, fmt.Errorf("more than %d journeys", journey.MaxNames)
	}
	out := make([]*JourneyStats, 0, len(sum.Journeys))
	seen := map[string]bool{}
	for _, sj := range sum.Journeys {
		if err := sj.Check(); err != nil {
			return nil, err
		}
		if seen[sj.Name] {
			return nil, fmt.Errorf("journey %q twice", sj.Name)
		}
		seen[sj.Name] = true
		j := &JourneyStats{Counts: sj.Counts}
		if sj.Durations != nil {
			d, err := sj.Durations.dist()
			if err != nil {
				return nil, fmt.Errorf("journey %q: durations: %w", sj.Name, err)
			}
			j.durations = d
		}
		if n := uint64(j.Duration().Count); n != j.Completed {
			return nil, fmt.Errorf("journey %q: %d durations for %d completed", sj.Name, n, j.Completed)
		}
		out = append(out, j)
	}
	return out, nil
}

// journeysMergeable reports whether adding js to a gives exactly what
// reading their results would (journey.Counts.Mergeable), within
// journey.MaxNames names.
func (a *Aggregator) journeysMergeable(js []*JourneyStats) bool {
	names := len(a.journeys.Journeys())
	for _, j := range js {
		c := a.journeys.Lookup(j.Name)
		if c == nil {
			names++
		} else if !c.Mergeable(&j.Counts) {
			return false
		}
	}
	return names <= journey.MaxNames
}

// mergeJourneys adds js (journeysMergeable) to a.
func (a *Aggregator) mergeJourneys(js []*JourneyStats) {
	for _, j := range js {
		_ = a.journeys.Merge(&j.Counts) // within MaxNames: journeysMergeable
		if j.durations != nil {
			a.journeyDist(j.Name).merge(j.durations)
		}
	}
}

// journey finds the figures of the journey a threshold names: nil for a
// journey of the manifest that never started, an error for one the run
// does not have.
func (r *Report) journey(name string) (*JourneyStats, error) {
	var known []string
	for _, j := range r.Journeys {
		if j.Name == name {
			return j, nil
		}
		known = append(known, j.Name)
	}
	for _, n := range journeyNames(r.Manifest) {
		if n == name {
			return nil, nil
		}
		if !slices.Contains(known, n) {
			known = append(known, n)
		}
	}
	have := "it has none"
	if len(known) > 0 {
		have = "have: " + strings.Join(known, ", ")
	}
	return nil, fmt.Errorf("threshold names journey %q, which this run does not have (%s)", name, have)
}

// checkJourney applies a journey threshold: a percentile or the maximum
// of the completed journeys' durations, or the share of the journeys that
// ended which failed.
func (r *Report) checkJourney(t threshold.Threshold, minSamples uint64) (Check, error) {
	c := Check{Threshold: t}
	j, err := r.journey(t.Journey)
	if err != nil {
		return c, err
	}
	switch {
	case j == nil || j.Started == 0:
		c.Note = "no journey started"
	case t.Kind() == threshold.KindFailures && j.Completed+j.Failed == 0:
		c.Note = "no journey ended"
	case t.Kind() == threshold.KindFailures:
		c.Actual = j.FailureRate()
		c.Pass = t.Compare(c.Actual)
	case j.Completed == 0:
		c.Note = "no journey completed"
	case t.Stat() == "max":
		c.Actual = float64(j.Duration().Max)
		c.Pass = t.Compare(c.Actual)
	default:
		c.Actual = float64(j.Quantile(t.Quantile()))
		c.Pass = t.Compare(c.Actual)
		if t.Quantile() < 100 {
			c.Samples, c.Needs = j.Completed, MinSamples(t.Quantile())
			if minSamples > 0 {
				c.Needs = minSamples
			}
		}
	}
	return c, nil
}
