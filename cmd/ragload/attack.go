package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/render"
	"github.com/ragload/ragload/results/threshold"
)

type attackOptions struct {
	runOptions
	planOptions
	run *runspec.Built
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
--rate 0 with --max-workers is vegeta's -rate=0 instead: each worker sends
again as soon as it has an answer, to find top speed; requests then have
no due time, so latency counts from the send.

Before the first request ragload logs in (form login; credentials from
--username/--password, $LOAD_TEST_EMAIL/$LOAD_TEST_PASSWORD, or a
--credentials file for a pool of users) and refreshes tokens in the
background. Every result goes to <out>/results.bin in vegeta's format with
the run's manifest in <out>/run.json; then the report and verdict print.
Ctrl-C stops sending, lets in-flight requests finish and keeps the files
complete.`,
		Example: `  ragload attack --url http://127.0.0.1:8000 --rate 50 --duration 1m --out runs/base
  ragload attack --url http://127.0.0.1:8000 --ramp 10:200 --duration 2m
  ragload attack --url http://127.0.0.1:8000 --stages 30s:50,1m:200,30s:0 -t 'p95<1500ms'
  ragload attack --url http://127.0.0.1:8000 --rate 0 --max-workers 64 --duration 10s`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			spec, err := o.planOptions.spec(c.Flags(), &o.runOptions, "")
			if err != nil {
				return err
			}
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
	o.runOptions.addFlags(cmd)
	o.planOptions.addFlags(cmd, 50, 30*time.Second)
	return cmd
}

// printReport judges rep by rules and renders it to stdout in format, one
// of render.Formats (checked with the flags). minSamples, when > 0, is
// --min-samples; else the run's own (its manifest's), else the default.
func printReport(s *streams, rep *results.Report, rules []threshold.Threshold, format string, minSamples uint64) error {
	if m := rep.Manifest; minSamples == 0 && m != nil {
		minSamples = m.MinSamples
	}
	if err := rep.Judge(rules, minSamples); err != nil {
		return &usageError{err}
	}
	if err := render.Write(s.Out, format, rep); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
