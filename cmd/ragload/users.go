package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/results"
)

type usersOptions struct {
	runOptions
	Users      int
	SpawnRate  float64
	RunTime    time.Duration
	Stages     stagesValue
	Wait       waitValue
	Iterations int

	job   *attack.UsersJob
	rules []results.Threshold
}

func newUsersCmd(s *streams, runF func(context.Context, *usersOptions) error) *cobra.Command {
	o := &usersOptions{Wait: waitValue{attack.Between(time.Second, 5*time.Second)}, Stages: stagesValue{unit: "users"}}
	cmd := &cobra.Command{
		Use:   "users --url <base-url> [flags]",
		Short: "Run closed-loop virtual users with think time (Locust's model) and judge them",
		Long: `Users runs a closed-loop load test, the way owners state their target ("p95
under 2 s with 100 concurrent users"): each virtual user logs in once
(recorded as an /auth/login row), then picks a weighted endpoint, sends it,
waits for the answer, thinks (--wait), and repeats. Only requests are timed,
never think time or logins.

Users start at --spawn-rate per second up to --users and run until
--run-time; or follow --stages of user counts (k6's ramping-vus). When the
count goes down, the newest users stop after their current request. The
report adds the peak and sustained concurrent users, and the verdict
requires that the users asked for all ran together (users>=N) besides p95
and failures.

--wait takes Locust's wait times: "1s-5s" (between), "2s" (constant),
"pacing:3s" (a request every 3 s per user), "throughput:0.5" (at most 0.5
requests per second per user).`,
		Example: `  ragload users --url http://127.0.0.1:8000 --users 100 --spawn-rate 10 --run-time 5m --wait 1s-5s
  ragload users --url http://127.0.0.1:8000 --stages 1m:50,3m:200,1m:0 --credentials runs/credentials.csv
  ragload users --url http://127.0.0.1:8000 --users 20 --iterations 10 --wait pacing:2s`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if o.URL == "" {
				return usageErrorf("--url is required (the API's base URL, e.g. http://127.0.0.1:8000)")
			}
			plan, err := o.plan(c)
			if err != nil {
				return err
			}
			setup, rules, err := o.setup(c.Flags(), "users-", fmt.Sprintf("users>=%d", plan.Wanted()))
			if err != nil {
				return err
			}
			o.job = &attack.UsersJob{Setup: setup, Users: plan, Wait: o.Wait.w, Iterations: o.Iterations}
			o.rules = rules
			if w := o.job.SharedAccounts(); w != "" { // also in run.json
				o.warn(w)
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			what := fmt.Sprintf("%s, think %s", plan, o.Wait.w)
			return runJob(c.Context(), s, &o.job.Setup, o.job, what, rules, o.Format, o.Quiet, o.Record)
		},
	}
	cmd.Flags().StringVarP(&o.URL, "url", "u", "", "base URL of the API under test (required)")
	cmd.Flags().IntVarP(&o.Users, "users", "n", 10, "peak number of concurrent virtual users")
	cmd.Flags().Float64VarP(&o.SpawnRate, "spawn-rate", "r", 10, "users started per second until --users run (0: all at once)")
	cmd.Flags().DurationVar(&o.RunTime, "run-time", time.Minute, "how long the test runs, spawning included")
	cmd.Flags().Var(&o.Stages, "stages", `user count over time, "duration:users,..." (e.g. 1m:50,3m:200,1m:0); replaces --users, --spawn-rate and --run-time`)
	cmd.Flags().Var(&o.Wait, "wait", `think time after each request: "1s-5s", "2s", "pacing:3s" or "throughput:0.5"`)
	cmd.Flags().IntVar(&o.Iterations, "iterations", 0, "requests per user before it stops (0: no limit)")
	o.runOptions.addFlags(cmd)
	return cmd
}

// plan builds the user plan from --users/--spawn-rate/--run-time or --stages.
func (o *usersOptions) plan(c *cobra.Command) (attack.UserPlan, error) {
	fs := c.Flags()
	var p attack.UserPlan
	if fs.Changed("stages") {
		for _, f := range []string{"users", "spawn-rate", "run-time"} {
			if fs.Changed(f) {
				return p, usageErrorf("--%s does not apply with --stages", f)
			}
		}
		var stages []attack.UserStage
		for _, s := range o.Stages.stages {
			stages = append(stages, attack.UserStage{Duration: s.Duration, Target: s.Target})
		}
		p = attack.StagedUsers(stages)
	} else {
		if o.Users < 1 {
			return p, usageErrorf("--users must be ≥ 1, got %d", o.Users)
		}
		if o.SpawnRate < 0 {
			return p, usageErrorf("--spawn-rate must be ≥ 0, got %g", o.SpawnRate)
		}
		if o.RunTime <= 0 {
			return p, usageErrorf("--run-time must be > 0, got %s", o.RunTime)
		}
		p = attack.Spawn(o.Users, o.SpawnRate, o.RunTime)
	}
	if o.Iterations < 0 {
		return p, usageErrorf("--iterations must be ≥ 0, got %d", o.Iterations)
	}
	if err := p.Validate(); err != nil {
		return p, usageErrorf("%v", err)
	}
	return p, nil
}

// waitValue is a --wait flag.
type waitValue struct{ w attack.Wait }

func (v *waitValue) String() string { return v.w.String() }
func (v *waitValue) Type() string   { return "wait" }
func (v *waitValue) Set(s string) error {
	w, err := parseWait(s)
	if err != nil {
		return err
	}
	v.w = w
	return nil
}

// parseWait reads Locust's wait times: "1s-5s" or "between:1s-5s",
// "2s" or "constant:2s", "pacing:3s", "throughput:0.5".
func parseWait(s string) (attack.Wait, error) {
	kind, arg, ok := strings.Cut(s, ":")
	if !ok {
		kind, arg = "", s
	}
	dur := func(x string) (time.Duration, error) {
		d, err := time.ParseDuration(strings.TrimSpace(x))
		if err != nil || d < 0 {
			return 0, fmt.Errorf("wait %q: %q is not a duration ≥ 0 (e.g. 1s, 500ms)", s, x)
		}
		return d, nil
	}
	var w attack.Wait
	switch kind {
	case "", "between", "constant":
		lo, hi, isRange := strings.Cut(arg, "-")
		if kind == "between" && !isRange {
			return w, fmt.Errorf("wait %q: between needs min-max, e.g. between:1s-5s", s)
		}
		if kind == "constant" && isRange {
			return w, fmt.Errorf("wait %q: constant takes one duration", s)
		}
		a, err := dur(lo)
		if err != nil {
			return w, err
		}
		w = attack.ConstantWait(a)
		if isRange {
			b, err := dur(hi)
			if err != nil {
				return w, err
			}
			w = attack.Between(a, b)
		}
	case "pacing":
		d, err := dur(arg)
		if err != nil {
			return w, err
		}
		w = attack.Pacing(d)
	case "throughput":
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil || f <= 0 {
			return w, fmt.Errorf("wait %q: throughput needs requests per second per user > 0", s)
		}
		w = attack.Throughput(f)
	default:
		return w, fmt.Errorf("wait %q: kind %q isn't one of [between constant pacing throughput]", s, kind)
	}
	return w, w.Validate()
}
