package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
)

// rateValue is a --rate flag: requests per second, ≥ 0 (0 is unbounded,
// which the plan accepts only with --max-workers).
type rateValue struct{ v *float64 }

func (r rateValue) String() string {
	if r.v == nil {
		return ""
	}
	return strconv.FormatFloat(*r.v, 'g', -1, 64)
}
func (r rateValue) Type() string { return "rate" }
func (r rateValue) Set(s string) error {
	f, err := plan.ParseRate(s)
	if err != nil {
		return err
	}
	*r.v = f
	return nil
}

// rampValue is a --ramp flag: "from:to" in requests per second.
type rampValue struct {
	from, to float64
	set      bool
}

func (r *rampValue) String() string {
	if !r.set {
		return ""
	}
	return fmt.Sprintf("%g:%g", r.from, r.to)
}
func (r *rampValue) Type() string { return "from:to" }
func (r *rampValue) Set(s string) error {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("ramp %q: want from:to, e.g. 10:200", s)
	}
	var err error
	if r.from, err = plan.ParseRate(a); err != nil {
		return err
	}
	if r.to, err = plan.ParseRate(b); err != nil {
		return err
	}
	r.set = true
	return nil
}

// stagesValue is a --stages flag: "30s:50,1m:200,30s:0", each stage moving
// the rate (or, for users, the user count: unit "users") linearly to its
// target over its duration.
type stagesValue struct {
	stages []plan.Stage
	unit   string // what the targets count: "rate" when empty
}

func (v *stagesValue) what() string {
	if v.unit == "" {
		return "rate"
	}
	return v.unit
}

func (v *stagesValue) String() string {
	var parts []string
	for _, s := range v.stages {
		parts = append(parts, fmt.Sprintf("%s:%g", s.Duration, s.Target))
	}
	return strings.Join(parts, ",")
}
func (v *stagesValue) Type() string { return "duration:" + v.what() + ",..." }
func (v *stagesValue) Set(s string) error {
	stages, err := plan.ParseStages(s, v.what())
	if err != nil {
		return err
	}
	v.stages = stages
	return nil
}

// noArgs rejects positional arguments as a usage error (cobra's own
// validators return plain errors).
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		if cmd.HasSubCommands() {
			return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
		}
		return usageErrorf("%q takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// minArgs requires at least n positional arguments.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErrorf("%s needs %s", cmd.CommandPath(), what)
		}
		return nil
	}
}

// sendLimits are the flags that bound an open-model run's sending:
// --max-workers and --max-lag (attack, demo, replay, sweep).
type sendLimits struct {
	MaxWorkers uint64
	MaxLag     time.Duration
}

func (l *sendLimits) addFlags(fs *pflag.FlagSet) {
	fs.Uint64Var(&l.MaxWorkers, "max-workers", 0, "cap on requests in flight (default: what the machine's open files and ports allow, lowered while ragload is short of CPU); a due request that finds it full waits up to --max-lag, then is dropped and counted")
	fs.DurationVar(&l.MaxLag, "max-lag", attack.DefaultMaxLag, "a request that cannot leave this long after its due time is dropped and counted instead of sent late (-1s: never drop); any drop makes the verdict not conclusive")
}

// apply sets the limits on o, or says why it cannot.
func (l *sendLimits) apply(o *attack.Options) error {
	if l.MaxLag == 0 {
		return usageErrorf("--max-lag 0 would drop every request not sent at its exact due time: give a duration (default %s), or -1s never to drop", attack.DefaultMaxLag)
	}
	o.MaxWorkers, o.MaxLag = l.MaxWorkers, l.MaxLag
	return nil
}

// waitValue is a --wait flag (plan.ParseWait).
type waitValue struct{ w plan.Wait }

func (v *waitValue) String() string { return v.w.String() }
func (v *waitValue) Type() string   { return "wait" }
func (v *waitValue) Set(s string) error {
	w, err := plan.ParseWait(s)
	if err != nil {
		return err
	}
	v.w = w
	return nil
}

// percentValue is a flag that reads "10%" or 0.1 as a fraction.
type percentValue float64

func (p *percentValue) String() string {
	if *p == 0 {
		return "0" // a default of 0 goes unsaid in the help
	}
	return fmt.Sprintf("%g%%", 100*float64(*p))
}
func (p *percentValue) Type() string { return "percent" }
func (p *percentValue) Set(s string) error {
	pct := strings.HasSuffix(s, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || f < 0 {
		return fmt.Errorf("%q is not a percent (10%%) or fraction (0.1)", s)
	}
	if pct {
		f /= 100
	}
	*p = percentValue(f)
	return nil
}

// floatsValue is a flag of comma-separated numbers.
type floatsValue struct{ v *[]float64 }

func (f *floatsValue) String() string {
	if f.v == nil {
		return ""
	}
	var parts []string
	for _, x := range *f.v {
		parts = append(parts, strconv.FormatFloat(x, 'g', -1, 64))
	}
	return strings.Join(parts, ",")
}
func (f *floatsValue) Type() string { return "rates" }
func (f *floatsValue) Set(s string) error {
	*f.v = nil
	for _, part := range strings.Split(s, ",") {
		r, err := plan.ParseRate(strings.TrimSpace(part))
		if err != nil {
			return err
		}
		*f.v = append(*f.v, r)
	}
	return nil
}
