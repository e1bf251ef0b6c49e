package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
)

// TestSLOFlagsOverrideScenario: --slo-latency replaces the scenario's
// slo: latency (its ttft stays), run.json stores the result, and the
// goodput line of the report, printed and read again, names the flag's
// objective. The demo answers in tens of ms, so 1 ms leaves no goodput.
func TestSLOFlagsOverrideScenario(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "slo.yaml")
	if err := os.WriteFile(file, []byte("slo:\n  latency: 2s\n  ttft: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := runDir(t)
	out, errOut, _ := ragload(t, "demo", "-s", file, "--slo-latency", "1ms", "--min-samples", "1", "--rate", "20", "--duration", "1s", "--out", dir, "-q")
	const line = "goodput 0.0/s of 20.0/s offered (0%): met latency ≤ 1ms, ttft ≤ 1s"
	wantContains(t, "stdout", out, line)
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if s := m.Scenario.SLO; s == nil || time.Duration(s.Latency) != time.Millisecond || time.Duration(s.TTFT) != time.Second {
		t.Errorf("run.json's slo is %+v, want latency 1ms (the flag's) and ttft 1s (the scenario's)", s)
	}
	again, _, _ := ragload(t, "report", dir)
	wantContains(t, "report", again, line)
	if _, errOut, code := ragload(t, "demo", "--slo-tpot", "-5ms"); code != exitUsage {
		t.Errorf("--slo-tpot -5ms: exit %d, want %d (usage)\n%s", code, exitUsage, errOut)
	} else {
		wantContains(t, "stderr", errOut, "--slo-tpot must be > 0")
	}
}
