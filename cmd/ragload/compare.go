package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/internal/flagvalue"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/compare"
	"github.com/ragload/ragload/results/render"
)

type compareOptions struct {
	Base, New      string
	MaxRegression  flagvalue.Percent
	Alpha          float64
	MaxFailureRise float64 // percentage points
	Skip           time.Duration
	Format         string
	Seed           uint64
	AllowPartial   bool
	AllowPlans     bool // --allow-different-plans
}

// errRegression means the comparison found a regression; the table says why.
var errRegression = errors.New("regression")

func newCompareCmd(s *streams, runF func(context.Context, *compareOptions) error) *cobra.Command {
	o := &compareOptions{MaxRegression: flagvalue.Percent(compare.DefaultMaxRegression), Alpha: compare.DefaultAlpha}
	cmd := &cobra.Command{
		Use:   "compare [flags] <base> <new>",
		Short: "Compare stored runs for regressions, with significance tests",
		Long: `Compare puts two sets of runs side by side, per endpoint and in total:
requests, rate, failures, p50, p95, p99 (and TTFT p95 for streaming
endpoints), the change in %, and whether it is significant: a Mann-Whitney
U test on the latency samples and a bootstrap interval for the change of
each percentile. An unchanged metric shows "~", as benchstat writes it.
Runs with journeys get a second table, judged the same way: per journey,
the durations of the completed ones (p50, p95, p99) and the share that
failed.

Each side is a run directory, a results file (ragload's or vegeta's) or a
quoted glob of them (repeats or shards, judged as one).

It is a regression when a percentile gets worse by more than
--max-regression and the change is significant at --alpha, or when the
failure rate rises by more than --max-failure-rise points. Percentiles
with too few samples say so instead of guessing.

Runs of different plans (another rate, duration, user count or mode, as
run.json describes them) are refused: their difference is the plan's, not
the change's. --allow-different-plans compares them anyway, with a
warning. A side without run.json (vegeta's own files) has no plan to
check.

Exit codes: 0 no regression, 1 regression, 2 bad arguments (runs of
different plans among them), 3 unreadable or damaged input.`,
		Example: `  ragload compare runs/base runs/new
  ragload compare 'runs/base-*' 'runs/new-*' --format markdown
  ragload compare runs/base runs/new --skip 10s --max-regression 5%`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			o.Base, o.New = args[0], args[1]
			switch {
			case !slices.Contains(render.CompareFormats, o.Format):
				return usageErrorf("--format %q isn't one of [%s]", o.Format, strings.Join(render.CompareFormats, " "))
			case o.Alpha <= 0 || o.Alpha >= 1:
				return usageErrorf("--alpha must be between 0 and 1, got %g", o.Alpha)
			case o.MaxFailureRise < 0 || o.MaxFailureRise > 100:
				return usageErrorf("--max-failure-rise must be 0–100 points, got %g", o.MaxFailureRise)
			case o.Skip < 0:
				return usageErrorf("--skip must be ≥ 0, got %s", o.Skip)
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return runCompare(s, o)
		},
	}
	fs := cmd.Flags()
	fs.Var(&o.MaxRegression, "max-regression", `how much worse a percentile may get before it is a regression ("10%" or 0.1)`)
	fs.Float64Var(&o.Alpha, "alpha", compare.DefaultAlpha, "significance level of the tests")
	fs.Float64Var(&o.MaxFailureRise, "max-failure-rise", 100*compare.DefaultMaxFailureRise, "rise of the failure rate, in percentage points, that is a regression")
	fs.DurationVar(&o.Skip, "skip", 0, "leave out the first part of each run (warm-up)")
	fs.StringVarP(&o.Format, "format", "f", render.FormatText, "output format: "+strings.Join(render.CompareFormats, ", "))
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the sampling and bootstrap (the same files and seed give the same answer)")
	fs.BoolVar(&o.AllowPartial, "allow-partial", false, "compare what is readable of damaged results files instead of failing")
	fs.BoolVar(&o.AllowPlans, "allow-different-plans", false, "compare runs of different plans (rate, duration, users, mode) instead of refusing, with a warning")
	return cmd
}

func runCompare(s *streams, o *compareOptions) error {
	opts := compare.Options{
		MaxRegression: float64(o.MaxRegression), Alpha: o.Alpha, MaxFailureRise: o.MaxFailureRise / 100,
		Skip: o.Skip, Seed: o.Seed,
	}
	var sides [2]*compare.Side
	var inputs [2][]results.Input
	var err error
	if inputs[0], inputs[1], err = compare.Resolve(o.Base, o.New, o.AllowPlans); err != nil {
		return &usageError{err}
	}
	for i, arg := range []string{o.Base, o.New} {
		if sides[i], err = compare.Load(arg, inputs[i], opts); err != nil {
			return err
		}
		if len(sides[i].Damaged) > 0 && !o.AllowPartial {
			return errors.Join(sides[i].Damaged...)
		}
	}
	c := compare.Runs(sides[0], sides[1], opts)
	if err := render.Comparison(s.Out, o.Format, c); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	if c.Regression {
		return errRegression
	}
	return nil
}
