package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/plot"
	"github.com/ragload/ragload/results/sweepfile"
)

func TestNewPlotCmd(t *testing.T) {
	tests := []struct {
		name, args, wantErr string
		want                plotOptions
	}{
		{name: "defaults", args: "runs/a", want: plotOptions{Paths: []string{"runs/a"}, Output: "plot.html", Points: plot.DefaultMaxPoints}},
		{name: "all flags", args: "runs/a runs/b -o x.html --title T --every 5s --points 0 --allow-partial",
			want: plotOptions{Paths: []string{"runs/a", "runs/b"}, Output: "x.html", Title: "T", Every: 5 * time.Second, AllowPartial: true}},
		{name: "stdout", args: "-o - r.bin", want: plotOptions{Paths: []string{"r.bin"}, Output: "-", Points: plot.DefaultMaxPoints}},
		{name: "no input", args: "", wantErr: "needs at least one run directory, sweep directory or results file"},
		{name: "negative points", args: "--points -1 a", wantErr: "--points must be >= 0"},
		{name: "negative every", args: "--every -1s a", wantErr: "--every must be >= 0"},
		{name: "empty output", args: "--output= a", wantErr: "--output is empty"},
		{name: "bad every", args: "--every fast a", wantErr: `invalid argument "fast" for "--every"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCmd(t, newPlotCmd, tt.args)
			if expectErr(t, err, tt.wantErr) {
				return
			}
			if strings.Join(got.Paths, " ") != strings.Join(tt.want.Paths, " ") || got.Output != tt.want.Output || got.Title != tt.want.Title ||
				got.Every != tt.want.Every || got.Points != tt.want.Points || got.AllowPartial != tt.want.AllowPartial {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// plotCLI runs `ragload plot args...` as Main does and returns stdout,
// stderr and the exit code. It registers the command on the root when
// root.go does not (yet).
func plotCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	root := newRootCmd(s)
	if c, _, err := root.Find([]string{"plot"}); err != nil || c == root {
		root.AddCommand(newPlotCmd(s, nil))
	}
	started := false
	root.PersistentPreRun = func(*cobra.Command, []string) { started = true }
	root.SetArgs(append([]string{"plot"}, args...))
	cmd, err := root.ExecuteContextC(context.Background())
	var ue *usageError
	if err != nil && !started && !errors.As(err, &ue) {
		err = &usageError{err}
	}
	code := exitCode(s, cmd, err) // it prints the error
	return out.String(), errOut.String(), code
}

// writePlotRun writes a small run directory: n results at 10/s over three
// endpoints, every 7th a 500, with schedule lags.
func writePlotRun(t *testing.T, parent, name string, n int, thresholds []string) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := results.Create(filepath.Join(dir, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	paths := []string{"/api/v1/query/", "/health", "/api/v1/documents/"}
	for i := range n {
		lag := time.Duration(i%5) * 100 * time.Microsecond
		r := &vegeta.Result{Attack: name, Seq: uint64(i), Code: 200, Method: "GET", URL: "http://127.0.0.1:8000" + paths[i%3],
			Timestamp: start.Add(time.Duration(i)*100*time.Millisecond + lag), Latency: time.Duration(20+i%50) * time.Millisecond}
		if i%7 == 6 {
			r.Code = 500
		}
		results.SetLag(r, lag)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m := &results.Manifest{Name: name, Mode: "attack", Target: "http://127.0.0.1:8000", Status: results.StatusComplete,
		Scenario: results.ScenarioInfo{Endpoints: []results.EndpointInfo{
			{Key: "query", Name: "/query (basic)", Method: "GET", Path: "/api/v1/query/"},
			{Key: "health", Name: "/health", Method: "GET", Path: "/health"},
		}},
		Started: start, SendEnded: start.Add(time.Duration(n) * 100 * time.Millisecond),
		Thresholds: thresholds, Results: []string{results.ResultsFile}}
	if err := results.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPlotCommand(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	a := writePlotRun(t, parent, "base", 100, []string{"p95<1500ms", "failures<1%"})
	writePlotRun(t, parent, "next", 150, nil)
	out := filepath.Join(t.TempDir(), "compare.html")

	stdout, stderr, code := plotCLI(t, a, filepath.Join(parent, "n*"), "-o", out, "--title", "base vs next")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout not empty: %.200s", stdout)
	}
	wantContains(t, "stderr", stderr, "ragload: wrote "+out+" (2 runs, buckets of 1s, ")
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, "page", string(page), "<title>base vs next</title>", `"label":"base"`, `"label":"next"`,
		`"target_ms":1500`, `"/query (basic)"`, `"GET /api/v1/documents/"`, `id="errors"`, "document.body.dataset.rendered")
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("output mode %v, %v", st.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".plot-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// To stdout, bands only.
	stdout, stderr, code = plotCLI(t, a, "-o", "-", "--points", "0", "--every", "2s")
	if code != exitOK || !strings.HasPrefix(stdout, "<!doctype html>") || strings.Contains(stdout, `"t":[`) {
		t.Fatalf("exit %d, stdout %.100s…\n%s", code, stdout, stderr)
	}
	wantContains(t, "stderr", stderr, "ragload: wrote the plot to stdout (1 run, buckets of 2s")
}

func TestPlotCommandErrors(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	dir := writePlotRun(t, parent, "cut", 200, nil)
	bin := filepath.Join(dir, results.ResultsFile)
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "p.html")

	// Damaged: the page is written, exit 3 with the hint.
	_, stderr, code := plotCLI(t, dir, "-o", out)
	if code != exitRunError {
		t.Fatalf("damaged: exit %d, want %d\n%s", code, exitRunError, stderr)
	}
	wantContains(t, "stderr", stderr, "ragload: wrote "+out, "cut short at byte", "pass --allow-partial")
	if page, err := os.ReadFile(out); err != nil || !bytes.Contains(page, []byte("cut short")) {
		t.Errorf("page of a damaged run: %v, warning shown %v", err, bytes.Contains(page, []byte("cut short")))
	}

	// --allow-partial: exit 0 with a warning.
	_, stderr, code = plotCLI(t, dir, "-o", out, "--allow-partial")
	if code != exitOK {
		t.Fatalf("allow-partial: exit %d\n%s", code, stderr)
	}
	wantContains(t, "stderr", stderr, "ragload: warning: plotted up to the damage:", "cut short")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{filepath.Join(parent, "missing")}, `no run at "` + filepath.Join(parent, "missing") + `"`},
		{[]string{filepath.Join(parent, "nothing-*")}, "matches nothing"},
		{nil, "needs at least one run directory"},
		{[]string{dir, "--points", "-5"}, "--points must be >= 0"},
		{[]string{dir, "--bogus"}, "unknown flag: --bogus"},
	} {
		_, stderr, code := plotCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("plot %q: exit %d, stderr %q; want %d and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}

	// An output folder that does not exist: a run error, no page.
	_, stderr, code = plotCLI(t, dir, "--allow-partial", "-o", filepath.Join(parent, "no", "such", "dir", "p.html"))
	if code != exitRunError || !strings.Contains(stderr, "write plot") {
		t.Errorf("bad output: exit %d, stderr %q", code, stderr)
	}
}

// writePlotSweep writes a capacity sweep directory parent/name: its
// sweep.json and two small step runs.
func writePlotSweep(t *testing.T, parent, name string) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	writePlotRun(t, dir, "step-0010rps", 50, nil)
	writePlotRun(t, dir, "step-0020rps", 60, nil)
	sw := &sweepfile.Sweep{Name: name, Target: "http://127.0.0.1:8000", Status: results.StatusComplete,
		Thresholds: []string{"p95<1500ms", "failures<1%"},
		Steps: []sweepfile.Step{
			{Rate: 20, Dir: "step-0020rps", SentRate: 20, Throughput: 15.5, Requests: 600, Failures: 0.2, P50: 900, P95: 2400, P99: 3100, Verdict: sweepfile.StepFail, Reason: "p95 2.4s ≥ 1.5s"},
			{Rate: 10, Dir: "step-0010rps", SentRate: 10, Throughput: 9.9, Requests: 300, P50: 40, P95: 90, P99: 120, Verdict: sweepfile.StepPass},
		},
		Found: true, Capacity: 10, Limit: 20, Answer: "max sustainable ≈ 10 rps (bracket [10, 20])"}
	if err := sweepfile.Write(dir, sw); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPlotSweep: a sweep directory, named or matched by a glob, draws as a
// sweep, beside runs; a glob of its steps draws them as runs.
func TestPlotSweep(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	sweep := writePlotSweep(t, parent, "sweep1")
	base := writePlotRun(t, parent, "base", 100, []string{"p95<1s"})
	out := filepath.Join(t.TempDir(), "curve.html")

	_, stderr, code := plotCLI(t, sweep, "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	wantContains(t, "stderr", stderr, "ragload: wrote "+out+" (1 sweep, ")
	if strings.Contains(stderr, "run") {
		t.Errorf("stderr counts runs for a sweep alone: %s", stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, "page", string(page), "<title>ragload plot: sweep1</title>", `"sweeps":[{"label":"sweep1"`, `"runs":[]`,
		`"p95_limit_ms":1500`, `"answer":"max sustainable ≈ 10 rps (bracket [10, 20])"`, `"capacity":10`, `"limit":20`)
	if i, j := strings.Index(string(page), `"rate":10,`), strings.Index(string(page), `"rate":20,`); i < 0 || j < i {
		t.Errorf("steps not by planned rate: 10 at %d, 20 at %d", i, j)
	}

	// A sweep beside a run, the sweep by a glob: both on the page; the
	// run's target line is its own threshold.
	_, stderr, code = plotCLI(t, filepath.Join(parent, "sw*"), base, "-o", out)
	if code != exitOK {
		t.Fatalf("sweep and run: exit %d\n%s", code, stderr)
	}
	wantContains(t, "stderr", stderr, "(1 sweep, 1 run, buckets of 1s, ")
	page, _ = os.ReadFile(out)
	wantContains(t, "page", string(page), "<title>ragload plot: sweep1, base</title>", `"label":"base"`, `"target_ms":1000`, `"sweeps":[{"label":"sweep1"`)

	// The steps by a glob: two runs, no sweep.
	_, stderr, code = plotCLI(t, filepath.Join(sweep, "step-*"), "-o", out)
	if code != exitOK {
		t.Fatalf("steps: exit %d\n%s", code, stderr)
	}
	wantContains(t, "stderr", stderr, "(2 runs, buckets of 1s, ")
	page, _ = os.ReadFile(out)
	wantContains(t, "page", string(page), `"label":"step-0010rps"`, `"label":"step-0020rps"`, `"sweeps":[]`)

	// A damaged sweep.json: a run error, no page.
	bad := filepath.Join(parent, "bad")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, sweepfile.File), []byte(`{"steps": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	badOut := filepath.Join(t.TempDir(), "bad.html")
	_, stderr, code = plotCLI(t, bad, "-o", badOut)
	if code != exitRunError || !strings.Contains(stderr, "sweep "+bad) {
		t.Errorf("damaged sweep.json: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(badOut); err == nil {
		t.Error("a page was written for a damaged sweep.json")
	}
}
