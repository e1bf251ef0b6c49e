package threshold

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseThresholdValid(t *testing.T) {
	cases := []struct {
		expr     string
		endpoint string
		metric   string
		op       string
		limit    float64
		limitDur time.Duration
		kind     string
		view     string
		stat     string
		quantile float64
	}{
		{"p95<2s", "", "p95", "<", 0, 2 * time.Second, KindLatency, ViewResponse, "p", 95},
		{"p99.9<=3s", "", "p99.9", "<=", 0, 3 * time.Second, KindLatency, ViewResponse, "p", 99.9},
		{"p50<1500ms", "", "p50", "<", 0, 1500 * time.Millisecond, KindLatency, ViewResponse, "p", 50},
		{"p100<10s", "", "p100", "<", 0, 10 * time.Second, KindLatency, ViewResponse, "p", 100},
		{"median<1s", "", "median", "<", 0, time.Second, KindLatency, ViewResponse, "p", 50},
		{"max<5s", "", "max", "<", 0, 5 * time.Second, KindLatency, ViewResponse, "max", 0},
		{"min>1ms", "", "min", ">", 0, time.Millisecond, KindLatency, ViewResponse, "min", 0},
		{"mean<1s", "", "mean", "<", 0, time.Second, KindLatency, ViewResponse, "mean", 0},
		{"avg<1s", "", "avg", "<", 0, time.Second, KindLatency, ViewResponse, "mean", 0},
		{"P95<2s", "", "p95", "<", 0, 2 * time.Second, KindLatency, ViewResponse, "p", 95},
		{"service_p95<2s", "", "service_p95", "<", 0, 2 * time.Second, KindLatency, ViewService, "p", 95},
		{"service_max<4s", "", "service_max", "<", 0, 4 * time.Second, KindLatency, ViewService, "max", 0},
		{"lag_p99<10ms", "", "lag_p99", "<", 0, 10 * time.Millisecond, KindLatency, ViewLag, "p", 99},
		{"failures<1%", "", "failures", "<", 0.01, 0, KindFailures, "", "", 0},
		{"failures<0.01", "", "failures", "<", 0.01, 0, KindFailures, "", "", 0},
		{"failures<=0%", "", "failures", "<=", 0, 0, KindFailures, "", "", 0},
		{"errors<2.5%", "", "errors", "<", 0.025, 0, KindFailures, "", "", 0},
		{"failures<1", "", "failures", "<", 1, 0, KindFailures, "", "", 0},
		{"rps>=45", "", "rps", ">=", 45, 0, KindRPS, "", "", 0},
		{"rps>45/s", "", "rps", ">", 45, 0, KindRPS, "", "", 0},
		{"rate>0.5", "", "rate", ">", 0.5, 0, KindRPS, "", "", 0},
		{"requests>100", "", "requests", ">", 100, 0, KindRequests, "", "", 0},
		{"count>=1", "", "count", ">=", 1, 0, KindRequests, "", "", 0},
		{"query:p99<3s", "query", "p99", "<", 0, 3 * time.Second, KindLatency, ViewResponse, "p", 99},
		{"/query (basic):p95<2s", "/query (basic)", "p95", "<", 0, 2 * time.Second, KindLatency, ViewResponse, "p", 95},
		{"POST /query:failures<5%", "POST /query", "failures", "<", 0.05, 0, KindFailures, "", "", 0},
		{" query : p95 < 2s ", "query", "p95", "<", 0, 2 * time.Second, KindLatency, ViewResponse, "p", 95},
		{"rps >= 45/s", "", "rps", ">=", 45, 0, KindRPS, "", "", 0},
		{"checks<1%", "", "checks", "<", 0.01, 0, KindChecks, "", "", 0},
		{"query:checks<=0.05", "query", "checks", "<=", 0.05, 0, KindChecks, "", "", 0},
		{"goodput>=45", "", "goodput", ">=", 45, 0, KindGoodput, "", "", 0},
		{"stream:goodput>2/s", "stream", "goodput", ">", 2, 0, KindGoodput, "", "", 0},
		{"itl_p95<50ms", "", "itl_p95", "<", 0, 50 * time.Millisecond, KindLatency, ViewITL, "p", 95},
		{"stream:tpot_p95<100ms", "stream", "tpot_p95", "<", 0, 100 * time.Millisecond, KindLatency, ViewTPOT, "p", 95},
		{"tpot_max<=1s", "", "tpot_max", "<=", 0, time.Second, KindLatency, ViewTPOT, "max", 0},
	}
	for _, c := range cases {
		got, err := Parse(c.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.expr, err)
			continue
		}
		if got.Expr != strings.TrimSpace(c.expr) || got.Endpoint != c.endpoint || got.Metric != c.metric ||
			got.Op != c.op || got.Limit != c.limit || got.LimitDur != c.limitDur || got.Advisory {
			t.Errorf("Parse(%q) = expr %q endpoint %q metric %q op %q limit %v dur %v advisory %v;\n"+
				"want endpoint %q metric %q op %q limit %v dur %v", c.expr, got.Expr, got.Endpoint, got.Metric,
				got.Op, got.Limit, got.LimitDur, got.Advisory, c.endpoint, c.metric, c.op, c.limit, c.limitDur)
		}
		if got.kind != c.kind || got.view != c.view || got.stat != c.stat || got.quantile != c.quantile {
			t.Errorf("Parse(%q): kind %q view %q stat %q q %v; want %q %q %q %v", c.expr,
				got.kind, got.view, got.stat, got.quantile, c.kind, c.view, c.stat, c.quantile)
		}
	}
}

