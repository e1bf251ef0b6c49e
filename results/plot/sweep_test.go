package plot

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/sweepfile"
)

// writeSweep writes s as a sweep directory parent/name: its sweep.json and
// a small run directory for each of steps (named by the spec).
func writeSweep(t *testing.T, parent, name string, s *sweepfile.Sweep, steps ...runSpec) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, spec := range steps {
		writeRun(t, dir, spec)
	}
	if err := sweepfile.Write(dir, s); err != nil {
		t.Fatal(err)
	}
	return dir
}

// step is a sweep step with the usual numbers: served and sent as given,
// p50/p95/p99 in ms.
func step(rate, sent, served, failures, p50, p95, p99 float64, verdict, reason string) sweepfile.Step {
	return sweepfile.Step{Rate: rate, Dir: stepName(rate), SentRate: sent, Throughput: served,
		Requests: uint64(sent * 30), Failures: failures, P50: p50, P95: p95, P99: p99, LagP99: 0.4,
		Verdict: verdict, Reason: reason}
}

func stepName(rate float64) string { return fmt.Sprintf("step-%04.0frps", rate) }

// searchSweep is a search that found a capacity: it grew 10, 20, 40, 80,
// then bisected 60, 70, 65, 68 (the order they ran in).
func searchSweep() *sweepfile.Sweep {
	return &sweepfile.Sweep{
		Tool: "ragload test", Name: "sweep1", Target: "http://127.0.0.1:8000", Status: results.StatusComplete,
		Started: t0, Ended: t0.Add(5 * time.Minute),
		Plan: sweepfile.Plan{From: 10, To: 1000, StepDuration: results.Duration(30 * time.Second),
			Warmup: results.Duration(5 * time.Second), Precision: 0.05, Growth: 2},
		Thresholds: []string{"p95<1500ms", "failures<1%"},
		Steps: []sweepfile.Step{
			step(10, 10, 10, 0, 310, 820, 1150, sweepfile.StepPass, ""),
			step(20, 20, 19.97, 0.001, 330, 870, 1230, sweepfile.StepPass, ""),
			step(40, 40, 39.9, 0.002, 380, 990, 1410, sweepfile.StepPass, ""),
			step(80, 79.8, 66.2, 0.08, 2900, 4100, 5200, sweepfile.StepFail, "p95 4.1s ≥ 1.5s; failures 8.00% ≥ 1%; served only 66.2/s of 80/s"),
			step(60, 60, 59.8, 0.003, 450, 1190, 1700, sweepfile.StepPass, ""),
			step(70, 70, 67.1, 0.02, 1100, 1980, 2900, sweepfile.StepFail, "p95 1.98s ≥ 1.5s; failures 2.00% ≥ 1%"),
			step(65, 65, 64.6, 0.004, 610, 1420, 2100, sweepfile.StepPass, ""),
			step(68, 68, 66.4, 0.009, 820, 1640, 2500, sweepfile.StepFail, "p95 1.64s ≥ 1.5s"),
		},
		Found: true, Capacity: 65, Limit: 68,
		Answer: "max sustainable ≈ 65 rps (bracket [65, 68])",
	}
}

// generatorSweep ran fixed steps until ragload itself was the limit.
func generatorSweep() *sweepfile.Sweep {
	return &sweepfile.Sweep{
		Tool: "ragload test", Name: "sweep2", Target: "http://127.0.0.1:8000", Status: results.StatusComplete,
		Started: t0.Add(time.Hour), Plan: sweepfile.Plan{Steps: []float64{25, 50, 100, 200}, StepDuration: results.Duration(20 * time.Second)},
		Thresholds: []string{"p95<2s", "failures<1%"},
		Steps: []sweepfile.Step{
			step(25, 25, 25, 0, 40, 90, 130, sweepfile.StepPass, ""),
			step(50, 50, 49.9, 0, 45, 110, 180, sweepfile.StepPass, ""),
			step(100, 99.5, 97.2, 0.012, 60, 240, 900, sweepfile.StepFail, "failures 1.20% ≥ 1%"),
			step(200, 151, 148, 0.01, 70, 300, 1100, sweepfile.StepGenerator, "send lag p99 1.2s; sent only 151.0/s of 200/s"),
		},
		Capacity: 50, Limit: 100, GeneratorLimited: true,
		Answer: "no capacity is claimed at or beyond 200 rps: there ragload itself was the limit (send lag p99 1.2s); the server passed 50 rps. Spread the load over several generators (shards) to go further.",
	}
}

