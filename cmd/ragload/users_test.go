package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/demo"
)

func TestParseWait(t *testing.T) {
	good := map[string]plan.Wait{
		"1s-5s":          plan.Between(time.Second, 5*time.Second),
		"between:1s-5s":  plan.Between(time.Second, 5*time.Second),
		"500ms-500ms":    plan.Between(500*time.Millisecond, 500*time.Millisecond),
		"2s":             plan.ConstantWait(2 * time.Second),
		"constant:0s":    plan.ConstantWait(0),
		"pacing:3s":      plan.Pacing(3 * time.Second),
		"throughput:0.5": plan.Pacing(2 * time.Second),
	}
	for in, want := range good {
		got, err := plan.ParseWait(in)
		if err != nil || got != want {
			t.Errorf("plan.ParseWait(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"5s-1s":        "min ≤ max",
		"between:2s":   "needs min-max",
		"constant:1-2": "one duration",
		"fast":         "not a duration",
		"-1s":          "not a duration",
		"throughput:0": "> 0",
		"poisson:1s":   "isn't one of",
	}
	for in, want := range bad {
		if _, err := plan.ParseWait(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("plan.ParseWait(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestNewUsersCmd(t *testing.T) {
	tests := []struct {
		name, args, wantErr string
		wantPlan            string
		wantThresholds      string
	}{
		{name: "defaults", args: "-u http://x", wantPlan: "10 users, spawn 10/s, for 1m0s", wantThresholds: "p95<2s,failures<1%,users>=10"},
		{name: "users and wait", args: "-u http://x -n 100 -r 20 --run-time 5m --wait 1s-3s", wantPlan: "100 users, spawn 20/s, for 5m0s", wantThresholds: "p95<2s,failures<1%,users>=100"},
		{name: "stages", args: "-u http://x --stages 1m:50,3m:200,1m:0", wantPlan: "user stages from 0, →50 users in 1m0s, →200 users in 3m0s, →0 users in 1m0s", wantThresholds: "p95<2s,failures<1%,users>=200"},
		{name: "users threshold override", args: "-u http://x -n 100 -t users>=80", wantPlan: "100 users, spawn 10/s, for 1m0s", wantThresholds: "p95<2s,failures<1%,users>=80"},
		{name: "stages with users", args: "-u http://x --stages 1m:5 -n 5", wantErr: "--users does not apply with --stages"},
		{name: "bad stage", args: "-u http://x --stages 1m", wantErr: `stage 1 "1m": want duration:users, e.g. 30s:50`},
		{name: "zero users", args: "-u http://x -n 0", wantErr: "--users must be ≥ 1"},
		{name: "bad wait", args: "-u http://x --wait soon", wantErr: `wait "soon"`},
		{name: "no url", args: "-n 5", wantErr: "--url is required"},
		{name: "negative iterations", args: "-u http://x --iterations -1", wantErr: "--iterations must be ≥ 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCmd(t, newUsersCmd, tt.args)
			if expectErr(t, err, tt.wantErr) {
				return
			}
			if s := got.run.Users.Users.String(); s != tt.wantPlan {
				t.Errorf("plan %q, want %q", s, tt.wantPlan)
			}
			if s := strings.Join(got.run.Setup.Thresholds, ","); s != tt.wantThresholds {
				t.Errorf("thresholds %q, want %q", s, tt.wantThresholds)
			}
		})
	}
}

func TestUsersCommand(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{})
	dir := runDir(t)
	out, errOut, code := ragload(t, "users", "-u", url, "-n", "8", "-r", "0", "--run-time", "2s", "--wait", "50ms-100ms", "-o", dir)
	if !ranOK(out, code) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantContains(t, "stdout", out, "Users    planned 8 · peak 8 · held 8 users for ", "/auth/login", "PASS      users>=8", "from the send, no schedule")
	wantContains(t, "stderr", errOut, "8 users, all at once, for 2s")
	rep, _, code := ragload(t, "report", dir)
	if code != exitOK || !strings.Contains(rep, "users>=8") {
		t.Errorf("report exit %d:\n%s", code, rep)
	}
}

// TestStagesPlaceholder: --stages names what its targets count, users or
// a rate, in each command's help.
func TestStagesPlaceholder(t *testing.T) {
	for cmd, want := range map[string]string{"users": "--stages duration:users,...", "attack": "--stages duration:rate,..."} {
		out, errOut, code := cli(t, cmd, "--help")
		if !ranOK(out, code) || !strings.Contains(out, want) {
			t.Errorf("%s --help: exit %d, want %q in\n%s%s", cmd, code, want, out, errOut)
		}
	}
}