func TestParseThresholdInvalid(t *testing.T) {
	cases := []struct {
		expr  string
		words []string // each must appear in the error
	}{
		{"p95 2s", []string{"no comparison", "p95<2s"}},
		{"p95=2s", []string{"no comparison"}},
		{"", []string{"no comparison"}},
		{"latency<1s", []string{"unknown metric", `"latency"`, "p50"}},
		{"p95<", []string{"missing value", "<"}},
		{"rps>=  ", []string{"missing value", ">="}},
		{"p95<2", []string{"needs a unit", "2s"}},
		{"p95<abc", []string{"not a duration"}},
		{"failures<5", []string{"above 1", "5%"}},
		{"failures<lots", []string{"not a percent"}},
		{"failures<150%", []string{"outside"}},
		{"failures<-1%", []string{"outside"}},
		{"rps>-1", []string{"non-negative"}},
		{"requests>many", []string{"non-negative"}},
		{"p0<1s", []string{"unknown metric", `"p0"`}},
		{"p101<1s", []string{"unknown metric", `"p101"`}},
		{"p<1s", []string{"unknown metric"}},
		{"pabc<1s", []string{"unknown metric"}},
		{"service_<1s", []string{"unknown metric"}},
		{":p95<1s", []string{"empty endpoint"}},
		{"  :p95<1s", []string{"empty endpoint"}},
	}
	for _, c := range cases {
		_, err := Parse(c.expr)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", c.expr)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "threshold \""+c.expr+"\"") {
			t.Errorf("Parse(%q): error %q does not quote the expression", c.expr, msg)
		}
		for _, w := range c.words {
			if !strings.Contains(msg, w) {
				t.Errorf("Parse(%q): error %q lacks %q", c.expr, msg, w)
			}
		}
	}
}

