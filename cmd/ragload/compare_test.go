package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
)

func TestNewCompareCmd(t *testing.T) {
	tests := []struct {
		name, args, wantErr string
		want                compareOptions
	}{
		{name: "defaults", args: "a b", want: compareOptions{Base: "a", New: "b", MaxRegression: 0.1, Alpha: 0.05, MaxFailureRise: 0.5, Format: "text", Seed: 1}},
		{name: "different plans", args: "a b --allow-different-plans", want: compareOptions{Base: "a", New: "b", MaxRegression: 0.1, Alpha: 0.05, MaxFailureRise: 0.5, Format: "text", Seed: 1, AllowPlans: true}},
		{name: "percent", args: "a b --max-regression 5% --skip 10s -f markdown", want: compareOptions{Base: "a", New: "b", MaxRegression: 0.05, Alpha: 0.05, MaxFailureRise: 0.5, Skip: 10 * time.Second, Format: "markdown", Seed: 1}},
		{name: "fraction", args: "a b --max-regression 0.2 --alpha 0.01", want: compareOptions{Base: "a", New: "b", MaxRegression: 0.2, Alpha: 0.01, MaxFailureRise: 0.5, Format: "text", Seed: 1}},
		{name: "one side", args: "a", wantErr: "accepts 2 arg(s), received 1"},
		{name: "bad format", args: "a b -f csv", wantErr: `--format "csv" isn't one of [text markdown json]`},
		{name: "bad alpha", args: "a b --alpha 2", wantErr: "--alpha must be between 0 and 1"},
		{name: "bad percent", args: "a b --max-regression lots", wantErr: `"lots" is not a percent`},
		{name: "negative skip", args: "a b --skip -1s", wantErr: "--skip must be ≥ 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCmd(t, newCompareCmd, tt.args)
			if expectErr(t, err, tt.wantErr) {
				return
			}
			if *got != tt.want {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// TestCompareDemoRuns is the comparison's acceptance test on real runs:
// two runs of the demo API with the same settings compare as unchanged;
// with the query service times raised 30%, the query endpoints regress and
// /health does not.
func TestCompareDemoRuns(t *testing.T) {
	t.Parallel()
	// /health takes 10 ms (not 1) and a third of the requests, so that the
	// scheduling noise of a busy 2-core machine is small next to it and its
	// percentiles have samples enough.
	fast := demo.Config{QueryLatency: 20 * time.Millisecond, EnhancedLatency: 40 * time.Millisecond, DocumentsLatency: 5 * time.Millisecond,
		HealthLatency: 10 * time.Millisecond, Workers: 256}
	slow := fast
	slow.QueryLatency, slow.EnhancedLatency = 26*time.Millisecond, 52*time.Millisecond
	_, fastURL := demoAPI(t, fast)
	_, slowURL := demoAPI(t, slow)
	scenario := filepath.Join(t.TempDir(), "mix.yaml")
	if err := os.WriteFile(scenario, []byte("endpoints:\n  - key: health\n    weight: 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The three runs are made together and compared; a busy machine (the
	// browser tests of another package, say) can make one run really
	// slower than its twin (or /health in the slower run), so the set is
	// made again, once, if a comparison goes wrong.
	for attempt := 1; ; attempt++ {
		dirs := map[string]string{"base": runDir(t), "same": runDir(t), "slower": runDir(t)}
		for name, url := range map[string]string{"base": fastURL, "same": fastURL, "slower": slowURL} {
			if out, errOut, code := ragload(t, "attack", "-u", url, "-s", scenario, "--rate", "250", "-d", "6s", "--seed", "9", "-o", dirs[name], "-q"); !ranOK(out, code) {
				t.Fatalf("%s: exit %d\n%s\n%s", name, code, out, errOut)
			}
		}
		out, errOut, code := ragload(t, "compare", dirs["base"], dirs["same"], "--skip", "1s")
		t.Logf("same settings (attempt %d):\n%s", attempt, out)
		// A run whose generator saturated (the other tests of the package
		// share the 2 cores) measured the machine, not the demo: its
		// comparison does not count, up to 4 sets.
		busy := strings.Contains(out, "load generator was saturated")
		if code != exitOK || !strings.Contains(out, "Verdict: no regression") {
			if attempt < 2 || (busy && attempt < 4) {
				continue
			}
			t.Errorf("same settings: exit %d\n%s", code, errOut)
		}
		out, errOut, code = ragload(t, "compare", dirs["base"], dirs["slower"], "--skip", "1s")
		t.Logf("query service time +30%%:\n%s", out)
		reasons := out[strings.Index(out, "Verdict:"):]
		busy = busy || strings.Contains(out, "load generator was saturated")
		if code != exitVerdict || !strings.Contains(reasons, "because /query (basic):") || strings.Contains(reasons, "/health") {
			if attempt < 2 || (busy && attempt < 4) {
				continue
			}
			t.Errorf("+30%% on the query endpoints: exit %d, want 1 with reasons on /query and none on /health\n%s", code, errOut)
		}
		return
	}
}

// TestMakefileBaselineAndCheck drives the README's flow through the
// Makefile, with this test binary standing in for ragload: a check
// without a baseline that fails at once, a baseline, a check of the same
// service that passes, and a check of a slower one that fails the make.
func TestMakefileBaselineAndCheck(t *testing.T) {
	t.Parallel()
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Fatalf("make is needed for the Makefile flow: %v", err)
	}
	fast := demo.Config{QueryLatency: 20 * time.Millisecond, EnhancedLatency: 40 * time.Millisecond, DocumentsLatency: 5 * time.Millisecond, Workers: 256}
	slow := fast
	slow.QueryLatency, slow.EnhancedLatency = 40*time.Millisecond, 80*time.Millisecond
	_, fastURL := demoAPI(t, fast)
	_, slowURL := demoAPI(t, slow)
	dir := t.TempDir()
	run := func(target, url string) (string, int) {
		cmd := exec.Command(makeBin, "-C", "../..", "--no-print-directory", target, "URL="+url, "RATE=150", "DURATION=3s",
			"BASELINE="+filepath.Join(dir, "baseline"), "CHECKS="+dir,
			// The flow is under test here, not the statistics: a loose limit keeps
			// a busy machine's noise from failing the check of the same service.
			"COMPARE=--skip 500ms --max-regression 50%", "RAGLOAD="+os.Args[0])
		cmd.Env = append(os.Environ(), "RAGLOAD_AS_MAIN=1")
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	// A make that failed only because a busy machine left the run not
	// conclusive (the generator saturated) still ran the flow.
	made := func(out string, code int) bool { return code == 0 || ranOK(out, exitInconclusive) }
	// No baseline yet: the check fails at once, before any load is sent
	// (it used to run the whole test, then fail in compare).
	if out, code := run("check", fastURL); code == 0 || !strings.Contains(out, "make check: no baseline in "+filepath.Join(dir, "baseline")) {
		t.Errorf("make check without a baseline: exit %d, want a failed make saying there is no baseline\n%s", code, out)
	}
	if runs, _ := filepath.Glob(filepath.Join(dir, "check-*")); len(runs) != 0 {
		t.Errorf("make check without a baseline ran the load test anyway: %v", runs)
	}
	if out, code := run("baseline", fastURL); !made(out, code) {
		t.Fatalf("make baseline: exit %d\n%s", code, out)
	}
	if out, code := run("check", fastURL); !made(out, code) || !strings.Contains(out, "Verdict: no regression") {
		t.Errorf("make check of the same service: exit %d\n%s", code, out)
	}
	out, code := run("check", slowURL)
	if code == 0 || !strings.Contains(out, "Verdict: REGRESSION") {
		t.Errorf("make check of a service twice as slow: exit %d, want a failed make\n%s", code, out)
	}
}
