package main

import (
	"context"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
)

func TestNewAttackCmd(t *testing.T) {
	tests := []struct {
		name, args, wantErr string
		wantPlan            string
		wantCount           uint64
		wantLag             time.Duration
		wantWorkers         uint64
	}{
		{name: "defaults", args: "-u http://127.0.0.1:1", wantPlan: "constant 50/s for 30s", wantCount: 1500},
		{name: "rate per minute", args: "-u http://127.0.0.1:1 --rate 120/1m -d 1m", wantPlan: "constant 2/s for 1m0s", wantCount: 120},
		{name: "rate per second shorthand", args: "-u http://127.0.0.1:1 --rate 10/s -d 2s", wantPlan: "constant 10/s for 2s", wantCount: 20},
		{name: "ramp", args: "-u http://127.0.0.1:1 --ramp 10:200 -d 2m", wantPlan: "ramp 10→200/s over 2m0s", wantCount: 12600},
		{name: "stages", args: "-u http://127.0.0.1:1 --stages 30s:50,1m:200,30s:0", wantPlan: "stages from 0/s, →50/s in 30s, →200/s in 1m0s, →0/s in 30s", wantCount: 11250},
		{name: "poisson arrivals", args: "-u http://127.0.0.1:1 --arrivals poisson -d 2s", wantPlan: "constant 50/s for 2s", wantCount: 100},
		{name: "bad arrivals", args: "-u http://x --arrivals bursty", wantErr: `--arrivals "bursty" isn't one of [even poisson]`},
		{name: "missing url", args: "--rate 5", wantErr: "--url is required"},
		{name: "zero rate", args: "-u http://x --rate 0", wantErr: "--rate 0 (as fast as the workers go) requires --max-workers"},
		{name: "unbounded", args: "-u http://127.0.0.1:1 --rate 0 --max-workers 64 -d 10s", wantPlan: "unbounded rate for 10s", wantCount: 0, wantWorkers: 64},
		{name: "unbounded poisson", args: "-u http://x --rate 0 --max-workers 64 --arrivals poisson", wantErr: "--arrivals poisson needs a rate > 0"},
		{name: "bad rate", args: "-u http://x --rate fast", wantErr: `rate "fast"`},
		{name: "stages with duration", args: "-u http://x --stages 10s:5 -d 5s", wantErr: "--duration does not apply with --stages"},
		{name: "bad stage", args: "-u http://x --stages 10s", wantErr: "want duration:rate"},
		{name: "rate and ramp", args: "-u http://x --rate 5 --ramp 1:2", wantErr: "if any flags in the group [rate ramp stages] are set none of the others can be"},
		{name: "zero duration", args: "-u http://x -d 0s", wantErr: "--duration must be > 0"},
		{name: "start rate without stages", args: "-u http://x --start-rate 5", wantErr: "--start-rate applies only with --stages"},
		{name: "bad threshold", args: "-u http://x -t p95<fast", wantErr: `threshold "p95<fast"`},
		{name: "bad format", args: "-u http://x -f xml", wantErr: `--format "xml" isn't one of [text json markdown csv junit]`},
		{name: "positional argument", args: "-u http://x targets.txt", wantErr: "takes no arguments"},
		{name: "missing scenario", args: "-u http://x -s /nonexistent.yaml", wantErr: "read scenario"},
		{name: "max lag", args: "-u http://127.0.0.1:1 -d 1s --max-lag 250ms --max-workers 9", wantPlan: "constant 50/s for 1s", wantCount: 50, wantLag: 250 * time.Millisecond, wantWorkers: 9},
		{name: "never drop", args: "-u http://127.0.0.1:1 -d 1s --max-lag -1s", wantPlan: "constant 50/s for 1s", wantCount: 50, wantLag: -time.Second},
		{name: "zero max lag", args: "-u http://x --max-lag 0", wantErr: "--max-lag 0 would drop every request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantLag == 0 {
				tt.wantLag = attack.DefaultMaxLag
			}
			got, err := parseCmd(t, newAttackCmd, tt.args)
			if expectErr(t, err, tt.wantErr) {
				return
			}
			if s := got.run.Rate.Plan.String(); s != tt.wantPlan {
				t.Errorf("plan %q, want %q", s, tt.wantPlan)
			}
			if n := got.run.Rate.Plan.Count(); n != tt.wantCount {
				t.Errorf("count %d, want %d", n, tt.wantCount)
			}
			if o := got.run.Setup.Options; o.MaxLag != tt.wantLag || o.MaxWorkers != tt.wantWorkers {
				t.Errorf("max lag %s, max workers %d; want %s, %d", o.MaxLag, o.MaxWorkers, tt.wantLag, tt.wantWorkers)
			}
			if got.run.Setup.Seed == 0 || got.run.Setup.Options.Name == "" || !strings.HasPrefix(got.run.Setup.Dir, "runs/") {
				t.Errorf("defaults: seed %d, name %q, dir %q", got.run.Setup.Seed, got.run.Setup.Options.Name, got.run.Setup.Dir)
			}
		})
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"50": 50, "50/s": 50, "50/1s": 50, "100/1m": 100.0 / 60, "5/500ms": 10, "0.5": 0.5} {
		got, err := plan.ParseRate(in)
		if err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("plan.ParseRate(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "5/x", "5/0s", "-1", "2e6"} {
		if _, err := plan.ParseRate(in); err == nil {
			t.Errorf("plan.ParseRate(%q) accepted", in)
		}
	}
}

func TestRunOptionsNaming(t *testing.T) {
	var got *attackOptions
	cmd := newAttackCmd(&streams{Out: io.Discard, ErrOut: io.Discard}, func(_ context.Context, o *attackOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-u", "http://127.0.0.1:1", "--out", "/tmp/x/base/", "--seed", "0", "-t", "p95<1500ms"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.run.Setup.Options.Name != "base" || got.run.Setup.Seed != 0 {
		t.Errorf("name %q seed %d; want the folder's name and the explicit seed 0", got.run.Setup.Options.Name, got.run.Setup.Seed)
	}
	if strings.Join(got.run.Setup.Thresholds, ",") != "failures<1%,p95<1500ms" || strings.Join(got.run.Setup.Marks, ",") != "p50<1s,p99<3s" {
		t.Errorf("thresholds %q marks %q", got.run.Setup.Thresholds, got.run.Setup.Marks)
	}
}
