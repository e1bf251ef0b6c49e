package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/render"
)

func TestDemoCommandPasses(t *testing.T) {
	t.Parallel()
	dir := runDir(t)
	out, errOut, code := ragload(t, "demo", "--min-samples", "1", "--rate", "20", "--duration", "2s", "--out", dir, "--seed", "1", // a mix with every endpoint
		"--query-latency", "20ms", "--enhanced-latency", "40ms")
	if !ranOK(out, code) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	wantContains(t, "stdout", out, "TOTAL", "/query (basic)", "/query/enhanced", "/health", "/documents (list)", "p95<2s")
	if code == exitOK {
		wantContains(t, "stdout", out, "Verdict: PASS")
	}
	wantContains(t, "stderr", errOut, "demo API listening on http://127.0.0.1:")
	if n := len(decodeAll(t, filepath.Join(dir, results.ResultsFile))); n != 40 {
		t.Errorf("results.bin holds %d results, want 40", n)
	}
	if m := readManifest(t, dir); m.Status != results.StatusComplete || m.Completed != 40 || m.Auth.Mode != "bearer" {
		t.Errorf("manifest status %s completed %d auth %s", m.Status, m.Completed, m.Auth.Mode)
	}
}

// TestSlowServerFails: a server slowed past a 2 s p95 fails the verdict,
// in attack and again in report, with exit code 1 and the reason.
func TestSlowServerFails(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{QueryLatency: 2500 * time.Millisecond, EnhancedLatency: 2500 * time.Millisecond, Sigma: -1})
	dir := runDir(t)
	out, errOut, code := ragload(t, "attack", "-u", url, "--rate", "20", "-d", "1s", "-o", dir, "-q", "--seed", "3")
	if code != exitVerdict {
		t.Fatalf("attack exit %d, want %d\n%s\n%s", code, exitVerdict, out, errOut)
	}
	wantContains(t, "attack stdout", out, "Verdict: FAIL", "FAIL      p95<2s", "because overall p95 is 25")

	out, errOut, code = ragload(t, "report", dir)
	if code != exitVerdict {
		t.Fatalf("report exit %d, want %d\n%s\n%s", code, exitVerdict, out, errOut)
	}
	wantContains(t, "report stdout", out, "Verdict: FAIL", "because overall p95 is 25")

	// A looser threshold turns the same run into a PASS.
	out, _, code = ragload(t, "report", "--min-samples", "1", dir, "-t", "p95<3s", "-t", "p99<4s")
	if code != exitOK {
		t.Fatalf("report with p95<3s: exit %d\n%s", code, out)
	}

	out, _, code = ragload(t, "report", "--format", "json", dir)
	var doc struct {
		Schema  string `json:"schema"`
		Verdict struct {
			Pass    bool     `json:"pass"`
			Reasons []string `json:"reasons"`
		} `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitVerdict || doc.Verdict.Pass || doc.Schema != render.JSONSchema {
		t.Fatalf("json report: exit %d, err %v, %+v", code, err, doc)
	}
}

func TestBadInputExitsTwo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: broken\nendpoints:\n  - key: query\n    weight: -1\n"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"attack", "-u", "http://127.0.0.1:1", "-s", bad}, bad + ":4: endpoints[0].weight: -1 is negative"},
		{[]string{"attack", "-u", "http://127.0.0.1:1", "-t", "p95<2"}, `needs a unit`},
		// A path that holds no run or results file is a bad argument (2),
		// as README's table says; a damaged results file is 3.
		{[]string{"report", filepath.Join(dir, "missing")}, `error: no run at "` + filepath.Join(dir, "missing") + `": no such directory or results file`},
		{[]string{"report", dir}, "no results file"},
		{[]string{"report", bad}, bad + " is not a results file"},
		{[]string{"attack", "--rate", "5"}, "--url is required"},
		{[]string{"nope"}, `unknown command "nope"`},
	}
	for _, tt := range tests {
		_, errOut, code := ragload(t, tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

// TestVegetaReadsOurResults runs the vegeta v12.13.0 CLI (a tool of this
// module, see go.mod) on a results file of ours: report, encode and plot.
// Stored URLs are paths (the host is the manifest's target), which vegeta's
// report and plot never read and encode prints as they are. Files with
// full URLs, as ragload wrote them before, still report by endpoint
// (TestReportFormats reads one).
func TestVegetaReadsOurResults(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run the vegeta CLI: %v", err)
	}
	_, url := demoAPI(t, demo.Config{})
	dir := runDir(t)
	if out, errOut, code := ragload(t, "attack", "--min-samples", "1", "-u", url, "--rate", "50", "-d", "1s", "-o", dir, "-q"); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	b := vegetaCLI(t, goBin, "report", "-type=json", filepath.Join(dir, results.ResultsFile))
	var rep struct {
		Requests uint64  `json:"requests"`
		Success  float64 `json:"success"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("vegeta report output: %v\n%s", err, b)
	}
	m := readManifest(t, dir)
	if rep.Requests != m.Completed || rep.Requests != 50 || rep.Success != 1 {
		t.Errorf("vegeta counts %d requests (success %.2f); our manifest %d", rep.Requests, rep.Success, m.Completed)
	}

	for _, r := range decodeAll(t, filepath.Join(dir, results.ResultsFile)) {
		if !strings.HasPrefix(r.URL, "/") || r.Headers.Get(results.LagHeader) == "" {
			t.Fatalf("stored result: URL %q, lag %q; want a path and a lag", r.URL, r.Headers.Get(results.LagHeader))
		}
	}
	b = vegetaCLI(t, goBin, "encode", "-to", "csv", filepath.Join(dir, results.ResultsFile))
	if rows := strings.Count(string(b), "\n"); rows != 50 || !strings.Contains(string(b), ",/api/v1/") {
		t.Errorf("vegeta encode -to csv: %d rows, want 50 with paths:\n%.300s", rows, b)
	}
	if b = vegetaCLI(t, goBin, "plot", filepath.Join(dir, results.ResultsFile)); !strings.Contains(string(b), "<html") {
		t.Errorf("vegeta plot: no <html> in\n%.300s", b)
	}
}

