package compare

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/journey"
)

// journeySide is a side of n conversations, one started every 60s/n: a
// start_chat (median 100 ms), a think time (median 1 s times think), then
// a follow_up (median 200 ms), lognormal with sigma 0.3. Every failEvery-th
// conversation (none when 0) fails for a value its start_chat did not
// return, with HTTP 200 all along: the endpoints' rows do not see it. A
// scale of the think time slows the journeys alone.
func journeySide(label string, n int, think float64, failEvery int, seed uint64, o Options) *Side {
	o.defaults()
	rng := rand.New(rand.NewPCG(seed, 11))
	ms := func(median float64) time.Duration {
		return time.Duration(median * math.Exp(0.3*rng.NormFloat64()) * float64(time.Millisecond))
	}
	m := &results.Manifest{Name: label, Mode: "attack", Plan: results.Plan{Description: "constant 5/s for 1m0s"},
		Scenario: results.ScenarioInfo{Endpoints: []results.EndpointInfo{
			{Key: "start_chat", Name: "start_chat", Method: "POST", Path: "/chat"},
			{Key: "follow_up", Name: "follow_up", Method: "POST", Path: "/chat/messages"},
		}, Journeys: []results.JourneyInfo{{Name: "conversation", Weight: 1, Steps: []string{"start_chat", "follow_up"}}}}}
	var rs []*vegeta.Result
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Minute / time.Duration(n))
		first := &vegeta.Result{Code: 201, Method: "POST", URL: "http://h/chat", Timestamp: at, Latency: ms(100)}
		journey.SetMark(first, "conversation", uint64(i+1), 0)
		rs = append(rs, first)
		if failEvery > 0 && i%failEvery == failEvery-1 {
			journey.SetEnd(first, "step 1 (start_chat): no conversation_id in the response")
			continue
		}
		second := &vegeta.Result{Code: 200, Method: "POST", URL: "http://h/chat/messages",
			Timestamp: first.End().Add(ms(1000 * think)), Latency: ms(200)}
		journey.SetMark(second, "conversation", uint64(i+1), 1)
		journey.SetEnd(second, "")
		rs = append(rs, second)
	}
	slices.SortStableFunc(rs, func(a, b *vegeta.Result) int { return a.End().Compare(b.End()) })
	b := newSideBuilder(label, m, o)
	for _, r := range rs {
		b.add(r)
	}
	b.side.Manifests = []*results.Manifest{m}
	b.side.Seconds = 60
	return b.finish()
}

// journeyRow is the row of the journey name, or nil.
func journeyRow(c *Comparison, name string) *Row {
	for i := range c.Journeys {
		if c.Journeys[i].Name == name {
			return &c.Journeys[i]
		}
	}
	return nil
}

func change(row *Row, metric string) Change {
	for _, ch := range row.Changes {
		if ch.Metric == metric {
			return ch
		}
	}
	return Change{}
}

// TestCompareJourneys: equal runs of a journey compare as unchanged; one
// whose journeys got 40% slower while every endpoint held is a duration
// regression naming the journey; one whose journeys fail 5% of the time
// (with HTTP 200 throughout) is a failure regression naming it.
func TestCompareJourneys(t *testing.T) {
	o := Options{Resamples: 300, Seed: 1}
	base := journeySide("base", 400, 1, 0, 1, o)

	c := Runs(base, journeySide("same", 400, 1, 0, 2, o), o)
	row := journeyRow(c, "conversation")
	if c.Regression || row == nil || len(c.Warnings) != 0 {
		t.Fatalf("equal runs: regression %v (%q), journey row %+v, warnings %q", c.Regression, c.Reasons, row, c.Warnings)
	}
	if p95 := change(row, "p95"); !p95.Tested || !p95.IsLatency() || p95.Worse || p95.Base < 900 || p95.Base > 3000 {
		t.Errorf("equal runs: p95 %+v", p95)
	}
	if got := change(row, "started"); got.Base != 400 || got.New != 400 {
		t.Errorf("equal runs: started %+v", got)
	}
	// The durations tested are the ones the report's histograms hold.
	want := float64(base.Report.Journeys[0].Quantile(50)) / float64(time.Millisecond)
	if got := change(row, "p50").Base; math.Abs(got/want-1) > 0.002 {
		t.Errorf("journey p50 %.1f ms, the report's %.1f ms", got, want)
	}

	c = Runs(base, journeySide("slower", 400, 1.4, 0, 2, o), o)
	reasons := strings.Join(c.Reasons, "\n")
	if !c.Regression || !strings.Contains(reasons, "journey conversation: p95 rose") || !strings.Contains(reasons, "journey conversation: p50 rose") {
		t.Errorf("journeys 40%% slower: regression %v, reasons %q", c.Regression, c.Reasons)
	}
	for _, r := range c.Reasons {
		if !strings.HasPrefix(r, "journey conversation: ") {
			t.Errorf("journeys 40%% slower, endpoints unchanged: reason %q is not the journey's", r)
		}
	}

	c = Runs(base, journeySide("failing", 400, 1, 20, 2, o), o)
	if !c.Regression || !slices.Contains(c.Reasons, "journey conversation: failures rose from 0.00% to 5.00%, more than 0.5 points") {
		t.Errorf("5%% of journeys failing: regression %v, reasons %q", c.Regression, c.Reasons)
	}
	if ch := change(journeyRow(c, "conversation"), "failures"); !ch.Worse || math.Abs(ch.Delta-0.05) > 1e-9 {
		t.Errorf("failures %+v", ch)
	}
	c = Runs(journeySide("failing", 400, 1, 20, 1, o), journeySide("failing too", 400, 1, 20, 2, o), o)
	if c.Regression {
		t.Errorf("5%% failing on both sides: reasons %q", c.Reasons)
	}
}

