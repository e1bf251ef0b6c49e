package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/results/plot"
)

type plotOptions struct {
	Paths        []string
	Output       string // "-" for stdout
	Title        string
	Every        time.Duration // 0: automatic
	Points       int           // 0: bands only
	AllowPartial bool
}

func newPlotCmd(s *streams, runF func(context.Context, *plotOptions) error) *cobra.Command {
	o := &plotOptions{}
	cmd := &cobra.Command{
		Use:   "plot [flags] <run-dir | sweep-dir | results-file | glob>...",
		Short: "Draw stored runs and capacity sweeps as an HTML page: latency, throughput, failures, capacity",
		Long: `Plot reads run directories (results.bin + run.json) or bare vegeta results
files (gob, JSON or CSV; globs allowed) and writes one self-contained HTML
page that opens offline (no network, every script inline). Each input is a
run, labeled with its run name (else its file name); the shards of a run
spread over generators (--shard) are one run, labeled with its run id. The
runs are overlaid, each from its own start, on:

  - latency per endpoint over time: p50, p95 and p99 in each time bucket,
    sampled results as dots (the fastest and the slowest of every slice of
    time are kept), and the p95 target as a red line (the first run's p95
    threshold, else 2s);
  - throughput: succeeded and failed requests per second;
  - failures in each bucket.

A capacity sweep's directory (sweep.json beside a run directory per step,
as ragload sweep writes it) adds a Capacity section, drawn from the sweep's
summary, per sweep:

  - its answer;
  - the latency-throughput curve: p50, p95 and p99 of each step against
    the throughput it served (successful responses/s), joined in order of
    planned rate, each step marked by its verdict (pass, fail, bad,
    generator-limited), with the sweep's p95 limit (else 2s) as a line and
    the capacity, when found, as a vertical one;
  - the rate served (and sent) against the planned one, with the diagonal
    where they are equal: the knee is where the server stops keeping up.

The steps' results are not drawn for a sweep: plot a step's directory, or
'runs/sweep1/step-*', for its time series. Sweeps and runs can share a page.

Latency is the report's: the response time from the scheduled send
(vegeta's latency plus the schedule lag); requests sit where they were due.
Files are read as a stream into per-bucket summaries and a bounded sample
(--points per run and endpoint), so runs of any size plot in bounded
memory. Buckets are --every wide, or by default the smallest of 1s, 2s, 4s,
8s, ... that cuts the longest run into at most 150.

A damaged results file is plotted up to where it is readable and the page
is written all the same; the exit code is then 3 unless --allow-partial.

Exit codes: 0 written, 2 bad arguments (a file that is not a results file
among them), 3 unreadable or damaged input.`,
		Example: `  ragload plot runs/base                          # writes plot.html
  ragload plot runs/base runs/candidate -o compare.html --title "base vs candidate"
  ragload plot 'runs/nightly-*' --every 10s --points 0 -o nightly.html
  ragload plot vegeta-results.bin -o - > vegeta.html      # a bare vegeta file, to stdout
  ragload plot runs/sweep1 -o curve.html                  # a capacity sweep: its curve and knee
  ragload plot runs/sweep1 runs/sweep2 runs/base -o capacity.html
  ragload plot 'runs/sweep1/step-*' -o steps.html         # the sweep's steps as runs, over time`,
		Args: minArgs(1, "at least one run directory, sweep directory or results file"),
		RunE: func(c *cobra.Command, args []string) error {
			o.Paths = args
			switch {
			case o.Output == "":
				return usageErrorf("--output is empty (give a file, or - for stdout)")
			case o.Every < 0:
				return usageErrorf("--every must be >= 0 (0 picks one), got %s", o.Every)
			case o.Points < 0:
				return usageErrorf("--points must be >= 0 (0 draws the percentiles alone), got %d", o.Points)
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return runPlot(s, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.Output, "output", "o", "plot.html", `HTML file to write ("-" for stdout)`)
	fs.StringVar(&o.Title, "title", "", `page title (default "ragload plot: " and the labels of the runs and sweeps)`)
	fs.DurationVar(&o.Every, "every", 0, "width of the time buckets, e.g. 5s (default: automatic, at most 150 buckets)")
	fs.IntVar(&o.Points, "points", plot.DefaultMaxPoints, "most sampled results drawn per run and endpoint (0: percentile bands only)")
	fs.BoolVar(&o.AllowPartial, "allow-partial", false, "exit 0 when a damaged results file was plotted up to where it is readable")
	return cmd
}

func runPlot(s *streams, o *plotOptions) error {
	inputs, err := plot.Inputs(o.Paths)
	if err != nil {
		return &usageError{err}
	}
	p := plot.New(plot.WithTitle(o.Title), plot.WithEvery(o.Every), plot.WithMaxPoints(o.Points), plot.WithTarget(plot.Target(inputs)))
	added, err := p.AddInputs(inputs)
	if err != nil {
		return err
	}
	size, err := p.WriteFile(o.Output, s.Out)
	if err != nil {
		return err
	}
	var what []string
	if added.Sweeps > 0 {
		what = append(what, plural(added.Sweeps, "sweep"))
	}
	if added.Runs > 0 || added.Sweeps == 0 {
		what = append(what, plural(added.Runs, "run"), fmt.Sprintf("buckets of %s", p.Every()))
	}
	where := o.Output
	if where == "-" {
		where = "the plot to stdout"
	}
	fmt.Fprintf(s.ErrOut, "ragload: wrote %s (%s, %d KB)\n", where, strings.Join(what, ", "), (size+1023)/1024)
	if o.Every > 0 && added.Runs > 0 && p.Every() != o.Every {
		fmt.Fprintf(s.ErrOut, "ragload: warning: --every %s makes more than %d buckets of a run; used %s\n", o.Every, plot.MaxBuckets, p.Every())
	}
	if len(added.Damaged) == 0 {
		return nil
	}
	if !o.AllowPartial {
		return errors.Join(added.Damaged...)
	}
	for _, err := range added.Damaged {
		fmt.Fprintf(s.ErrOut, "ragload: warning: plotted up to the damage: %v\n", err)
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
