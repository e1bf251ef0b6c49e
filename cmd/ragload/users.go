package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/internal/flagvalue"
)

type usersOptions struct {
	runOptions
	Users      int
	SpawnRate  float64
	RunTime    time.Duration
	Stages     flagvalue.Stages
	Wait       flagvalue.Wait
	Iterations int

	run *runspec.Built
}

func newUsersCmd(s *streams, runF func(context.Context, *usersOptions) error) *cobra.Command {
	o := &usersOptions{Wait: flagvalue.Wait{Wait: plan.DefaultWait}, Stages: flagvalue.Stages{Unit: "users"}}
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
			plan, err := o.plan(c)
			if err != nil {
				return err
			}
			spec, err := o.spec(c.Flags(), runspec.ModeUsers, "users-")
			if err != nil {
				return err
			}
			spec.Users, spec.Wait, spec.Iterations = plan, o.Wait.Wait, o.Iterations
			if o.run, err = o.build(spec); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return o.runOptions.run(c.Context(), s, o.run)
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
func (o *usersOptions) plan(c *cobra.Command) (plan.UserPlan, error) {
	fs := c.Flags()
	var p plan.UserPlan
	if fs.Changed("stages") {
		for _, f := range []string{"users", "spawn-rate", "run-time"} {
			if fs.Changed(f) {
				return p, usageErrorf("--%s does not apply with --stages", f)
			}
		}
		var stages []plan.UserStage
		for _, s := range o.Stages.Stages {
			stages = append(stages, plan.UserStage{Duration: s.Duration, Target: s.Target})
		}
		p = plan.StagedUsers(stages)
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
		p = plan.Spawn(o.Users, o.SpawnRate, o.RunTime)
	}
	if err := p.Validate(); err != nil {
		return p, &usageError{err}
	}
	return p, nil
}
