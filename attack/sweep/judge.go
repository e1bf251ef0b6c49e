package sweep

import (
	"fmt"
	"strings"
	"time"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/sweepfile"
)

// judge turns a step's report into its verdict and the criteria it failed.
func (s *search) judge(rate float64, dir string, rep *results.Report, throughput float64) (sweepfile.Step, []string) {
	t := rep.Total
	resp := t.Response()
	st := sweepfile.Step{
		Rate: rate, Dir: dir, SentRate: rep.Rate(t), Throughput: throughput, Requests: t.Requests,
		Failures: t.FailureRate(), P50: ms(resp.P50), P95: ms(resp.P95), P99: ms(resp.P99),
		LagP99: ms(t.Quantile(99, results.ViewLag)), Verdict: sweepfile.StepPass,
	}
	// why says each criterion the step failed, crit names it (the answer
	// says which decided the capacity).
	var why, crit []string
	fail := func(criterion string, reasons ...string) {
		if len(reasons) == 0 {
			return
		}
		why, crit = append(why, reasons...), append(crit, criterion)
	}
	if !rep.Verdict.Pass {
		fail("its verdict", rep.Verdict.Reasons...)
	}
	if st.SentRate < MinThroughput*rate {
		fail("the sent rate", fmt.Sprintf("sent only %.1f/s of %g/s", st.SentRate, rate))
	}
	// One answer either side of the judged window is the counting's own
	// grain (a short step of 10 requests would fail at 9 for an answer that
	// came a few milliseconds late), not the server falling behind. The
	// goodput share has the same grain.
	w := rep.Window.Seconds()
	if w > 0 && throughput*w+1 < MinThroughput*rate*w {
		fail("the served rate", fmt.Sprintf("served only %.1f/s of %g/s", throughput, rate))
	}
	if g, ok := goodput(rep); ok {
		st.Goodput = &g
		if share := s.job.GoodputShare; share > 0 && g*w+1 < share*rate*w {
			fail("goodput", fmt.Sprintf("goodput only %.1f/s, %.0f%% of %g/s (under %g%%)", g, 100*g/rate, rate, 100*share))
		}
	}
	switch {
	case rep.Total.Dropped > 0:
		st.Verdict = sweepfile.StepGenerator
		why = append([]string{fmt.Sprintf("ragload dropped %d (%.1f%%) of the step's requests: it could not send them in time", t.Dropped, 100*rep.DroppedShare())}, why...)
	case rep.Saturated():
		st.Verdict = sweepfile.StepGenerator
		why = append([]string{strings.Join(rep.Manifest.Generator.Reasons, "; ")}, why...)
	case st.Failures >= BadFailures || (s.p95Limit() > 0 && resp.P95 >= BadLatency*s.p95Limit()):
		st.Verdict = sweepfile.StepBad
	case len(why) > 0:
		st.Verdict = sweepfile.StepFail
	}
	st.Reason = strings.Join(why, "; ")
	return st, crit
}

// p95Limit is the overall p95 threshold of the rules (2 s by default).
func (s *search) p95Limit() time.Duration {
	for _, t := range s.job.Rules {
		if t.Endpoint == "" && t.Journey == "" && t.Metric == "p95" && !t.Advisory {
			return t.LimitDur
		}
	}
	return 2 * time.Second
}

