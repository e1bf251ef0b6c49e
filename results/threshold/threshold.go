// Package threshold parses the rules a run is judged by: thresholds,
// which fail a run, and marks, which are only reported. A rule names a
// metric of the total, of an endpoint or of a journey, an operator and a
// limit ("p95<2s", "query:failures<1%", "journey:chat:p95<20s"). results
// applies them to a Report (Report.Judge); this package only reads them,
// so that the scenario parser can check them without the rest of results.
package threshold

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Default verdict of DESIGN.md: p95 under 2 s and under 1% failures, with
// advisory marks for the median and p99.
var (
	Defaults     = []string{"p95<2s", "failures<1%"}
	DefaultMarks = []string{"p50<1s", "p99<3s"}
)

// Metric kinds (Threshold.Kind).
const (
	KindLatency  = "latency"
	KindFailures = "failures"
	KindChecks   = "checks"
	KindRPS      = "rps"
	KindGoodput  = "goodput"
	KindRequests = "requests"
	KindUsers    = "users"
)

// Latency views a threshold can name, by the prefix of its metric.
const (
	ViewResponse = ""         // from the scheduled send (the default)
	ViewService  = "service_" // from the actual send
	ViewLag      = "lag_"     // the schedule lag itself
	ViewTTFB     = "ttfb_"    // streamed responses: time to the response headers
	ViewTTFT     = "ttft_"    // streamed responses: time to the first token
	ViewGap      = "gap_"     // streamed responses: longest wait between tokens
	ViewITL      = "itl_"     // streamed responses: every wait between two tokens
	ViewTPOT     = "tpot_"    // streamed responses: time per output token after the first
)

var views = []string{ViewService, ViewLag, ViewTTFB, ViewTTFT, ViewGap, ViewITL, ViewTPOT}

// Threshold is one pass/fail rule, written
//
//	[endpoint:]metric op value
//	journey:NAME:metric op value
//
// where endpoint is a key ("query") or name ("/query (basic)"), NAME a
// journey of the scenario, op is one of < <= > >=, and metric is one of
// (for a journey: a percentile, max or failures, see below):
//
//	p50 p90 p95 p99 p99.9 … (any percentile), mean, min, max
//	                   response time from the scheduled send, value a duration: 2s, 1500ms
//	service_p95 …      latency from the actual send (what vegeta reports)
//	lag_p99 …          schedule lag: how late requests left
//	ttfb_p95, ttft_p95, gap_p99 …
//	                   streamed responses, from the send: time to the
//	                   headers, to the first token, longest wait between tokens
//	itl_p95, tpot_p95 …
//	                   streamed responses: inter-token latency (every gap
//	                   between two tokens, of all responses), time per
//	                   output token after the first (one per response)
//	failures           failed requests, value a percent (1%) or fraction (0.01)
//	checks             checked responses that failed a response check, like
//	                   failures (a failure is not checked)
//	rps                achieved requests per second
//	goodput            requests per second that were not failures, passed
//	                   their checks and met the scenario's slo: objectives
//	requests           number of requests
//	users              virtual users that all ran together for a tenth of
//	                   the run (closed-loop runs; users>=100)
//
// A journey's metrics are a percentile (p50 … p99.9) or the max of the
// durations of its completed journeys, from when the first step was due to
// the end of the last, and failures: the share of the journeys that ended
// which failed, failed / (completed + failed).
//
// Examples: "p95<2s", "failures<1%", "query:p99<3s", "rps>=45",
// "checks<1%", "goodput>=45", "stream:tpot_p95<100ms",
// "journey:conversation:p95<20s", "journey:conversation:failures<1%".
type Threshold struct {
	Expr     string
	Endpoint string // "" for the total
	Journey  string // the journey judged ("journey:NAME:…"); Endpoint is then ""
	Metric   string // as written, e.g. "p95", "service_max", "failures"
	Op       string
	Limit    float64       // for failures and checks (a fraction), rps, goodput and requests
	LimitDur time.Duration // for latency metrics
	Advisory bool          // a mark: reported, never failing

	kind     string
	view     string
	stat     string  // "p", "mean", "min", "max"
	quantile float64 // for stat "p"
}

