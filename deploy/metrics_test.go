package deploy_test

// What ragload's exporter really serves, gathered from metrics.New() after
// a run that exercised every series, and a small reading of PromQL: the
// Grafana dashboard's queries (grafana_test.go) and the metric names the
// docs give are held to it.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/journey"
)

// family is what the tests need of a gathered metric family.
type family struct {
	histogram bool
	labels    map[string]bool
}

// metricConstants are the ragload_ names metrics.go declares, read from
// its source, so that a metric added there must be gathered below and
// documented.
func metricConstants(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../metrics/metrics.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && regexp.MustCompile(`^ragload_[a-z_]+$`).MatchString(s) {
				names = append(names, s)
			}
		}
		return true
	})
	if len(names) < 10 {
		t.Fatalf("../metrics/metrics.go: found only %d ragload_ names: %q", len(names), names)
	}
	return names
}

// exported returns the families ragload's exporter serves once every
// series exists: an open-model run, sharded, whose one result failed (503),
// was late (a lag) and failed a check, with one request dropped; and a
// closed-loop run, whose gauges are the users.
func exported(t *testing.T) map[string]family {
	t.Helper()
	e := metrics.New()
	const url = "http://127.0.0.1:9/api/v1/query/"
	m := &results.Manifest{
		Name: "grafana-test", Mode: "attack", Target: "http://127.0.0.1:9", Shard: &results.ShardInfo{Index: 1, Count: 2},
		Scenario: results.ScenarioInfo{
			Endpoints: []results.EndpointInfo{{Key: "query", Name: "/query", Method: "POST", Path: "/api/v1/query/"}},
			Checks:    map[string][]string{"/query": {"status", "has sources"}},
			Journeys:  []results.JourneyInfo{{Name: "conversation", Weight: 1, Steps: []string{"/query"}}},
		},
	}
	r := e.Run(m)
	r.Watch(func() metrics.Live { return metrics.Live{Sent: 2, InFlight: 1, PlannedRate: 10} })
	res := &vegeta.Result{Method: "POST", URL: url, Code: 503, Latency: 1500 * time.Millisecond}
	results.SetLag(res, 20*time.Millisecond)
	checks.Record(res, []int{1}, "")
	journey.SetMark(res, "conversation", 1, 0)
	journey.SetEnd(res, "step 1 (query): HTTP 503")
	r.Observe(res)
	r.Drop(&vegeta.Target{Method: "POST", URL: url})

	u := e.Run(&results.Manifest{Name: "grafana-test-users", Mode: "users", Target: "http://127.0.0.1:9"})
	u.Watch(func() metrics.Live { return metrics.Live{Users: 3, UsersTarget: 4} })

	fams, err := e.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]family{}
	var text strings.Builder
	for _, f := range fams {
		fam := family{histogram: f.GetType().String() == "HISTOGRAM", labels: map[string]bool{}}
		for _, mm := range f.GetMetric() {
			for _, l := range mm.GetLabel() {
				fam.labels[l.GetName()] = true
				fmt.Fprintf(&text, "%s{%s=%q} ", f.GetName(), l.GetName(), l.GetValue())
			}
		}
		out[f.GetName()] = fam
	}
	// The run above really was counted as the dashboard expects it.
	for _, want := range []string{
		`ragload_request_failures_total{kind="HTTP 503"}`, `ragload_check_failures_total{check="has sources"}`,
		`ragload_requests_dropped_total{endpoint="/query"}`, `ragload_run_info{shard="1/2"}`,
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the exporter did not count %s", want)
		}
	}
	for _, name := range append(metricConstants(t), "process_cpu_seconds_total") {
		if _, ok := out[name]; !ok {
			t.Errorf("%s is declared but not gathered: make exported() exercise it", name)
		}
	}
	return out
}

// ---- a small reading of PromQL ----------------------------------------------

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers = regexp.MustCompile(`\{[^{}]*\}`)
	promRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promIdent    = regexp.MustCompile(`\b[A-Za-z_:][A-Za-z0-9_:]*`)
	// Keywords, and the aggregations, which may take their by (...) before
	// their parentheses.
	promKeywords = map[string]bool{
		"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true, "Inf": true, "NaN": true,
		"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true, "count": true,
		"count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true,
	}
	grafanaVar = regexp.MustCompile(`\$\{?(\w+)`)
)

