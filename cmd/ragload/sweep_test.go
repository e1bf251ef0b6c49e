package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
)

func TestNewSweepCmd(t *testing.T) {
	tests := []struct {
		name, args, wantErr string
		check               func(t *testing.T, o *sweepOptions)
	}{
		{name: "defaults", args: "-u http://x", check: func(t *testing.T, o *sweepOptions) {
			j := o.job
			if j.From != 10 || j.To != 1000 || j.StepDuration != 30*time.Second || j.Warmup != 5*time.Second || j.Precision != 0.05 || j.Growth != 1.5 {
				t.Errorf("job %+v", j)
			}
			if strings.Join(j.Setup.Thresholds, ",") != "p95<2s,failures<1%" {
				t.Errorf("thresholds %q", j.Setup.Thresholds)
			}
		}},
		{name: "fixed steps", args: "-u http://x --steps 10,20,50/s --precision 2%", check: func(t *testing.T, o *sweepOptions) {
			if len(o.job.Steps) != 3 || o.job.Steps[2] != 50 || o.job.Precision != 0.02 {
				t.Errorf("steps %v precision %g", o.job.Steps, o.job.Precision)
			}
		}},
		{name: "goodput share", args: "-u http://x --goodput-share 90% --slo-latency 500ms", check: func(t *testing.T, o *sweepOptions) {
			if o.job.GoodputShare != 0.9 || o.job.Scenario.SLO.Latency != 500*time.Millisecond {
				t.Errorf("goodput share %g, slo %+v", o.job.GoodputShare, o.job.Scenario.SLO)
			}
		}},
		{name: "goodput share without checks", args: "-u http://x --goodput-share 0.9", wantErr: "--goodput-share needs response checks"},
		{name: "goodput share above 1", args: "-u http://x --goodput-share 150% --slo-latency 1s", wantErr: "--goodput-share must be in (0, 1], got 1.5"},
		{name: "no url", args: "--from 5", wantErr: "--url is required"},
		{name: "csv", args: "-u http://x -f csv", wantErr: `--format "csv" isn't one of [text markdown json]`},
		{name: "bad step", args: "-u http://x --steps 10,fast", wantErr: `rate "fast"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCmd(t, newSweepCmd, tt.args)
			if expectErr(t, err, tt.wantErr) {
				return
			}
			tt.check(t, got)
		})
	}
}

// TestSweepCommand runs a short sweep from the command line and reports
// its directory again.
func TestSweepCommand(t *testing.T) {
	t.Parallel()
	// Answers of a steady 20 ms: a 1 s step measures its served rate only
	// when its warm-up outlasts the slowest answers.
	_, url := demoAPI(t, demo.Config{QueryLatency: 20 * time.Millisecond, EnhancedLatency: 20 * time.Millisecond, DocumentsLatency: 20 * time.Millisecond, Sigma: -1})
	dir := runDir(t)
	out, errOut, code := ragload(t, "sweep", "-u", url, "--steps", "10,20", "--step-duration", "1s", "--warmup", "200ms", "-o", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantContains(t, "stdout", out, "step-0010rps", "step-0020rps", "Answer: at least 20 rps: every step up to 20 rps passed")
	wantContains(t, "stderr", errOut, "ragload: 10/s: pass")
	again, _, code := ragload(t, "report", dir, "-f", "markdown")
	if code != exitOK || !strings.Contains(again, "### ragload sweep: at least 20 rps") || !strings.Contains(again, "| step-0010rps |") {
		t.Errorf("report of the sweep: exit %d\n%s", code, again)
	}
	if _, errOut, code := ragload(t, "report", dir, "-f", "junit"); code != exitUsage || !strings.Contains(errOut, "a sweep reports as one of") {
		t.Errorf("junit of a sweep: exit %d %s", code, errOut)
	}
	if step, _, code := ragload(t, "report", "--min-samples", "1", dir+"/step-0010rps"); code != exitOK || !strings.Contains(step, "constant 10/s for 1.2s") {
		t.Errorf("report of a step: exit %d\n%s", code, step)
	}
}