// oddSweep has what a script must survive: an interrupted sweep with a
// bad step, a step without requests (no latencies), an unknown verdict and
// no thresholds.
func oddSweep() *sweepfile.Sweep {
	return &sweepfile.Sweep{
		Name: "odd", Status: results.StatusInterrupted,
		Steps: []sweepfile.Step{
			step(5, 5, 5, 0, 12, 30, 45, sweepfile.StepPass, ""),
			{Rate: 7.5, Dir: "step-0007.5rps", Verdict: sweepfile.StepFail, Reason: "no requests"},
			step(10, 10, 0.5, 0.95, 9000, 12000, 15000, sweepfile.StepBad, "failures 95.00% ≥ 1%"),
			step(12, 12, 11, 0, 0, 0, 0, "mystery", ""),
		},
		Limit: 10, Answer: "no capacity found: the first step, 5 rps, already failed",
	}
}

// sweepDirs writes the search sweep (with two small step runs), the
// generator-limited one, the odd one and one without steps.
func sweepDirs(t *testing.T) (search, generator, odd, empty string) {
	t.Helper()
	parent := t.TempDir()
	search = writeSweep(t, parent, "sweep1", searchSweep(),
		runSpec{name: "step-0010rps", start: t0, duration: 6 * time.Second, rate: 10, seed: 3},
		runSpec{name: "step-0020rps", start: t0.Add(time.Minute), duration: 6 * time.Second, rate: 20, seed: 4, failEvery: 50})
	generator = writeSweep(t, parent, "sweep2", generatorSweep())
	odd = writeSweep(t, parent, "odd", oddSweep())
	empty = writeSweep(t, parent, "empty", &sweepfile.Sweep{Status: results.StatusFailed, Answer: "no step ran"})
	return
}

// sweepJSONIn is a sweep of the page as read back.
type sweepJSONIn struct {
	Label            string   `json:"label"`
	Source           string   `json:"source"`
	Target           string   `json:"target"`
	Status           string   `json:"status"`
	Start            string   `json:"start"`
	Answer           string   `json:"answer"`
	Found            bool     `json:"found"`
	Capacity         float64  `json:"capacity"`
	Limit            float64  `json:"limit"`
	GeneratorLimited bool     `json:"generator_limited"`
	Thresholds       []string `json:"thresholds"`
	P95LimitMS       float64  `json:"p95_limit_ms"`
	P95Limit         string   `json:"p95_limit"`
	StepS            float64  `json:"step_s"`
	WarmupS          float64  `json:"warmup_s"`
	Warnings         []string `json:"warnings"`
	Steps            []struct {
		Order    int      `json:"order"`
		Dir      string   `json:"dir"`
		Rate     float64  `json:"rate"`
		Sent     float64  `json:"sent"`
		Served   float64  `json:"served"`
		Requests uint64   `json:"requests"`
		Failures float64  `json:"failures"`
		P50      *float64 `json:"p50_ms"`
		P95      *float64 `json:"p95_ms"`
		P99      *float64 `json:"p99_ms"`
		LagP99   *float64 `json:"lag_p99_ms"`
		Verdict  string   `json:"verdict"`
		Reason   string   `json:"reason"`
	} `json:"steps"`
}

// sweepsOf decodes the sweeps of a page's data.
func sweepsOf(t *testing.T, page []byte) []sweepJSONIn {
	t.Helper()
	const open = `<script type="application/json" id="data">`
	s := string(page)
	s = s[strings.Index(s, open)+len(open):]
	var d struct {
		Sweeps []sweepJSONIn `json:"sweeps"`
	}
	if err := json.Unmarshal([]byte(s[:strings.Index(s, "</script>")]), &d); err != nil {
		t.Fatal(err)
	}
	return d.Sweeps
}

