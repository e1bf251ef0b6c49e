package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/results"
)

type reportOptions struct {
	Paths        []string
	Thresholds   []string
	Format       string
	AllowPartial bool
}

func newReportCmd(s *streams, runF func(context.Context, *reportOptions) error) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report [flags] <run-dir | results-file>...",
		Short: "Print the per-endpoint table and the verdict of stored runs",
		Long: `Report reads run directories (results.bin + run.json) or bare vegeta
results files (gob, JSON or CSV; globs allowed) and prints a table per
endpoint: requests, rate, failures, 429s and p50/p90/p95/p99/max latency in
ms, then the verdict against the run's thresholds (those recorded in
run.json, or p95<2s and failures<1%), with --threshold overriding them.
Several inputs are judged as one (their union).

Exit codes: 0 PASS, 1 FAIL, 2 bad arguments, 3 unreadable or damaged input.`,
		Example: `  ragload report runs/base
  ragload report runs/base -t 'p95<1500ms' -t 'query:p99<3s'
  ragload report --format json runs/base > base.json`,
		Args: minArgs(1, "at least one run directory or results file"),
		RunE: func(c *cobra.Command, args []string) error {
			o.Paths = args
			if o.Format != "text" && o.Format != "json" {
				return usageErrorf("--format %q isn't one of [text json]", o.Format)
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return runReport(s, o)
		},
	}
	cmd.Flags().StringArrayVarP(&o.Thresholds, "threshold", "t", nil, `pass/fail rule, repeatable: "p95<1500ms", "failures<0.5%", "query:p99<3s"`)
	cmd.Flags().StringVarP(&o.Format, "format", "f", "text", "report format: text or json")
	cmd.Flags().BoolVar(&o.AllowPartial, "allow-partial", false, "judge what is readable of a damaged results file instead of failing")
	return cmd
}

func runReport(s *streams, o *reportOptions) error {
	inputs, err := results.Resolve(o.Paths)
	if err != nil {
		return &usageError{err}
	}
	rep, loadErr := results.Load(inputs)
	if rep == nil {
		return loadErr
	}
	var base, marks []string
	if m := rep.Manifest; m != nil {
		base, marks = m.Thresholds, m.Marks
	}
	rules, err := results.Rules(base, marks, o.Thresholds)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if err := printReport(s, rep, rules, o.Format); err != nil {
		return err
	}
	var de *results.DamagedError
	if errors.As(loadErr, &de) && !o.AllowPartial {
		return loadErr
	}
	if !rep.Verdict.Pass {
		return errVerdictFailed
	}
	return nil
}