// vegetaCLI runs vegeta's CLI (a tool in go.mod: go tool vegeta) and
// returns its stdout. When it fails, the test fails with its stderr; or
// is skipped when the CLI could not be built because the module proxy is
// unreachable (see testtool.SkipIfOffline).
func vegetaCLI(t *testing.T, goBin string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(goBin, append([]string{"tool", "vegeta"}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		testtool.SkipIfOffline(t, "vegeta's CLI (go tool vegeta)", stderr.Bytes())
		t.Fatalf("go tool vegeta %s: %v\nstderr:\n%s\nstdout:\n%.300s", strings.Join(args, " "), err, stderr.Bytes(), stdout.Bytes())
	}
	return stdout.Bytes()
}

// TestFewSamplesNotConclusive: a p95 that holds on 17 requests is not a
// PASS: the verdict says NOT CONCLUSIVE, how many samples it rests on and
// how many it needs, and exits 4; --min-samples lowers the bar, at the
// run and in report; the same run's report says the same.
func TestFewSamplesNotConclusive(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{QueryLatency: 5 * time.Millisecond, EnhancedLatency: 5 * time.Millisecond, Sigma: -1})
	dir := runDir(t)
	out, errOut, code := ragload(t, "attack", "-u", url, "--rate", "17", "-d", "1s", "-o", dir, "-q")
	if code != exitInconclusive {
		t.Fatalf("17 requests: exit %d, want %d\n%s\n%s", code, exitInconclusive, out, errOut)
	}
	wantContains(t, "attack stdout", out, "Verdict: NOT CONCLUSIVE", "(17 samples, needs 100)", "not conclusive: p95<2s rests on 17 samples, fewer than the 100 a p95 needs")
	if out, _, code = ragload(t, "report", dir); code != exitInconclusive || !strings.Contains(out, "Verdict: NOT CONCLUSIVE") {
		t.Errorf("report: exit %d\n%s", code, out)
	}
	// A lowered bar is said in the verdict, with the bar it replaced.
	const lowered10 = "  sample bar lowered to 10 by --min-samples (a p95 needs 100, a p99 500)\n"
	if out, _, code = ragload(t, "report", "--min-samples", "10", dir); code != exitOK || !strings.Contains(out, "Verdict: PASS") || !strings.Contains(out, lowered10) {
		t.Errorf("report --min-samples 10: exit %d, want PASS and %q\n%s", code, lowered10, out)
	}
	lowered := runDir(t)
	if out, _, code = ragload(t, "attack", "-u", url, "--rate", "17", "-d", "1s", "-o", lowered, "-q", "--min-samples", "10"); !ranOK(out, code) || !strings.Contains(out, lowered10) {
		t.Errorf("attack --min-samples 10: exit %d, want %q\n%s", code, lowered10, out)
	}
	// The run keeps its bar: report of it passes without the flag, and
	// says so.
	if out, _, code = ragload(t, "report", lowered); !ranOK(out, code) || !strings.Contains(out, lowered10) {
		t.Errorf("report of a run made with --min-samples 10: exit %d, want %q\n%s", code, lowered10, out)
	}
}

// TestCompareSameRun: a run compared with itself, by any path, is a
// mistake (exit 2), not "no regression".
func TestCompareSameRun(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{QueryLatency: 5 * time.Millisecond, EnhancedLatency: 5 * time.Millisecond, Sigma: -1})
	dir := runDir(t)
	if out, errOut, code := ragload(t, "attack", "-u", url, "--rate", "50", "-d", "1s", "-o", dir, "-q", "--min-samples", "1"); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, other := range []string{dir, dir + "/", filepath.Join(dir, results.ResultsFile)} {
		out, errOut, code := ragload(t, "compare", dir, other)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "are the same run") {
			t.Errorf("compare %s %s: exit %d\n%s\n%s", dir, other, code, out, errOut)
		}
	}
}