func TestParseAll(t *testing.T) {
	ts, err := ParseAll([]string{"p95<2s", "rps>1"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || !ts[0].Advisory || !ts[1].Advisory {
		t.Errorf("ParseAll(advisory) = %+v", ts)
	}
	if _, err := ParseAll([]string{"p95<2s", "bogus"}, false); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("ParseAll with a bad expression: err %v", err)
	}
	if ts, err := ParseAll(nil, false); err != nil || ts == nil || len(ts) != 0 {
		t.Errorf("ParseAll(nil) = %#v, %v", ts, err)
	}
}

// describe renders rules as "expr" or "expr (mark)" for comparisons.
func describe(t *testing.T, rules []Threshold) []string {
	t.Helper()
	out := []string{}
	for _, r := range rules {
		s := r.Expr
		if r.Advisory {
			s += " (mark)"
		}
		out = append(out, s)
	}
	return out
}

func TestRules(t *testing.T) {
	cases := []struct {
		name                    string
		thresholds, marks, over []string
		want                    []string
	}{
		{"defaults", nil, nil, nil,
			[]string{"p95<2s", "failures<1%", "p50<1s (mark)", "p99<3s (mark)"}},
		{"override replaces the p95 threshold", nil, nil, []string{"p95<1500ms"},
			[]string{"failures<1%", "p50<1s (mark)", "p99<3s (mark)", "p95<1500ms"}},
		{"override replaces a mark", nil, nil, []string{"p99<2500ms"},
			[]string{"p95<2s", "failures<1%", "p50<1s (mark)", "p99<2500ms"}},
		{"median is p50", nil, nil, []string{"median<800ms"},
			[]string{"p95<2s", "failures<1%", "p99<3s (mark)", "median<800ms"}},
		{"failures in another form", nil, nil, []string{"failures<0.05"},
			[]string{"p95<2s", "p50<1s (mark)", "p99<3s (mark)", "failures<0.05"}},
		{"endpoint scope keeps the total", nil, nil, []string{"query:p95<1s"},
			[]string{"p95<2s", "failures<1%", "p50<1s (mark)", "p99<3s (mark)", "query:p95<1s"}},
		{"service view is another metric", nil, nil, []string{"service_p95<1s"},
			[]string{"p95<2s", "failures<1%", "p50<1s (mark)", "p99<3s (mark)", "service_p95<1s"}},
		{"empty marks mean none", nil, []string{}, nil,
			[]string{"p95<2s", "failures<1%"}},
		{"empty thresholds mean none", []string{}, nil, nil,
			[]string{"p50<1s (mark)", "p99<3s (mark)"}},
		{"own thresholds", []string{"p99<5s", "rps>=10"}, []string{"p50<2s"}, []string{"rps>=20"},
			[]string{"p99<5s", "p50<2s (mark)", "rps>=20"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rules, err := Rules(c.thresholds, c.marks, c.over)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(t, rules); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Rules = %q, want %q", got, c.want)
			}
		})
	}
	for _, bad := range [][3][]string{{{"x"}, nil, nil}, {nil, {"x"}, nil}, {nil, nil, {"x"}}} {
		if _, err := Rules(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("Rules(%q) succeeded", bad)
		}
	}
	// Rules never changes the defaults.
	if !reflect.DeepEqual(Defaults, []string{"p95<2s", "failures<1%"}) ||
		!reflect.DeepEqual(DefaultMarks, []string{"p50<1s", "p99<3s"}) {
		t.Errorf("defaults changed: %q %q", Defaults, DefaultMarks)
	}
}