// Parse parses one threshold expression.
func Parse(expr string) (Threshold, error) {
	t := Threshold{Expr: strings.TrimSpace(expr)}
	s := t.Expr
	i := strings.IndexAny(s, "<>")
	if i < 0 {
		return t, fmt.Errorf("threshold %q: no comparison (want e.g. p95<2s)", expr)
	}
	left, right := s[:i], s[i:]
	t.Op = right[:1]
	if strings.HasPrefix(right[1:], "=") {
		t.Op += "="
	}
	value := strings.TrimSpace(right[len(t.Op):])
	if j := strings.LastIndex(left, ":"); j >= 0 {
		scope := strings.TrimSpace(left[:j])
		left = left[j+1:]
		if name, ok := strings.CutPrefix(scope, journeyPrefix); ok {
			if t.Journey = strings.TrimSpace(name); t.Journey == "" {
				return t, fmt.Errorf("threshold %q: empty journey name (want journey:NAME:p95<20s)", expr)
			}
		} else if t.Endpoint = scope; t.Endpoint == "" {
			return t, fmt.Errorf("threshold %q: empty endpoint before ':'", expr)
		}
	}
	t.Metric = strings.ToLower(strings.TrimSpace(left))
	if err := t.parseMetric(); err != nil {
		return t, fmt.Errorf("threshold %q: %w", expr, err)
	}
	if t.Journey != "" && !t.journeyMetric() {
		return t, fmt.Errorf("threshold %q: journey metric %q isn't one of p50…p99.9, max or failures", expr, t.Metric)
	}
	if value == "" {
		return t, fmt.Errorf("threshold %q: missing value after %s", expr, t.Op)
	}
	if err := t.parseValue(value); err != nil {
		return t, fmt.Errorf("threshold %q: %w", expr, err)
	}
	return t, nil
}

// ParseAll parses a list of expressions; advisory marks them as marks.
func ParseAll(exprs []string, advisory bool) ([]Threshold, error) {
	out := make([]Threshold, 0, len(exprs))
	for _, e := range exprs {
		t, err := Parse(e)
		if err != nil {
			return nil, err
		}
		t.Advisory = advisory
		out = append(out, t)
	}
	return out, nil
}

func (t *Threshold) parseMetric() error {
	m := t.Metric
	switch m {
	case "failures", "failure_rate", "fail", "errors":
		t.kind = KindFailures
		return nil
	case "checks", "check_failures":
		t.kind = KindChecks
		return nil
	case "rps", "rate":
		t.kind = KindRPS
		return nil
	case "goodput":
		t.kind = KindGoodput
		return nil
	case "requests", "count":
		t.kind = KindRequests
		return nil
	case "users", "vus":
		t.kind = KindUsers
		return nil
	}
	t.kind = KindLatency
	for _, v := range views {
		if strings.HasPrefix(m, v) {
			t.view, m = v, strings.TrimPrefix(m, v)
		}
	}
	switch m {
	case "mean", "avg", "min", "max":
		t.stat = strings.Replace(m, "avg", "mean", 1)
		return nil
	case "median":
		t.stat, t.quantile = "p", 50
		return nil
	}
	if q, ok := strings.CutPrefix(m, "p"); ok {
		f, err := strconv.ParseFloat(q, 64)
		if err == nil && f > 0 && f <= 100 {
			t.stat, t.quantile = "p", f
			return nil
		}
	}
	return fmt.Errorf("unknown metric %q (want p50…p99.9, mean, max, service_p95, lag_p99, ttft_p95, itl_p95, tpot_p95, failures, checks, rps, goodput, requests or users)", t.Metric)
}

// journeyPrefix opens the scope of a journey threshold: "journey:NAME:".
// A scope "journey" alone is an endpoint of that key.
const journeyPrefix = "journey:"

// journeyMetric reports whether a journey threshold judges one of its
// metrics: a percentile or the max of its durations, or failures.
func (t *Threshold) journeyMetric() bool {
	return t.kind == KindFailures || (t.kind == KindLatency && t.view == ViewResponse && (t.stat == "p" || t.stat == "max"))
}

// Kind is the kind of metric t judges: KindLatency, KindFailures, ….
func (t Threshold) Kind() string { return t.kind }

// View is the latency view of a latency threshold: ViewResponse, ViewLag, ….
func (t Threshold) View() string { return t.view }

