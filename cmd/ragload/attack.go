package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/results"
)

type attackOptions struct {
	runOptions
	job   *attack.Job
	rules []results.Threshold
}

func newAttackCmd(s *streams, runF func(context.Context, *attackOptions) error) *cobra.Command {
	o := &attackOptions{}
	cmd := &cobra.Command{
		Use:   "attack --url <base-url> [flags]",
		Short: "Send the scenario's requests at a planned arrival rate, store the results and judge them",
		Long: `Attack runs an open-model load test: requests arrive at the planned rate
whatever the server's latency (a constant --rate, a linear --ramp, or
piecewise-linear --stages), so slow responses cannot slow the load down and
hide themselves. Latency is measured from the time each request was due.

Before the first request ragload logs in (form login; credentials from
--username/--password, $LOAD_TEST_EMAIL/$LOAD_TEST_PASSWORD, or a
--credentials file for a pool of users) and refreshes tokens in the
background. Every result goes to <out>/results.bin in vegeta's format with
the run's manifest in <out>/run.json; then the report and verdict print.
Ctrl-C stops sending, lets in-flight requests finish and keeps the files
complete.`,
		Example: `  ragload attack --url http://127.0.0.1:8000 --rate 50 --duration 1m --out runs/base
  ragload attack --url http://127.0.0.1:8000 --ramp 10:200 --duration 2m
  ragload attack --url http://127.0.0.1:8000 --stages 30s:50,1m:200,30s:0 -t 'p95<1500ms'`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if o.URL == "" {
				return usageErrorf("--url is required (the API's base URL, e.g. http://127.0.0.1:8000)")
			}
			var err error
			if o.job, o.rules, err = o.runOptions.job(c.Flags(), ""); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return runJob(c.Context(), s, o.job, o.rules, o.Format, o.Quiet)
		},
	}
	cmd.Flags().StringVarP(&o.URL, "url", "u", "", "base URL of the API under test (required)")
	o.addFlags(cmd, 50, 30*time.Second)
	return cmd
}

// runJob runs a job, prints its report and turns the verdict into an error
// for the exit code.
func runJob(ctx context.Context, s *streams, job *attack.Job, rules []results.Threshold, format string, quiet bool) error {
	job.Progress = progressPrinter(s, quiet)
	job.ProgressEvery = 2 * time.Second
	if !quiet {
		fmt.Fprintf(s.ErrOut, "ragload: %s against %s for %s (%d requests), writing %s\n",
			job.Plan, job.Target, job.Plan.Duration(), job.Plan.Count(), job.Dir)
	}
	rep, err := job.Run(ctx)
	if rep == nil {
		if ctx.Err() != nil && err != nil {
			return fmt.Errorf("%w before the run started: %v", errInterrupted, err)
		}
		return err
	}
	if err != nil {
		return err
	}
	if err := printReport(s, rep, rules, format); err != nil {
		return err
	}
	if rep.Manifest.Status == results.StatusInterrupted {
		return errInterrupted
	}
	if !rep.Verdict.Pass {
		return errVerdictFailed
	}
	return nil
}

// printReport judges rep by rules and renders it to stdout.
func printReport(s *streams, rep *results.Report, rules []results.Threshold, format string) error {
	if err := rep.Judge(rules); err != nil {
		return &usageError{err}
	}
	var err error
	switch format {
	case "json":
		err = results.WriteJSON(s.Out, rep)
	default:
		err = results.WriteText(s.Out, rep)
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