func TestIsSweepDir(t *testing.T) {
	search, _, _, _ := sweepDirs(t)
	for _, c := range []struct {
		path string
		want bool
	}{
		{search, true},
		{filepath.Join(search, "step-0010rps"), false},
		{filepath.Join(search, sweepfile.File), false},
		{filepath.Join(search, "missing"), false},
	} {
		if got := IsSweepDir(c.path); got != c.want {
			t.Errorf("IsSweepDir(%s) = %v, want %v", c.path, got, c.want)
		}
	}
}

// TestSweepData: a sweep's steps reach the page by planned rate, with the
// order they ran in, their verdicts and numbers, the answer, the bracket
// and the p95 limit of its thresholds.
func TestSweepData(t *testing.T) {
	search, generator, odd, empty := sweepDirs(t)
	p := New()
	for _, dir := range []string{search, generator, odd, empty, search} {
		if err := p.AddSweepDir(dir); err != nil {
			t.Fatal(err)
		}
	}
	pg := page(t, p)
	d := pageJSON(t, pg)
	if d.Title != "ragload plot: sweep1, sweep2, odd, empty, sweep1 (2)" || len(d.Runs) != 0 || d.Buckets != 0 {
		t.Errorf("title %q, %d runs, %d buckets", d.Title, len(d.Runs), d.Buckets)
	}
	sw := sweepsOf(t, pg)
	if len(sw) != 5 {
		t.Fatalf("%d sweeps, want 5", len(sw))
	}
	s := sw[0]
	if s.Label != "sweep1" || s.Source != search || s.Target != "http://127.0.0.1:8000" || s.Start != "2025-06-01T12:00:00Z" ||
		!s.Found || s.Capacity != 65 || s.Limit != 68 || s.GeneratorLimited || s.Answer != "max sustainable ≈ 65 rps (bracket [65, 68])" ||
		s.P95LimitMS != 1500 || s.P95Limit != "p95<1500ms" || s.StepS != 30 || s.WarmupS != 5 || len(s.Warnings) != 0 ||
		strings.Join(s.Thresholds, " ") != "p95<1500ms failures<1%" {
		t.Errorf("sweep1: %+v", s)
	}
	var rates, order []float64
	for _, st := range s.Steps {
		rates = append(rates, st.Rate)
		order = append(order, float64(st.Order))
	}
	if want := []float64{10, 20, 40, 60, 65, 68, 70, 80}; !slices.Equal(rates, want) {
		t.Errorf("rates %v, want %v (by planned rate)", rates, want)
	}
	if want := []float64{1, 2, 3, 5, 7, 8, 6, 4}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v (as they ran)", order, want)
	}
	st := s.Steps[7] // 80 rps
	if st.Dir != "step-0080rps" || st.Sent != 79.8 || st.Served != 66.2 || st.Requests != 2394 || st.Failures != 0.08 ||
		*st.P50 != 2900 || *st.P95 != 4100 || *st.P99 != 5200 || *st.LagP99 != 0.4 || st.Verdict != "fail" || !strings.HasPrefix(st.Reason, "p95 4.1s") {
		t.Errorf("80 rps step: %+v", st)
	}

	g := sw[1]
	if g.Found || !g.GeneratorLimited || g.Capacity != 50 || g.Limit != 100 || g.P95LimitMS != 2000 || g.P95Limit != "p95<2s" ||
		g.Steps[3].Verdict != sweepfile.StepGenerator {
		t.Errorf("sweep2: %+v", g)
	}

	o := sw[2]
	if o.P95LimitMS != 2000 || o.P95Limit != "" || len(o.Warnings) != 1 || !strings.Contains(o.Warnings[0], "interrupted") ||
		o.Thresholds == nil || o.Start != "" {
		t.Errorf("odd: limit %g %q, warnings %q, thresholds %v, start %q", o.P95LimitMS, o.P95Limit, o.Warnings, o.Thresholds, o.Start)
	}
	if none := o.Steps[1]; none.Requests != 0 || none.P50 != nil || none.P95 != nil || none.P99 != nil || none.LagP99 != nil {
		t.Errorf("a step without requests has latencies: %+v", none)
	}
	if zero := o.Steps[3]; zero.P95 == nil || *zero.P95 != 0 || zero.Verdict != "mystery" {
		t.Errorf("a step with requests keeps its latencies, even 0: %+v", zero)
	}

	if e := sw[3]; e.Steps == nil || len(e.Steps) != 0 || e.Label != "empty" || e.Answer != "no step ran" {
		t.Errorf("empty sweep: %+v", e)
	}
	if sw[4].Label != "sweep1 (2)" {
		t.Errorf("the same sweep twice is labeled %q", sw[4].Label)
	}
}