// goodput is the step's goodput over its judged window, when its run
// had response checks or an SLO.
func goodput(rep *results.Report) (float64, bool) {
	t := rep.Total
	judged := rep.SLO != nil || t.Checked > 0 || (rep.Manifest != nil && len(rep.Manifest.Scenario.Checks) > 0)
	if !judged || rep.Window <= 0 {
		return 0, false
	}
	return float64(t.Good) / rep.Window.Seconds(), true
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// served says what the server answered at the highest passing rate when
// that is visibly less than the rate (a step passes at 95% of it, with a
// response of counting grain): "; the server answered 20.0/s at 21 rps".
// The capacity stated is the offered rate the server kept up with; this
// is what it actually served there.
func (s *search) served() string {
	for i := len(s.sweep.Steps) - 1; i >= 0; i-- {
		st := s.sweep.Steps[i]
		if st.Rate != s.pass || st.Verdict != sweepfile.StepPass {
			continue
		}
		if st.Throughput > 0 && st.Throughput < 0.995*st.Rate {
			return fmt.Sprintf("; the server answered %.1f/s at %g rps", st.Throughput, st.Rate)
		}
		return ""
	}
	return ""
}

// answer states the outcome in words.
func (s *search) answer() {
	sw, j := s.sweep, s.job
	sw.Capacity, sw.Limit = s.pass, s.fail
	top := j.To
	if len(j.Steps) > 0 {
		top = j.Steps[len(j.Steps)-1]
	}
	switch {
	case s.stopped != nil && s.stopped.Verdict == sweepfile.StepGenerator:
		sw.GeneratorLimited = true
		sw.Answer = fmt.Sprintf("no capacity is claimed at or beyond %g rps: there ragload itself was the limit (%s), not the server", s.stopped.Rate, s.stopped.Reason)
		if s.pass > 0 {
			sw.Answer += fmt.Sprintf("; the server passed %g rps", s.pass)
		}
		sw.Answer += ". Spread the load over several generators (shards) to go further."
	case s.pass == 0 && len(sw.Steps) > 0 && sw.Steps[0].Verdict != sweepfile.StepInterrupted:
		sw.Answer = fmt.Sprintf("no capacity found: the first step, %g rps, already failed (%s)", sw.Steps[0].Rate, sw.Steps[0].Reason)
	case s.pass == 0 && sw.Status == results.StatusInterrupted:
		sw.Answer = "no capacity found: the sweep was interrupted before a step finished"
	case s.pass == 0:
		sw.Answer = "no step ran"
	case s.fail == 0 && s.pass >= top:
		sw.Found = true
		sw.Answer = fmt.Sprintf("at least %g rps: every step up to %g rps passed%s", s.pass, top, s.served())
	case s.fail == 0 && sw.Status == results.StatusInterrupted:
		sw.Answer = fmt.Sprintf("%g rps passed; the sweep was interrupted before a step failed", s.pass)
	case s.fail == 0:
		sw.Answer = fmt.Sprintf("%g rps passed; the sweep stopped before a step failed", s.pass)
	default:
		sw.Found = true
		what := "max sustainable"
		if j.GoodputShare > 0 {
			what = "usable capacity"
		}
		sw.Answer = fmt.Sprintf("%s ≈ %g rps (bracket [%g, %g]%s)", what, s.pass, s.pass, s.fail, s.served())
		if s.stopped != nil {
			sw.Answer += fmt.Sprintf("; the search stopped early because %g rps failed badly (%s)", s.stopped.Rate, s.stopped.Reason)
		} else if sw.Status == results.StatusInterrupted {
			sw.Answer += "; the sweep was interrupted before it narrowed the bracket further"
		}
	}
	if s.pass > 0 {
		sw.Answer += s.criterion()
	}
}

// criterion says what decided the capacity: the criteria the limit step
// failed, and whether goodput judged the steps (the usable capacity) or
// only was shown (the survivable one, which answers that fail their
// checks or miss the SLO do not lower).
func (s *search) criterion() string {
	var lim, top *sweepfile.Step
	for i, st := range s.sweep.Steps {
		if st.Rate == s.fail {
			lim = &s.sweep.Steps[i]
		}
		if st.Rate == s.pass {
			top = &s.sweep.Steps[i]
		}
	}
	out := ""
	if lim != nil && len(s.criteria[lim.Rate]) > 0 {
		out = fmt.Sprintf("; decided by %s at %g rps", strings.Join(s.criteria[lim.Rate], " and "), lim.Rate)
	}
	switch share := s.job.GoodputShare; {
	case share > 0:
		out += fmt.Sprintf("; each step also needed goodput ≥ %g%% of its rate (the usable capacity)", 100*share)
	case top != nil && top.Goodput != nil:
		out += fmt.Sprintf("; the survivable capacity: goodput did not judge the steps (at %g rps it was %.1f/s, %.0f%% of the rate; --goodput-share finds the usable capacity)",
			top.Rate, *top.Goodput, 100**top.Goodput/top.Rate)
	}
	return out
}
