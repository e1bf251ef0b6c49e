package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ragload/ragload/internal/atomicfile"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/results"
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
	items, err := plotInputs(o.Paths)
	if err != nil {
		return &usageError{err}
	}
	var inputs []results.Input
	nsweeps := 0
	for _, it := range items {
		if it.sweep != "" {
			nsweeps++
		} else {
			inputs = append(inputs, it.run)
		}
	}
	p := plot.New(plot.WithTitle(o.Title), plot.WithEvery(o.Every), plot.WithMaxPoints(o.Points), plot.WithTarget(p95Target(inputs)))
	var damaged []error
	// The shards of a run are one run: grouped where the first comes.
	groups := results.GroupShards(inputs)
	first := map[string][]results.Input{}
	for _, g := range groups {
		first[g[0].Path] = g
	}
	nruns := len(groups)
	for _, it := range items {
		if it.sweep != "" {
			if err := p.AddSweepDir(it.sweep); err != nil {
				return fmt.Errorf("sweep %s: %w", it.sweep, err)
			}
			continue
		}
		g, ok := first[it.run.Path]
		if !ok {
			continue // a later shard of a run already added
		}
		delete(first, it.run.Path)
		err := p.AddShards(g)
		var de *results.DamagedError
		switch {
		case errors.As(err, &de):
			damaged = append(damaged, err)
		case err != nil:
			return err
		}
	}
	where, size, err := writePlot(s.Out, o.Output, p)
	if err != nil {
		return err
	}
	var what []string
	if nsweeps > 0 {
		what = append(what, plural(nsweeps, "sweep"))
	}
	if len(inputs) > 0 || nsweeps == 0 {
		what = append(what, plural(nruns, "run"), fmt.Sprintf("buckets of %s", p.Every()))
	}
	fmt.Fprintf(s.ErrOut, "ragload: wrote %s (%s, %d KB)\n", where, strings.Join(what, ", "), (size+1023)/1024)
	if o.Every > 0 && len(inputs) > 0 && p.Every() != o.Every {
		fmt.Fprintf(s.ErrOut, "ragload: warning: --every %s makes more than %d buckets of a run; used %s\n", o.Every, plot.MaxBuckets, p.Every())
	}
	loadErr := errors.Join(damaged...)
	if loadErr == nil {
		return nil
	}
	if !o.AllowPartial {
		return loadErr
	}
	for _, err := range damaged {
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

// plotInput is one input of the page: a capacity sweep's directory or a
// run.
type plotInput struct {
	sweep string
	run   results.Input
}

// plotInputs resolves the arguments in order: a directory holding a
// sweep.json (named or matched by a glob) is a capacity sweep, anything
// else goes through results.Resolve as a run. A glob that matches no sweep
// is resolved as it is, so runs/sweep1/step-* plots the steps as runs.
func plotInputs(paths []string) ([]plotInput, error) {
	var out []plotInput
	runs := func(p string) error {
		ins, err := results.Resolve([]string{p})
		for _, in := range ins {
			out = append(out, plotInput{run: in})
		}
		return err
	}
	for _, p := range paths {
		if !strings.ContainsAny(p, "*?[") {
			if plot.IsSweepDir(p) {
				out = append(out, plotInput{sweep: p})
			} else if err := runs(p); err != nil {
				return nil, err
			}
			continue
		}
		matches, err := filepath.Glob(p)
		if err != nil || !slices.ContainsFunc(matches, plot.IsSweepDir) {
			if err := runs(p); err != nil { // the pattern's own errors
				return nil, err
			}
			continue
		}
		for _, m := range matches {
			if plot.IsSweepDir(m) {
				out = append(out, plotInput{sweep: m})
				continue
			}
			ins, err := results.Resolve([]string{m})
			if err != nil {
				return nil, err
			}
			for _, in := range ins {
				out = append(out, plotInput{run: in})
			}
		}
	}
	return out, nil
}

// p95Target is the first manifest's overall p95 threshold, else the
// default's 2 s.
func p95Target(inputs []results.Input) time.Duration {
	for _, in := range inputs {
		if in.Manifest == nil {
			continue
		}
		ths, err := results.ParseThresholds(in.Manifest.Thresholds, false)
		if err != nil {
			continue
		}
		for _, t := range ths {
			if t.Endpoint == "" && t.Metric == "p95" && t.LimitDur > 0 {
				return t.LimitDur
			}
		}
		break
	}
	return plot.DefaultTarget
}

// writePlot writes the page to stdout ("-") or to a file, atomically: a
// temporary file renamed into place, so a failed write leaves no half page.
func writePlot(stdout io.Writer, output string, p *plot.Plot) (where string, size int64, err error) {
	if output == "-" {
		n, err := p.WriteTo(stdout)
		return "the plot to stdout", n, err
	}
	n, err := atomicfile.Write(output, 0o644, p.WriteTo)
	if err != nil {
		return "", 0, fmt.Errorf("write plot %q: %w", output, err)
	}
	return output, n, nil
}