// metricNames returns the metric names a PromQL expression selects: its
// identifiers that are not functions, keywords, label names or inside
// strings, ranges or matchers.
func metricNames(expr string) []string {
	s := promString.ReplaceAllString(expr, `""`)
	s = promMatchers.ReplaceAllString(s, "{}")
	s = promRange.ReplaceAllString(s, "[]")
	s = promGrouping.ReplaceAllString(s, "$1()")
	var names []string
	for _, loc := range promIdent.FindAllStringIndex(s, -1) {
		id := s[loc[0]:loc[1]]
		if promKeywords[id] || strings.HasPrefix(strings.TrimSpace(s[loc[1]:]), "(") {
			continue
		}
		names = append(names, id)
	}
	return names
}

// balanced reports the first unbalanced bracket or quote of expr.
func balanced(expr string) error {
	s := promString.ReplaceAllString(expr, `""`)
	if strings.Count(s, `"`)%2 != 0 {
		return fmt.Errorf("unbalanced: an unclosed string")
	}
	var stack []rune
	pair := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, c := range s {
		switch c {
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pair[c] {
				return fmt.Errorf("unbalanced: an unmatched %q", c)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unbalanced: an unclosed %q", stack[len(stack)-1])
	}
	return nil
}

// resolve names the family a series name belongs to: itself, or the
// histogram whose _bucket, _sum or _count it is.
func resolve(name string, exp map[string]family) (string, error) {
	if f, ok := exp[name]; ok {
		if f.histogram {
			return "", fmt.Errorf("%s is a histogram: select its _bucket, _sum or _count", name)
		}
		return name, nil
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && exp[base].histogram {
			return base, nil
		}
	}
	return "", fmt.Errorf("%s is not a metric ragload exports", name)
}

// checkExpr lists what is wrong with one query: brackets, variables, and
// each metric it names, which must be exported and, when it has the run
// and shard labels, selected by the dashboard's $run and $shard.
func checkExpr(expr string, exp map[string]family) []string {
	var bad []string
	if strings.TrimSpace(expr) == "" {
		return []string{"an empty query"}
	}
	if err := balanced(expr); err != nil {
		bad = append(bad, err.Error())
	}
	for _, v := range grafanaVar.FindAllStringSubmatch(expr, -1) {
		if !slices.Contains([]string{"run", "shard", "__rate_interval", "__range", "__interval"}, v[1]) {
			bad = append(bad, fmt.Sprintf("an unknown variable $%s", v[1]))
		}
	}
	names := metricNames(expr)
	if len(names) == 0 {
		bad = append(bad, "names no metric")
	}
	for _, name := range names {
		base, err := resolve(name, exp)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		if !exp[base].labels["run"] {
			continue
		}
		sel := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b(\s*\{[^}]*\})?`)
		for _, m := range sel.FindAllStringSubmatch(expr, -1) {
			for _, want := range []string{`run=~"$run"`, `shard=~"$shard"`} {
				if !strings.Contains(m[1], want) {
					bad = append(bad, fmt.Sprintf("%s is not filtered by %s", name, want))
				}
			}
		}
	}
	return bad
}

// TestMetricsDocumented holds docs/metrics.md and the READMEs to the
// exporter: every metric it declares is documented, and every metric
// name the texts give is one it exports.
func TestMetricsDocumented(t *testing.T) {
	exp := exported(t)
	doc, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(metricConstants(t), "process_cpu_seconds_total") {
		if !regexp.MustCompile("`" + regexp.QuoteMeta(name) + "`").Match(doc) {
			t.Errorf("docs/metrics.md does not document `%s`", name)
		}
	}
	for _, file := range []string{"../docs/metrics.md", "grafana/README.md", "kubernetes/README.md"} {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, name := range regexp.MustCompile(`\b(?:ragload|process)_[a-z_]+[a-z]\b`).FindAllString(string(text), -1) {
			if seen[name] {
				continue
			}
			seen[name] = true
			if _, err := resolve(name, exp); err != nil && !strings.Contains(err.Error(), "is a histogram") {
				t.Errorf("%s: %v", file, err)
			}
		}
		names := make([]string, 0, len(seen))
		for n := range seen {
			names = append(names, n)
		}
		sort.Strings(names)
		t.Logf("%s names %d metrics", file, len(names))
	}
}
