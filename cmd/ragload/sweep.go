package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/attack/sweep"
	"github.com/ragload/ragload/internal/flagvalue"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/render"
	"github.com/ragload/ragload/results/sweepfile"
)

type sweepOptions struct {
	runOptions
	From, To     float64
	Steps        []float64
	StepDuration time.Duration
	Warmup       time.Duration
	Precision    flagvalue.Percent
	Growth       float64
	GoodputShare flagvalue.Percent
	Arrivals     string
	sendLimits

	job *sweep.Job
}

// errNoCapacity means the sweep found no capacity; the table says why.
var errNoCapacity = errors.New("no capacity found")

func newSweepCmd(s *streams, runF func(context.Context, *sweepOptions) error) *cobra.Command {
	o := &sweepOptions{Precision: flagvalue.Percent(sweep.DefaultPrecision)}
	cmd := &cobra.Command{
		Use:   "sweep --url <base-url> [flags]",
		Short: "Find the highest arrival rate that still meets the verdict",
		Long: `Sweep answers "how far can we go?": it attacks at rising rates, each step an
open-model attack of its own (stored as <out>/step-NNNNrps, so every step can
be reported, compared and plotted), and finds the highest rate that passes.

It grows the rate geometrically from --from until a step fails, then bisects
between the last pass and the first fail to --precision; --steps runs fixed
rates instead. A step passes when its verdict passes (p95 < 2s and failures
< 1%, or --threshold) and the server served at least 95% of the planned
rate, judged after each step's --warmup. A step that fails badly (most
requests failing, or p95 at three times its limit) ends the search to spare
the server. A step where ragload itself was saturated is marked
generator-limited and no capacity is claimed at or beyond it. A step cut
short by Ctrl-C is marked interrupted: neither pass nor fail.

With response checks or an SLO (slo:, --slo-latency …) each step shows its
goodput, the requests per second that passed their checks and met the SLO;
fast wrong answers do not fail a step unless --goodput-share asks for a
share of the rate (0.9: 90%): then the answer is the usable capacity, not
the one the service survives.

The connections and the login stay warm from step to step. The summary is
in <out>/sweep.json; "ragload report <out>" prints it again and
"ragload plot <out>" draws the latency-throughput curve.

Exit codes: 0 a capacity was found, 1 none (the first step failed, or
ragload was the limit), 2 bad flags, 3 the sweep could not run or was
interrupted.`,
		Example: `  ragload sweep --url http://127.0.0.1:8000 --from 10 --to 1000 --step-duration 30s --warmup 5s --out runs/sweep1
  ragload sweep --url http://127.0.0.1:8000 --steps 10,20,50,100,200
  ragload demo serve --workers 8 --query-latency 40ms … & ragload sweep --url http://127.0.0.1:8000 --from 25`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !slices.Contains(render.SweepFormats, o.Format) {
				return usageErrorf("--format %q isn't one of [%s]", o.Format, strings.Join(render.SweepFormats, " "))
			}
			if o.Record != "" {
				return usageErrorf("--record does not apply to a sweep (record an attack at the rate you want)")
			}
			format := o.Format
			o.Format = render.FormatText // steps are judged, not printed
			spec, err := o.spec(c.Flags(), runspec.ModeSweep, "sweep-")
			o.Format = format
			if err != nil {
				return err
			}
			spec.Arrivals = o.Arrivals
			spec.Sweep = runspec.SweepSpec{From: o.From, To: o.To, Steps: o.Steps, StepDuration: o.StepDuration,
				Warmup: o.Warmup, Precision: float64(o.Precision), Growth: o.Growth, GoodputShare: float64(o.GoodputShare)}
			if err := o.apply(&spec.Options); err != nil {
				return err
			}
			b, err := o.build(spec)
			if err != nil {
				return err
			}
			o.job = sweep.New(b)
			if runF != nil {
				return runF(c.Context(), o)
			}
			return runSweep(c.Context(), s, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.URL, "url", "u", "", "base URL of the API under test (required)")
	fs.Float64Var(&o.From, "from", 10, "first rate of the search, requests per second")
	fs.Float64Var(&o.To, "to", 1000, "highest rate the search may try")
	fs.Var(&flagvalue.Rates{V: &o.Steps}, "steps", `fixed rates instead of a search, e.g. "10,20,50,100,200"`)
	fs.DurationVar(&o.StepDuration, "step-duration", 30*time.Second, "how long each step is judged")
	fs.DurationVar(&o.Warmup, "warmup", 5*time.Second, "sent at each step's rate before it is judged")
	fs.Var(&o.Precision, "precision", `width of the final bracket ("5%" or 0.05)`)
	fs.Float64Var(&o.Growth, "growth", sweep.DefaultGrowth, "factor between steps until one fails")
	fs.Var(&o.GoodputShare, "goodput-share", `also fail a step whose goodput (requests that passed their checks and met the SLO) is below this share of its rate ("90%" or 0.9): the usable capacity, not the survivable one`)
	fs.StringVar(&o.Arrivals, "arrivals", plan.ArrivalsEven, `request spacing: "even" or "poisson"`)
	o.sendLimits.addFlags(fs)
	o.runOptions.addFlags(cmd)
	return cmd
}

func runSweep(ctx context.Context, s *streams, o *sweepOptions) error {
	j := o.job
	exp, stopMetrics, err := o.serve(s.ErrOut, o.Quiet) // before the run is announced: a port in use ends it first
	if err != nil {
		return err
	}
	defer stopMetrics(ctx)
	j.Metrics = exp
	if !o.Quiet {
		j.OnStep = func(st sweepfile.Step) {
			fmt.Fprintf(s.ErrOut, "ragload: %g/s: %s (p95 %s ms, served %.1f/s)\n", st.Rate, st.Verdict, results.FormatMillis(time.Duration(st.P95*float64(time.Millisecond))), st.Throughput)
		}
		fmt.Fprintf(s.ErrOut, "ragload: sweeping %s, each step %s after %s warm-up, writing %s\n", results.RedactURL(j.Target), j.StepDuration, j.Warmup, j.Dir)
		printNotes(s, j.Scenario)
	}
	sw, err := j.Run(ctx)
	if sw == nil {
		return err
	}
	if werr := render.Sweep(s.Out, o.Format, sw); werr != nil && err == nil {
		err = fmt.Errorf("write sweep: %w", werr)
	}
	switch {
	case err != nil:
		return err
	case sw.Status == results.StatusInterrupted:
		return errInterrupted
	case !sw.Found:
		return errNoCapacity
	}
	return nil
}