// TestCompareJourneysOnOneSide: a journey that started in one side only
// is said and not compared, as an endpoint; a side without journeys
// leaves them all out, with a warning; sides without journeys have no
// journey rows and no warning about them.
func TestCompareJourneysOnOneSide(t *testing.T) {
	o := Options{Resamples: 100, Seed: 1}
	base, cand := journeySide("base", 200, 1, 0, 1, o), journeySide("new", 200, 1, 0, 2, o)
	cand.Report.Journeys[0].Name = "chat" // a journey renamed
	c := Runs(base, cand, o)
	if len(c.Journeys) != 0 || c.Regression ||
		!slices.Equal(c.Warnings, []string{"journey conversation: none started in the new runs, not compared", "journey chat: none started in the base runs, not compared"}) {
		t.Errorf("renamed journey: rows %+v, regression %v, warnings %q", c.Journeys, c.Regression, c.Warnings)
	}

	plain := syntheticSide("plain", 200, 1, 3, o)
	c = Runs(plain, journeySide("new", 200, 1, 0, 2, o), o)
	if len(c.Journeys) != 0 || !slices.Contains(c.Warnings, "journeys: the base runs have none (the new runs have 1), not compared") {
		t.Errorf("base without journeys: rows %+v, warnings %q", c.Journeys, c.Warnings)
	}
	c = Runs(plain, syntheticSide("plain too", 200, 1, 4, o), o)
	if len(c.Journeys) != 0 || strings.Contains(strings.Join(c.Warnings, "\n"), "journey") {
		t.Errorf("no journeys: rows %+v, warnings %q", c.Journeys, c.Warnings)
	}
}

// TestCompareJourneysFewOrNone: too few completed journeys leave the
// percentiles untested, as an endpoint's; a side where no journey ended
// has no failure rate to judge.
func TestCompareJourneysFewOrNone(t *testing.T) {
	o := Options{Resamples: 100, Seed: 1}
	c := Runs(journeySide("base", 50, 1, 0, 1, o), journeySide("new", 50, 3, 0, 2, o), o)
	row := journeyRow(c, "conversation")
	if p95 := change(row, "p95"); p95.Tested || p95.Note != "too few samples (50 and 50; p95 needs 100)" {
		t.Errorf("50 journeys: p95 %+v", p95)
	}
	if p50 := change(row, "p50"); !p50.Worse {
		t.Errorf("50 journeys 3 times slower: p50 %+v", p50)
	}

	cand := journeySide("new", 50, 1, 1, 2, o) // every journey fails
	c = Runs(journeySide("base", 50, 1, 0, 1, o), cand, o)
	row = journeyRow(c, "conversation")
	if f := change(row, "failures"); !f.Worse || f.New != 1 {
		t.Errorf("all failing: failures %+v", f)
	}
	if p50 := change(row, "p50"); p50.Note != "no samples" || p50.Worse {
		t.Errorf("none completed: p50 %+v", p50)
	}
	cand.Report.Journeys[0].Failed, cand.Report.Journeys[0].Unfinished = 0, 50 // none ended
	c = Runs(journeySide("base", 50, 1, 0, 1, o), cand, o)
	if f := change(journeyRow(c, "conversation"), "failures"); f.Worse || f.Note != "no journey ended in the new runs" {
		t.Errorf("none ended: failures %+v", f)
	}
}
