package deploy_test

// The Grafana dashboard (grafana/ragload.json) as Grafana reads it, and
// every metric its queries name against what ragload's exporter serves
// (metrics_test.go).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ragload/ragload/metrics"
)

const dashboardFile = "grafana/ragload.json"

// ---- the dashboard as Grafana reads it ----------------------------------------

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type gridPos struct{ H, W, X, Y int }

type grafanaTarget struct {
	Datasource   *dsRef `json:"datasource"`
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat"`
	RefID        string `json:"refId"`
}

type grafanaPanel struct {
	ID          int             `json:"id"`
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	GridPos     *gridPos        `json:"gridPos"`
	Datasource  *dsRef          `json:"datasource"`
	Targets     []grafanaTarget `json:"targets"`
	FieldConfig struct {
		Defaults struct {
			Unit       string         `json:"unit"`
			Max        *float64       `json:"max"`
			Custom     map[string]any `json:"custom"`
			Thresholds struct {
				Steps []struct {
					Color string   `json:"color"`
					Value *float64 `json:"value"`
				} `json:"steps"`
			} `json:"thresholds"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

type grafanaVariable struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Query      any    `json:"query"`
	Definition string `json:"definition"`
	Datasource *dsRef `json:"datasource"`
	Multi      bool   `json:"multi"`
	IncludeAll bool   `json:"includeAll"`
	AllValue   string `json:"allValue"`
}

type grafanaDashboard struct {
	UID           string         `json:"uid"`
	Title         string         `json:"title"`
	SchemaVersion int            `json:"schemaVersion"`
	Panels        []grafanaPanel `json:"panels"`
	Templating    struct {
		List []grafanaVariable `json:"list"`
	} `json:"templating"`
}

func loadDashboard(t *testing.T, data []byte) *grafanaDashboard {
	t.Helper()
	var d grafanaDashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return &d
}

// queryOf is a query variable's query: a string, or Grafana's object form.
func queryOf(v grafanaVariable) string {
	switch q := v.Query.(type) {
	case string:
		return q
	case map[string]any:
		s, _ := q["query"].(string)
		return s
	}
	return ""
}

var labelValues = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)

// dashboardProblems lists what keeps d from loading in Grafana as meant,
// or makes one of its queries name what ragload does not export.
func dashboardProblems(d *grafanaDashboard, exp map[string]family) []string {
	var bad []string
	add := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	if d.Title != "ragload" || d.UID != "ragload" {
		add("title %q and uid %q: want ragload", d.Title, d.UID)
	}
	if d.SchemaVersion < 36 || d.SchemaVersion > 41 {
		add("schemaVersion %d: want 36 to 41 (Grafana 9 to 11)", d.SchemaVersion)
	}

	// The variables: a Prometheus data source, and run and shard taken
	// from ragload_run_info, several at once, All by default.
	vars := map[string]grafanaVariable{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	if ds, ok := vars["datasource"]; !ok || ds.Type != "datasource" || queryOf(ds) != "prometheus" {
		add("templating: want a variable datasource of type datasource, query prometheus; got %+v", ds)
	}
	for _, name := range []string{"run", "shard"} {
		v, ok := vars[name]
		if !ok {
			add("templating: no variable %s", name)
			continue
		}
		if v.Type != "query" || !v.Multi || !v.IncludeAll || v.Datasource == nil || v.Datasource.UID != "${datasource}" {
			add("variable %s: want a multi-value query with All on ${datasource}, got %+v", name, v)
		}
		// An unsharded run has no shard label: only ".*" matches it, not
		// Grafana's default All (the values found, joined by |).
		if v.AllValue != ".*" {
			add("variable %s: allValue %q, want .* (series without the label must match All)", name, v.AllValue)
		}
		m := labelValues.FindStringSubmatch(queryOf(v))
		if m == nil {
			add("variable %s: query %q is not label_values(<selector>, <label>)", name, queryOf(v))
			continue
		}
		if m[2] != name {
			add("variable %s: takes the label %s", name, m[2])
		}
		for _, metric := range metricNames(m[1]) {
			if base, err := resolve(metric, exp); err != nil {
				add("variable %s: %v", name, err)
			} else if !exp[base].labels[m[2]] {
				add("variable %s: %s has no label %s", name, metric, m[2])
			}
		}
	}

	if len(d.Panels) == 0 {
		add("no panels")
	}
	ids := map[int]bool{}
	used := map[string]bool{}
	for i, p := range d.Panels {
		at := fmt.Sprintf("panel %d (%q)", i, p.Title)
		if p.Title == "" || p.Description == "" {
			add("%s: want a title and a description", at)
		}
		if p.Type != "timeseries" && p.Type != "stat" {
			add("%s: type %q, want timeseries or stat", at, p.Type)
		}
		if p.ID <= 0 || ids[p.ID] {
			add("%s: id %d is not a new positive number", at, p.ID)
		}
		ids[p.ID] = true
		if g := p.GridPos; g == nil || g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			add("%s: gridPos %+v is not within 24 columns", at, g)
		}
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}" {
			add("%s: datasource %+v, want prometheus ${datasource}", at, p.Datasource)
		}
		if !slices.Contains([]string{"reqps", "s", "percentunit", "short"}, p.FieldConfig.Defaults.Unit) {
			add("%s: unit %q, want reqps, s, percentunit or short", at, p.FieldConfig.Defaults.Unit)
		}
		if len(p.Targets) == 0 {
			add("%s: no queries", at)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.RefID == "" || refs[tg.RefID] {
				add("%s: refId %q is empty or given twice", at, tg.RefID)
			}
			refs[tg.RefID] = true
			if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
				add("%s, query %s: datasource %+v, want ${datasource}", at, tg.RefID, tg.Datasource)
			}
			for _, e := range checkExpr(tg.Expr, exp) {
				add("%s, query %s: %s", at, tg.RefID, e)
			}
			for _, name := range metricNames(tg.Expr) {
				used[name] = true
			}
		}
	}
	// No two panels overlap.
	for i, a := range d.Panels {
		for _, b := range d.Panels[i+1:] {
			if a.GridPos != nil && b.GridPos != nil && overlap(*a.GridPos, *b.GridPos) {
				add("panels %q %+v and %q %+v overlap", a.Title, *a.GridPos, b.Title, *b.GridPos)
			}
		}
	}
	// The panels a person wants first are there.
	for _, name := range []string{
		metrics.PlannedRate, metrics.Sent, metrics.Requests, metrics.ResponseTime + "_bucket", metrics.Failures,
		metrics.Dropped, metrics.CheckFailures, metrics.Users, metrics.UsersTarget, metrics.InFlight,
		metrics.ScheduleLag + "_bucket", "process_cpu_seconds_total", metrics.Cores,
	} {
		if !used[name] {
			add("no panel shows %s", name)
		}
	}
	bad = append(bad, responseTimeProblems(d)...)
	return bad
}

func overlap(a, b gridPos) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// responseTimeProblems checks the response-time panel: p50, p95 and p99
// per endpoint in seconds, and the 2 s target drawn as a line that the
// axis always reaches.
func responseTimeProblems(d *grafanaDashboard) []string {
	var bad []string
	for _, p := range d.Panels {
		if p.Type != "timeseries" || len(p.Targets) == 0 || !strings.Contains(p.Targets[0].Expr, metrics.ResponseTime+"_bucket") {
			continue
		}
		var qs []string
		for _, tg := range p.Targets {
			m := regexp.MustCompile(`histogram_quantile\((0\.\d+),\s*sum by \(endpoint, le\) \(rate\(` + metrics.ResponseTime + `_bucket\{`).FindStringSubmatch(tg.Expr)
			if m != nil {
				qs = append(qs, m[1])
			}
		}
		if !slices.Equal(qs, []string{"0.5", "0.95", "0.99"}) {
			bad = append(bad, fmt.Sprintf("%q: quantiles by endpoint %q, want 0.5, 0.95, 0.99", p.Title, qs))
		}
		def := p.FieldConfig.Defaults
		if def.Unit != "s" {
			bad = append(bad, fmt.Sprintf("%q: unit %q, want s", p.Title, def.Unit))
		}
		line := false
		for _, s := range def.Thresholds.Steps {
			line = line || (s.Value != nil && *s.Value == 2 && s.Color != "transparent" && s.Color != "")
		}
		style, _ := def.Custom["thresholdsStyle"].(map[string]any)
		mode, _ := style["mode"].(string)
		if !line || !slices.Contains([]string{"line", "dashed", "line+area", "dashed+area"}, mode) {
			bad = append(bad, fmt.Sprintf("%q: no 2 s threshold drawn as a line (steps %+v, thresholdsStyle %q)", p.Title, def.Thresholds.Steps, mode))
		}
		softMax, _ := def.Custom["axisSoftMax"].(float64)
		if softMax < 2 && (def.Max == nil || *def.Max < 2) {
			bad = append(bad, fmt.Sprintf("%q: the y axis may stop below 2 s (axisSoftMax %v): the line would not show", p.Title, softMax))
		}
		return bad
	}
	return append(bad, "no response-time panel (histogram_quantile over "+metrics.ResponseTime+"_bucket)")
}

// ---- tests --------------------------------------------------------------------

func TestGrafanaDashboard(t *testing.T) {
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	exp := exported(t)
	d := loadDashboard(t, data)
	for _, p := range dashboardProblems(d, exp) {
		t.Error(p)
	}
	// Hand-readable and diff-friendly: two-space JSON, as json.Indent writes
	// it (which keeps the final newline).
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) || !bytes.HasSuffix(data, []byte("}\n")) {
		t.Errorf("%s is not indented with two spaces as json.Indent would (python3 -m json.tool --indent 2 --no-ensure-ascii)", dashboardFile)
	}
}

// TestGrafanaDashboardCheckCatches makes sure dashboardProblems fails a
// dashboard with each mistake it is there to catch.
func TestGrafanaDashboardCheckCatches(t *testing.T) {
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	exp := exported(t)
	if p := dashboardProblems(loadDashboard(t, data), exp); len(p) > 0 {
		t.Fatalf("the dashboard itself has problems: %q", p)
	}
	replaceExpr := func(old, new string) func(*grafanaDashboard) {
		return func(d *grafanaDashboard) {
			for i := range d.Panels {
				for j := range d.Panels[i].Targets {
					d.Panels[i].Targets[j].Expr = strings.ReplaceAll(d.Panels[i].Targets[j].Expr, old, new)
				}
			}
		}
	}
	for _, c := range []struct {
		name   string
		change func(*grafanaDashboard)
		want   string
	}{
		{"a misspelt metric", replaceExpr("ragload_requests_total{", "ragload_request_total{"), "ragload_request_total is not a metric ragload exports"},
		{"a foreign metric", replaceExpr("ragload_requests_in_flight{", "up{"), "up is not a metric ragload exports"},
		{"a histogram without _bucket", replaceExpr("ragload_schedule_lag_seconds_bucket", "ragload_schedule_lag_seconds"), "ragload_schedule_lag_seconds is a histogram"},
		{"a counter with _count", replaceExpr("ragload_requests_sent_total", "ragload_requests_sent_count"), "ragload_requests_sent_count is not a metric"},
		{"no shard filter", replaceExpr(`, shard=~"$shard"`, ""), `is not filtered by shard=~"$shard"`},
		{"an unknown variable", replaceExpr(`"$run"`, `"$runs"`), "unknown variable $runs"},
		{"an unclosed bracket", replaceExpr("[$__rate_interval]", "[$__rate_interval"), "unbalanced"},
		{"an empty query", func(d *grafanaDashboard) { d.Panels[3].Targets[0].Expr = "" }, "an empty query"},
		{"no refId", func(d *grafanaDashboard) { d.Panels[5].Targets[1].RefID = "" }, "refId"},
		{"overlapping panels", func(d *grafanaDashboard) { d.Panels[6].GridPos.Y-- }, "overlap"},
		{"past 24 columns", func(d *grafanaDashboard) { d.Panels[5].GridPos.W = 13 }, "within 24 columns"},
		{"no gridPos", func(d *grafanaDashboard) { d.Panels[2].GridPos = nil }, "within 24 columns"},
		{"no datasource", func(d *grafanaDashboard) { d.Panels[1].Datasource = nil }, "datasource"},
		{"no unit", func(d *grafanaDashboard) { d.Panels[7].FieldConfig.Defaults.Unit = "" }, "unit"},
		{"no 2 s line", func(d *grafanaDashboard) {
			for i := range d.Panels {
				for j := range d.Panels[i].FieldConfig.Defaults.Thresholds.Steps {
					if v := d.Panels[i].FieldConfig.Defaults.Thresholds.Steps[j].Value; v != nil && *v == 2 {
						*v = 3
					}
				}
			}
		}, "no 2 s threshold"},
		{"the 2 s line off the axis", func(d *grafanaDashboard) {
			for i := range d.Panels {
				delete(d.Panels[i].FieldConfig.Defaults.Custom, "axisSoftMax")
			}
		}, "may stop below 2 s"},
		{"no users panel", replaceExpr("ragload_users_target", "ragload_users"), "no panel shows ragload_users_target"},
		{"shard's All not .*", func(d *grafanaDashboard) { d.Templating.List[2].AllValue = "" }, "allValue"},
		{"a variable on a misspelt metric", func(d *grafanaDashboard) {
			d.Templating.List[1].Query = map[string]any{"query": "label_values(ragload_runinfo, run)"}
		}, "ragload_runinfo is not a metric"},
		{"a variable on a label the metric lacks", func(d *grafanaDashboard) {
			d.Templating.List[2].Query = "label_values(ragload_generator_cores, shard)"
		}, "has no label shard"},
	} {
		d := loadDashboard(t, data)
		c.change(d)
		problems := dashboardProblems(d, exp)
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
			t.Errorf("%s: want a problem with %q, got %q", c.name, c.want, problems)
		}
	}
}
