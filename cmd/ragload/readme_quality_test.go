package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReadmeQualityScenario runs the README's scenario with response
// checks and an SLO as the README says, saved as quality.yaml, with its
// command (`ragload demo --scenario quality.yaml --fault degrade=N`),
// against the demo API that degrades: latency and failures pass, the
// checks table names the checks the degraded answers fail, the goodput
// line quotes the SLO, and the verdict fails on checks<1%.
func TestReadmeQualityScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's quality scenario against the demo for about 10 s")
	}
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	block := regexp.MustCompile("(?s)```yaml\n(endpoints:.*?slo:.*?)```").FindStringSubmatch(readme)
	if block == nil {
		t.Fatal("README has no yaml block with endpoints, checks and slo")
	}
	line := regexp.MustCompile("Saved as `quality.yaml`, `(ragload demo --scenario quality.yaml [^`]*)`").FindStringSubmatch(strings.Join(strings.Fields(readme), " "))
	if line == nil {
		t.Fatal("README does not say how to run quality.yaml against the demo")
	}
	for _, w := range []string{"checks<1%", "goodput>=45", "stream_done: true", "min_items: 1", "tpot: 100ms"} {
		if !strings.Contains(block[1], w) {
			t.Errorf("the README's scenario lacks %q (the issue's example)", w)
		}
	}
	out, errOut, code := runReadmeCommand(t, line[1], map[string]string{"quality.yaml": block[1]})
	if code != exitVerdict {
		t.Fatalf("%s: exit %d, want %d (the verdict fails on its checks)\nstdout:\n%s\nstderr:\n%s", line[1], code, exitVerdict, out, errOut)
	}
	for _, w := range []string{"sources ≥ 1 item", "stream done", "passed checks and latency ≤ 2s, ttft ≤ 1s, tpot ≤ 100ms", "offered (",
		"ITL p50", "TPOT p95"} {
		if !strings.Contains(out, w) {
			t.Errorf("the report lacks %q:\n%s", w, out)
		}
	}
	for _, l := range regexp.MustCompile(`(?m)^(goodput .*|  (PASS|FAIL) .*)$`).FindAllString(out, -1) {
		t.Log(l)
	}
	if !regexp.MustCompile(`(?m)^  FAIL +checks<1%`).MatchString(out) || !regexp.MustCompile(`(?m)^  PASS +failures<1%`).MatchString(out) {
		t.Errorf("want failures<1%% to pass and checks<1%% to fail:\n%s", out)
	}
}

// runReadmeCommand runs a command the README gives (as one line of text)
// in a new folder holding files (name → content; a name may have a
// folder), as a reader would, for 2 minutes at most.
func runReadmeCommand(t *testing.T, line string, files map[string]string) (stdout, stderr string, code int) {
	t.Helper()
	args, ok := ragloadArgs(line)
	if !ok {
		t.Fatalf("cannot run %q", line)
	}
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := command(t, args...)
	cmd.Dir = dir
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = time.Second
	timer := time.AfterFunc(120*time.Second, func() { cmd.Process.Kill() })
	_ = cmd.Run()
	timer.Stop()
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}
