package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/render"
	"github.com/ragload/ragload/results/series"
	"github.com/ragload/ragload/results/sweepfile"
)

type reportOptions struct {
	Paths        []string
	Thresholds   []string
	Format       string
	Every        time.Duration
	ByEndpoint   bool
	AllowPartial bool
	Raw          bool
	MinSamples   uint64
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
Several inputs are judged as one (their union), with percentiles of all
their samples together. Shards of a run spread over generators (--shard)
are checked as a set: a missing or doubled shard, a shard of another run
or plan, a late start or generators' clocks that disagree are warned
about by name.

Formats (--format):
  text      tables for a terminal (the default)
  json      one document, schema ragload.report/v1 (docs/report.schema.json)
  markdown  GitHub-flavoured tables and the verdict as a checklist, for a
            pull request
  csv       a row per endpoint and an Aggregated row, with Locust's stats
            columns (Type, Name, Request Count, ..., 50%, ..., 100%) and then
            429s, Service 95%, Service 99%, Lag 99%; times in ms
  junit     JUnit XML: a test case per threshold (a failed one fails) and per
            mark (a missed one is skipped), so CI shows the verdict

--every cuts the run into windows by send time and adds a table with a row
per window: start, requests, RPS, fail %, p50, p95, p99 (of the total, and
of each endpoint with --by-endpoint). text and markdown print it after the
main tables, json adds a "series" array, and csv prints it instead of the
per-endpoint rows.

A run directory's summary.json, written when the run ends, answers without
decoding results.bin (the same report, much faster) unless --raw or --every
is given, or results.bin changed since (a warning says so).

Exit codes: 0 PASS, 1 FAIL, 2 bad arguments (a path with no run, or a
file that is not a results file, among them), 3 a damaged results file
(its verdict reads NOT CONCLUSIVE; --allow-partial judges what is
readable), 4 NOT CONCLUSIVE.
The verdict decides the exit code whatever the format.`,
		Example: `  ragload report runs/base
  ragload report runs/base -t 'p95<1500ms' -t 'query:p99<3s'
  ragload report --format json runs/base > base.json
  ragload report -f markdown runs/base | gh pr comment --body-file -
  ragload report -f junit runs/base > ragload-junit.xml
  ragload report -f csv runs/base > base_stats.csv
  ragload report --every 10s --by-endpoint runs/base
  ragload report --every 1m -f csv runs/base > base_stats_history.csv`,
		Args: minArgs(1, "at least one run directory or results file"),
		RunE: func(c *cobra.Command, args []string) error {
			o.Paths = args
			if err := checkFormat(o.Format); err != nil {
				return err
			}
			switch {
			case c.Flags().Changed("every") && o.Every <= 0:
				return usageErrorf("--every must be > 0, got %s", o.Every)
			case o.ByEndpoint && o.Every == 0:
				return usageErrorf("--by-endpoint applies only with --every")
			case o.Every > 0 && !slices.Contains(render.SeriesFormats, o.Format):
				return usageErrorf("--every does not apply to --format %s (use one of [%s])", o.Format, strings.Join(render.SeriesFormats, " "))
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return runReport(s, o)
		},
	}
	cmd.Flags().StringArrayVarP(&o.Thresholds, "threshold", "t", nil, `pass/fail rule, repeatable: "p95<1500ms", "failures<0.5%", "query:p99<3s"`)
	cmd.Flags().StringVarP(&o.Format, "format", "f", render.FormatText, formatUsage)
	cmd.Flags().DurationVar(&o.Every, "every", 0, "add a time series: a row per window of this length, e.g. 10s")
	cmd.Flags().BoolVar(&o.ByEndpoint, "by-endpoint", false, "with --every, a series per endpoint as well as the total")
	cmd.Flags().BoolVar(&o.AllowPartial, "allow-partial", false, "judge what is readable of a damaged results file instead of failing")
	cmd.Flags().Uint64Var(&o.MinSamples, "min-samples", 0, minSamplesUsage)
	cmd.Flags().BoolVar(&o.Raw, "raw", false, "decode every results file, even where the run's summary.json could answer")
	return cmd
}

// formatUsage is the help of every --format flag: "report format: text,
// json, markdown, csv or junit" (shell completion reads the values from it).
var formatUsage = "report format: " + strings.Join(render.Formats[:len(render.Formats)-1], ", ") +
	" or " + render.Formats[len(render.Formats)-1]

// checkFormat rejects a --format value that is not one of render.Formats.
func checkFormat(format string) error {
	if !slices.Contains(render.Formats, format) {
		return usageErrorf("--format %q isn't one of [%s]", format, strings.Join(render.Formats, " "))
	}
	return nil
}

func runReport(s *streams, o *reportOptions) error {
	if len(o.Paths) == 1 {
		if sw, err := sweepfile.Read(o.Paths[0]); err == nil {
			return reportSweep(s, o, sw)
		}
	}
	inputs, err := results.Resolve(o.Paths)
	if err != nil {
		return &usageError{err}
	}
	var load []results.LoadOption
	if o.Raw || o.Every > 0 { // the series needs the results themselves
		load = append(load, results.WithoutSummaries())
	}
	rep, loadErr := results.Load(inputs, load...)
	if rep == nil {
		return loadErr
	}
	rules, err := runspec.ReportRules(inputs, rep.Manifest, o.Thresholds)
	if err != nil {
		return specError(err)
	}
	if o.Every > 0 {
		// A damaged file was reported by Load and reads the same again.
		windows, err := series.Load(inputs, rep, o.Every, o.ByEndpoint)
		var de *results.DamagedError
		switch {
		case errors.Is(err, series.ErrTooManyWindows):
			return usageErrorf("--every: %w", err)
		case err != nil && !errors.As(err, &de):
			return err
		}
		rep.Series = windows
	}
	rep.Partial = o.AllowPartial
	if err := printReport(s, rep, rules, o.Format, o.MinSamples); err != nil {
		return err
	}
	var de *results.DamagedError
	if errors.As(loadErr, &de) && !o.AllowPartial {
		return loadErr
	}
	return verdictErr(rep.Verdict)
}

// reportSweep prints a sweep's summary again; each step is a run that
// report reads on its own.
func reportSweep(s *streams, o *reportOptions, sw *sweepfile.Sweep) error {
	if !slices.Contains(render.SweepFormats, o.Format) {
		return usageErrorf("a sweep reports as one of [%s], not %q (report a step directory for the other formats)", strings.Join(render.SweepFormats, " "), o.Format)
	}
	if err := render.Sweep(s.Out, o.Format, sw); err != nil {
		return fmt.Errorf("write sweep: %w", err)
	}
	if !sw.Found {
		return errNoCapacity
	}
	return nil
}
