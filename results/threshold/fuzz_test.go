package threshold

import (
	"math"
	"strconv"
	"testing"
)

// The seed corpus of FuzzParseThreshold is testdata/fuzz/FuzzParseThreshold/
// (plus the f.Add calls); `make fuzz` runs it for a while, and a failing
// input that Go saves there is a regression seed to commit.

// fuzzCanonical writes a parsed threshold back as an expression: the
// endpoint, the metric as parsed, the operator and the limit in a form
// that parses to the same number.
func fuzzCanonical(t Threshold) string {
	var v string
	switch t.kind {
	case KindLatency:
		v = t.LimitDur.String()
	default:
		v = strconv.FormatFloat(t.Limit, 'g', -1, 64)
	}
	s := t.Metric + t.Op + v
	if t.Endpoint != "" {
		s = t.Endpoint + ":" + s
	}
	if t.Journey != "" {
		s = journeyPrefix + t.Journey + ":" + s
	}
	return s
}

// FuzzParseThreshold feeds expressions to Parse. An accepted
// threshold has a known operator and a finite, in-range limit, and its
// canonical form parses back to the same rule; parsing is idempotent on
// its Expr.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range append(append([]string{}, Defaults...), DefaultMarks...) {
		f.Add(s)
	}
	for _, s := range []string{
		"query:p99<3s", "/query (basic):p95<=1500ms", "service_p95<2s", "lag_p99<10ms", "ttft_p95<1s",
		"gap_max<=500ms", "failures<0.5%", "failures<=0.01", "rps>=45", "requests>100", "users>=100",
		"p99.9<5s", "median<1s", "avg<1s", "p95<2", "p95", "p95<", ":p95<2s", "p0<1s", "p101<1s",
		"failures<150%", "failures<2", "rps>=-1", "rps>=NaN", "failures<NaN%", "requests<Inf",
		"checks<1%", "query:checks<=0.05", "checks<101%", "goodput>=45", "goodput>=45/s", "stream:goodput>-1",
		"itl_p95<50ms", "stream:tpot_p95<100ms", "tpot_max", "itl_<1s",
		"journey:conversation:p95<20s", "journey:conversation:failures<1%", "journey:a:b:max<=1m", "journey:p95<2s",
		"journey::p95<1s", "journey: x :median<1s", "journey:x:rps>1", "journey:journey:x:p99<1s",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 1024 {
			t.Skip("input too large")
		}
		th, err := Parse(expr)
		if err != nil {
			return
		}
		switch th.Op {
		case "<", "<=", ">", ">=":
		default:
			t.Fatalf("%q: operator %q", expr, th.Op)
		}
		if math.IsNaN(th.Limit) || math.IsInf(th.Limit, 0) || th.Limit < 0 {
			t.Fatalf("%q: limit %g is not a finite number ≥ 0", expr, th.Limit)
		}
		if (th.kind == KindFailures || th.kind == KindChecks) && th.Limit > 1 {
			t.Fatalf("%q: %s limit %g is above 1", expr, th.kind, th.Limit)
		}
		if th.kind == KindLatency && (th.stat == "p" && (th.quantile <= 0 || th.quantile > 100)) {
			t.Fatalf("%q: quantile %g", expr, th.quantile)
		}
		again, err := Parse(th.Expr)
		if err != nil || again != th {
			t.Fatalf("%q: parsing its Expr %q gives %+v, %v; want %+v", expr, th.Expr, again, err, th)
		}
		canon := fuzzCanonical(th)
		back, err := Parse(canon)
		if err != nil {
			t.Fatalf("%q: canonical form %q does not parse: %v", expr, canon, err)
		}
		back.Expr = th.Expr
		if back != th {
			t.Fatalf("%q: canonical form %q parses to %+v, want %+v", expr, canon, back, th)
		}
	})
}