func TestOverride(t *testing.T) {
	base, err := Rules([]string{"p95<2s", "query:p95<2s"}, []string{"p99<3s"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	over, err := ParseAll([]string{"query:p95<1s", "p99<4s"}, false)
	if err != nil {
		t.Fatal(err)
	}
	got := describe(t, overrideRules(base, over))
	want := []string{"p95<2s", "query:p95<1s", "p99<4s"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("overrideRules = %q, want %q", got, want)
	}
	if got := describe(t, overrideRules(base, nil)); !reflect.DeepEqual(got, []string{"p95<2s", "query:p95<2s", "p99<3s (mark)"}) {
		t.Errorf("overrideRules(base, nil) = %q", got)
	}
}

func TestExprsRoundTrip(t *testing.T) {
	cases := []struct{ thresholds, marks []string }{
		{[]string{"p95<2s", "failures<1%"}, []string{"p50<1s", "p99<3s"}},
		{[]string{"query:p99<3s", "rps>=45"}, []string{}},
		{[]string{}, []string{"lag_p99<10ms"}},
	}
	for _, c := range cases {
		rules, err := Rules(c.thresholds, c.marks, nil)
		if err != nil {
			t.Fatal(err)
		}
		ths, marks := Exprs(rules)
		if !reflect.DeepEqual(ths, c.thresholds) || !reflect.DeepEqual(marks, c.marks) {
			t.Errorf("Exprs(Rules(%q, %q)) = %q, %q", c.thresholds, c.marks, ths, marks)
		}
		again, err := Rules(ths, marks, nil)
		if err != nil || !reflect.DeepEqual(again, rules) {
			t.Errorf("Rules(Exprs(...)) = %+v, %v; want %+v", again, err, rules)
		}
	}
	// Exprs of nothing gives empty, non-nil lists (a manifest writes []).
	ths, marks := Exprs(nil)
	if ths == nil || marks == nil || len(ths)+len(marks) != 0 {
		t.Errorf("Exprs(nil) = %#v, %#v", ths, marks)
	}
}

func TestThresholdCompare(t *testing.T) {
	cases := []struct {
		expr   string
		actual float64
		want   bool
	}{
		{"p95<2s", float64(1999 * time.Millisecond), true},
		{"p95<2s", float64(2 * time.Second), false},
		{"p95<=2s", float64(2 * time.Second), true},
		{"p95<=2s", float64(2*time.Second + 1), false},
		{"rps>45", 45, false},
		{"rps>=45", 45, true},
		{"rps>45", 45.01, true},
		{"requests>=100", 99, false},
		{"failures<1%", 0.01, false},
		{"failures<=1%", 0.01, true},
		{"failures<1%", 0.0099, true},
	}
	for _, c := range cases {
		th, err := Parse(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := th.Compare(c.actual); got != c.want {
			t.Errorf("%s with %v = %v, want %v", c.expr, c.actual, got, c.want)
		}
	}
}

func TestParseJourneyThreshold(t *testing.T) {
	for _, c := range []struct {
		expr, journey, endpoint, metric, err string
	}{
		{expr: "journey:conversation:p95<20s", journey: "conversation", metric: "p95"},
		{expr: " journey: ask-about-upload :failures<1%", journey: "ask-about-upload", metric: "failures"},
		{expr: "journey:conversation:max<=1m", journey: "conversation", metric: "max"},
		{expr: "journey:conversation:median<5s", journey: "conversation", metric: "median"},
		{expr: "journey:p95<2s", endpoint: "journey", metric: "p95"}, // an endpoint keyed journey
		{expr: "journey::p95<1s", err: "empty journey name"},
		{expr: "journey:c:rps>1", err: `journey metric "rps" isn't one of`},
		{expr: "journey:c:service_p95<1s", err: `journey metric "service_p95"`},
		{expr: "journey:c:mean<1s", err: `journey metric "mean"`},
		{expr: "journey:c:checks<1%", err: `journey metric "checks"`},
		{expr: "journey:c:p95<20", err: "needs a unit"},
	} {
		th, err := Parse(c.expr)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one with %q", c.expr, err, c.err)
			}
		case err != nil:
			t.Errorf("%q: %v", c.expr, err)
		case th.Journey != c.journey || th.Endpoint != c.endpoint || th.Metric != c.metric:
			t.Errorf("%q: journey %q endpoint %q metric %q", c.expr, th.Journey, th.Endpoint, th.Metric)
		}
	}
	// A journey's rule overrides the same rule of that journey only.
	rules, err := Rules([]string{"journey:a:p95<1s", "journey:b:p95<1s", "p95<1s"}, []string{}, []string{"journey:a:p95<2s"})
	if err != nil {
		t.Fatal(err)
	}
	var exprs []string
	for _, r := range rules {
		exprs = append(exprs, r.Expr)
	}
	if !slices.Equal(exprs, []string{"journey:b:p95<1s", "p95<1s", "journey:a:p95<2s"}) {
		t.Errorf("rules %q", exprs)
	}
}
