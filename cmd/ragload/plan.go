package main

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/internal/flagvalue"
)

// planOptions are the open-model plan flags (attack, demo).
type planOptions struct {
	Rate      float64
	Ramp      flagvalue.Ramp
	Stages    flagvalue.Stages
	StartRate float64
	Duration  time.Duration
	sendLimits
	Arrivals string
}

func (o *planOptions) addFlags(cmd *cobra.Command, rate float64, duration time.Duration) {
	o.Rate = rate
	fs := cmd.Flags()
	fs.Var(flagvalue.Rate{V: &o.Rate}, "rate", `constant arrival rate: requests per second, or per a duration ("50", "50/s", "100/1m"); 0 sends as fast as --max-workers allow (vegeta's -rate=0)`)
	fs.Var(&o.Ramp, "ramp", `linear ramp of the arrival rate over --duration, "from:to" in requests per second (e.g. 10:200)`)
	fs.Var(&o.Stages, "stages", `piecewise-linear arrival rate, "duration:rate,..." (e.g. 30s:50,1m:200,30s:0); replaces --duration`)
	fs.Float64Var(&o.StartRate, "start-rate", 0, "rate at which --stages begins")
	fs.DurationVarP(&o.Duration, "duration", "d", duration, "how long to send requests")
	o.sendLimits.addFlags(fs)
	fs.StringVar(&o.Arrivals, "arrivals", plan.ArrivalsEven, `request spacing: "even" (exactly 1/rate apart) or "poisson" (exponential gaps, seeded by --seed)`)
	cmd.MarkFlagsMutuallyExclusive("rate", "ramp", "stages")
}

// plan builds the load plan from the rate flags.
func (o *planOptions) plan(fs *pflag.FlagSet) (plan.Plan, error) {
	var p plan.Plan
	switch {
	case fs.Changed("stages") && fs.Changed("duration"):
		return p, usageErrorf("--duration does not apply with --stages (the stages give the length)")
	case fs.Changed("start-rate") && !fs.Changed("stages"):
		return p, usageErrorf("--start-rate applies only with --stages")
	case fs.Changed("stages"):
		p = plan.Staged(o.StartRate, o.Stages.Stages)
	case o.Duration <= 0:
		return p, usageErrorf("--duration must be > 0, got %s", o.Duration)
	case fs.Changed("ramp"):
		p = plan.Ramp(o.Ramp.From, o.Ramp.To, o.Duration)
	case o.Rate == 0: // vegeta's -rate=0: a benchmark of top speed, not an open model
		if o.MaxWorkers == 0 {
			return p, usageErrorf("--rate 0 (as fast as the workers go) requires --max-workers")
		}
		p = plan.Unbounded(o.Duration)
	default:
		p = plan.Constant(o.Rate, o.Duration)
	}
	if err := p.Validate(); err != nil {
		return p, &usageError{err}
	}
	return p, nil
}

// spec is the open-model run the flags ask for.
func (o *planOptions) spec(fs *pflag.FlagSet, ro *runOptions, prefix string) (runspec.Spec, error) {
	plan, err := o.plan(fs)
	if err != nil {
		return runspec.Spec{}, err
	}
	spec, err := ro.spec(fs, runspec.ModeRate, prefix)
	if err != nil {
		return spec, err
	}
	spec.Plan, spec.Arrivals = plan, o.Arrivals
	return spec, o.apply(&spec.Options)
}