// Stat is the statistic of a latency threshold: "p", "mean", "min" or "max".
func (t Threshold) Stat() string { return t.stat }

// Quantile is the percentile (0–100) of a latency threshold whose Stat is "p".
func (t Threshold) Quantile() float64 { return t.quantile }

// IsLatency reports whether the threshold is on a latency: its measure is
// in nanoseconds and its limit is LimitDur.
func (t Threshold) IsLatency() bool { return t.kind == KindLatency }

// Scope names what t judges: "overall", its endpoint, or "journey NAME".
func (t Threshold) Scope() string {
	switch {
	case t.Journey != "":
		return "journey " + t.Journey
	case t.Endpoint != "":
		return t.Endpoint
	}
	return "overall"
}

func (t *Threshold) parseValue(v string) error {
	switch t.kind {
	case KindLatency:
		d, err := time.ParseDuration(v)
		if err != nil {
			if _, nerr := strconv.ParseFloat(v, 64); nerr == nil {
				return fmt.Errorf("value %q needs a unit, e.g. 2s or 1500ms", v)
			}
			return fmt.Errorf("value %q is not a duration (e.g. 2s, 1500ms)", v)
		}
		t.LimitDur = d
	case KindFailures, KindChecks:
		pct := strings.HasSuffix(v, "%")
		f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		switch {
		case err != nil:
			return fmt.Errorf("value %q is not a percent (e.g. 1%%) or fraction (0.01)", v)
		case pct:
			f /= 100
		case f > 1:
			return fmt.Errorf("value %q is above 1; write a percent such as %s%%", v, v)
		}
		if f < 0 || f > 1 || math.IsNaN(f) {
			return fmt.Errorf("value %q is outside 0–100%%", v)
		}
		t.Limit = f
	default:
		f, err := strconv.ParseFloat(strings.TrimSuffix(v, "/s"), 64)
		if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("value %q is not a finite non-negative number", v)
		}
		t.Limit = f
	}
	return nil
}

// same reports whether t and u judge the same metric of the same endpoint.
func (t Threshold) same(u Threshold) bool {
	return t.Endpoint == u.Endpoint && t.Journey == u.Journey && t.kind == u.kind && t.view == u.view &&
		t.stat == u.stat && t.quantile == u.quantile
}

// overrideRules returns base with every rule that over judges the same metric of
// the same endpoint replaced by it; the other rules of over are added.
func overrideRules(base, over []Threshold) []Threshold {
	var out []Threshold
	for _, b := range base {
		replaced := false
		for _, o := range over {
			replaced = replaced || b.same(o)
		}
		if !replaced {
			out = append(out, b)
		}
	}
	return append(out, over...)
}

// Compare reports whether actual (nanoseconds for a latency, as Limit
// otherwise) meets the threshold.
func (t Threshold) Compare(actual float64) bool {
	limit := t.Limit
	if t.kind == KindLatency {
		limit = float64(t.LimitDur)
	}
	switch t.Op {
	case "<":
		return actual < limit
	case "<=":
		return actual <= limit
	case ">":
		return actual > limit
	default:
		return actual >= limit
	}
}

// Rules returns the rules a run is judged by: thresholds (Defaults when
// nil) and marks (DefaultMarks when nil), with over replacing any rule
// on the same metric of the same endpoint, marks included.
func Rules(thresholds, marks, over []string) ([]Threshold, error) {
	if thresholds == nil {
		thresholds = Defaults
	}
	if marks == nil {
		marks = DefaultMarks
	}
	ts, err := ParseAll(thresholds, false)
	if err != nil {
		return nil, err
	}
	ms, err := ParseAll(marks, true)
	if err != nil {
		return nil, err
	}
	ov, err := ParseAll(over, false)
	if err != nil {
		return nil, err
	}
	return overrideRules(append(ts, ms...), ov), nil
}

// Exprs splits rules back into threshold and mark expressions, as a
// manifest stores them.
func Exprs(rules []Threshold) (thresholds, marks []string) {
	thresholds, marks = []string{}, []string{}
	for _, t := range rules {
		if t.Advisory {
			marks = append(marks, t.Expr)
		} else {
			thresholds = append(thresholds, t.Expr)
		}
	}
	return thresholds, marks
}
