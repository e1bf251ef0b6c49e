package compare

import (
	"fmt"
	"math/rand/v2"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/journey"
)

// Journeys are compared after the endpoints, each as a Row of
// Comparison.Journeys: how many started and completed (for the record),
// the failure rate (failed / ended, judged as an endpoint's), and the
// p50, p95 and p99 of the completed journeys' durations (tested and
// judged as an endpoint's latency). The durations are the aggregator's:
// from when the first step was due to the end of the last.

// journeyNames are the names of the journeys m declares.
func journeyNames(m *results.Manifest) []string {
	if m == nil {
		return nil
	}
	names := make([]string, len(m.Scenario.Journeys))
	for i, j := range m.Scenario.Journeys {
		names[i] = j.Name
	}
	return names
}

// addJourney follows the journey of r, marked m, as results.Aggregator
// does, and keeps the duration of a journey it completes.
func (b *sideBuilder) addJourney(m journey.Mark, r *vegeta.Result, lag time.Duration, scheduled bool) {
	sent := r.Timestamp.Round(0)
	due := sent
	if scheduled {
		due = due.Add(-lag)
	}
	c, d, done := b.tracker.Add(m, due, sent.Add(r.Latency))
	if !done {
		return
	}
	res := b.side.journeys[c.Name]
	if res == nil {
		res = &reservoir{cap: b.cap, rng: b.jrng}
		b.side.journeys[c.Name] = res
	}
	res.add(float64(d) / float64(time.Millisecond))
}

// endFile ends a results file: its open journeys stay unfinished.
func (b *sideBuilder) endFile() {
	b.agg.EndFile()
	b.tracker.EndFile()
}

// journeyStats is the journey name of s, nil unless one started.
func (s *Side) journeyStats(name string) *results.JourneyStats {
	for _, j := range s.Report.Journeys {
		if j.Name == name && j.Started > 0 {
			return j
		}
	}
	return nil
}

// compareJourneys compares the journeys of both sides into c.Journeys
// when both have journeys; a journey that started on one side only is a
// warning, as an endpoint is.
func (c *Comparison) compareJourneys(base, cand *Side, rng *rand.Rand) {
	bj, nj := base.Report.Journeys, cand.Report.Journeys
	switch {
	case len(bj) == 0 && len(nj) == 0:
		return
	case len(bj) == 0 || len(nj) == 0:
		side, other, n := "the base runs", "the new runs", len(nj)
		if len(nj) == 0 {
			side, other, n = "the new runs", "the base runs", len(bj)
		}
		c.Warnings = append(c.Warnings, fmt.Sprintf("journeys: %s have none (%s have %d), not compared", side, other, n))
		return
	}
	var names []string
	seen := map[string]bool{}
	for _, js := range [2][]*results.JourneyStats{bj, nj} {
		for _, j := range js {
			if !seen[j.Name] {
				seen[j.Name] = true
				names = append(names, j.Name)
			}
		}
	}
	for _, name := range names {
		b, n := base.journeyStats(name), cand.journeyStats(name)
		if b == nil || n == nil {
			side := "the new runs"
			if b == nil {
				side = "the base runs"
			}
			c.Warnings = append(c.Warnings, fmt.Sprintf("journey %s: none started in %s, not compared", name, side))
			continue
		}
		row := Row{Name: name, Changes: []Change{
			{Metric: "started", Base: float64(b.Started), New: float64(n.Started), Delta: rel(float64(b.Started), float64(n.Started))},
			{Metric: "completed", Base: float64(b.Completed), New: float64(n.Completed), Delta: rel(float64(b.Completed), float64(n.Completed))},
			c.journeyFailures(b, n),
		}}
		row.Changes = append(row.Changes, c.percentiles("", comparedQuantiles, base.journeys[name], cand.journeys[name], rng)...)
		for _, ch := range row.Changes {
			if ch.Worse {
				c.Regression = true
				c.Reasons = append(c.Reasons, reason("journey "+name, ch, c.Options))
			}
		}
		c.Journeys = append(c.Journeys, row)
	}
}

// journeyFailures compares the share of the journeys that ended which
// failed, as failures compares an endpoint's; a side where none ended
// has no rate to judge.
func (c *Comparison) journeyFailures(b, n *results.JourneyStats) Change {
	ch := Change{Metric: "failures", Base: b.FailureRate(), New: n.FailureRate()}
	ch.Delta = ch.New - ch.Base
	switch {
	case b.Completed+b.Failed == 0 && n.Completed+n.Failed == 0:
		ch.Note = "no journey ended"
	case b.Completed+b.Failed == 0:
		ch.Note = "no journey ended in the base runs"
	case n.Completed+n.Failed == 0:
		ch.Note = "no journey ended in the new runs"
	default:
		ch.Worse = ch.Delta > c.Options.MaxFailureRise
	}
	return ch
}
