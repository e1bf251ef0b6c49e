package results

import (
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/results/tokens"
)

// SLO is the scenario's service-level objectives, stored in the manifest
// (ScenarioInfo.SLO): goodput counts the requests that passed their
// checks and met every objective set here. A zero objective is not set.
// TTFT and TPOT apply to streamed responses only.
type SLO struct {
	Latency Duration `json:"latency,omitempty"`
	TTFT    Duration `json:"ttft,omitempty"`
	TPOT    Duration `json:"tpot,omitempty"`
}

// CheckCount is how many results of an endpoint failed one of its checks.
type CheckCount struct {
	Name   string `json:"name"`
	Failed uint64 `json:"failed"`
	// Excerpt is what made the first result that failed it first fail
	// (short and masked); "" when it only ever failed after another.
	Excerpt string `json:"excerpt,omitempty"`
}

// quality is what a result says about its checks and objectives, worked
// out once for its endpoint and the total.
type quality struct {
	failedChecks []int // indexes into the endpoint's checks
	excerpt      string
	timing       tokens.Timing
	tpot         time.Duration
	hasTPOT      bool

	checked, checkFailed, good bool
}

// read takes the failed checks and token timing of r, which streamed as s
// (Stream's zero value when it did not).
func (q *quality) read(r *vegeta.Result, s tokens.Stream) {
	q.failedChecks, q.excerpt = checks.Recorded(r)
	if s.Tokens > 0 {
		q.timing, _ = tokens.Of(r)
		q.tpot, q.hasTPOT = tokens.TPOT(s.TTFT, s.Tokens, q.timing)
	}
}

// judge decides whether x, of the endpoint s, was checked, failed a
// check, and counts in goodput under slo. Indexes beyond the endpoint's
// checks (a damaged file, another scenario) are dropped.
func (x *sample) judge(s *Stats, slo SLO) {
	first := len(x.failedChecks) > 0 && x.failedChecks[0] < len(s.Checks)
	valid := x.failedChecks[:0]
	for _, i := range x.failedChecks {
		if i < len(s.Checks) {
			valid = append(valid, i)
		}
	}
	x.failedChecks = valid
	if !first {
		x.excerpt = ""
	}
	x.checked = x.failure == nil && len(s.Checks) > 0
	x.checkFailed = x.checked && len(valid) > 0
	x.good = x.failure == nil && !x.checkFailed && x.meets(slo)
}

// meets reports whether x met every objective of slo: the response time
// (from the scheduled send), and for a streamed response the TTFT (a
// stream without a token misses it) and the TPOT (when it has one).
func (x *sample) meets(slo SLO) bool {
	resp := x.r.Latency
	if x.scheduled {
		resp += x.lag
	}
	switch {
	case slo.Latency > 0 && resp > time.Duration(slo.Latency):
		return false
	case !x.streamed:
		return true
	case slo.TTFT > 0 && (x.stream.Tokens == 0 || x.stream.TTFT > time.Duration(slo.TTFT)):
		return false
	}
	return slo.TPOT <= 0 || !x.hasTPOT || x.tpot <= time.Duration(slo.TPOT)
}

// addQuality counts x's checks and goodput in s.
func (s *Stats) addQuality(x *sample) {
	if x.checked {
		s.Checked++
	}
	if x.checkFailed {
		s.CheckFailed++
	}
	if x.good {
		s.Good++
	}
	if len(s.Checks) == 0 { // the total
		return
	}
	for _, i := range x.failedChecks {
		s.Checks[i].Failed++
	}
	if x.excerpt != "" && s.Checks[x.failedChecks[0]].Excerpt == "" {
		s.Checks[x.failedChecks[0]].Excerpt = x.excerpt
	}
}

// CheckFailRate is CheckFailed/Checked (0 when none was checked).
func (s *Stats) CheckFailRate() float64 {
	if s.Checked == 0 {
		return 0
	}
	return float64(s.CheckFailed) / float64(s.Checked)
}

// Goodput is Good per second over the report's window (Report.Rate's); 0
// for Stats outside a report.
func (s *Stats) Goodput() float64 {
	if s.window <= 0 {
		return 0
	}
	return float64(s.Good) / s.window.Seconds()
}