// TestSweepBesideRuns: a sweep leaves the runs' data as it is without it,
// and the steps of a sweep plot as ordinary runs.
func TestSweepBesideRuns(t *testing.T) {
	search, _, _, _ := sweepDirs(t)
	runs := twoRuns(t)
	_, alone := build(t, runs)
	p := New()
	if err := p.AddSweepDir(search); err != nil {
		t.Fatal(err)
	}
	for _, path := range runs {
		in, err := results.Resolve([]string{path})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AddInput(in[0]); err != nil {
			t.Fatal(err)
		}
	}
	mixed := page(t, p)
	a, m := pageJSON(t, alone), pageJSON(t, mixed)
	ja, _ := json.Marshal(a.Runs)
	jm, _ := json.Marshal(m.Runs)
	if string(ja) != string(jm) || a.Buckets != m.Buckets || a.BucketS != m.BucketS || strings.Join(a.Endpoints, "|") != strings.Join(m.Endpoints, "|") {
		t.Error("a sweep on the page changed the runs' data")
	}
	if m.Title != "ragload plot: sweep1, baseline, candidate" || len(sweepsOf(t, mixed)) != 1 || len(sweepsOf(t, alone)) != 0 {
		t.Errorf("title %q", m.Title)
	}

	// The steps of a sweep, by a glob: ordinary runs.
	_, steps := build(t, []string{filepath.Join(search, "step-*")})
	d := pageJSON(t, steps)
	if len(d.Runs) != 2 || d.Runs[0].Label != "step-0010rps" || d.Runs[1].Label != "step-0020rps" || len(sweepsOf(t, steps)) != 0 {
		t.Errorf("steps as runs: %d runs, %d sweeps", len(d.Runs), len(sweepsOf(t, steps)))
	}
}

func TestP95Limit(t *testing.T) {
	for _, c := range []struct {
		in   []string
		ms   float64
		expr string
	}{
		{nil, 2000, ""},
		{[]string{"failures<1%"}, 2000, ""},
		{[]string{"query:p95<1s", "p99<3s", "p95<=2500ms"}, 2500, "p95<=2500ms"},
		{[]string{"nonsense", "p95<800ms", "p95<1s"}, 800, "p95<800ms"},
	} {
		ms, expr := p95Limit(c.in)
		if ms != c.ms || expr != c.expr {
			t.Errorf("p95Limit(%q) = %g, %q; want %g, %q", c.in, ms, expr, c.ms, c.expr)
		}
	}
}

func TestAddSweepDirErrors(t *testing.T) {
	dir := t.TempDir()
	if err := New().AddSweepDir(dir); err == nil {
		t.Error("no sweep.json: no error")
	}
	if err := os.WriteFile(filepath.Join(dir, sweepfile.File), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := New().AddSweepDir(dir); err == nil || !strings.Contains(err.Error(), "read sweep") {
		t.Errorf("bad sweep.json: %v", err)
	}
}

// TestSweepScriptStaysData: a sweep's name, answer and reasons holding
// </script> cannot end the data tag.
func TestSweepScriptStaysData(t *testing.T) {
	evil := `</script><script>document.body.dataset.rendered="pwned"</script><!--`
	s := oddSweep()
	s.Name, s.Answer, s.Steps[0].Reason, s.Steps[0].Verdict = "sw"+evil, evil, evil, evil
	p := New()
	p.AddSweep(s.Name, "", s)
	pg := page(t, p)
	if n := strings.Count(string(pg), "</script>"); n != 4 {
		t.Errorf("%d </script> in the page, want 4", n)
	}
	if strings.Contains(string(pg), `"pwned"`) {
		t.Error("markup from a sweep reached the page unescaped")
	}
	sw := sweepsOf(t, pg)
	if sw[0].Label != "sw"+evil || sw[0].Answer != evil || sw[0].Steps[0].Reason != evil || sw[0].Steps[0].Verdict != evil {
		t.Errorf("read back as %+v", sw[0])
	}
}
