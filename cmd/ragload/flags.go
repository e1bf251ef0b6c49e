package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ragload/ragload/attack"
)

// parseRate reads a rate as vegeta writes it: "50" or "50/s" per second,
// "100/1m", "5/500ms".
func parseRate(s string) (float64, error) {
	num, per, hasPer := strings.Cut(strings.TrimSpace(s), "/")
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("rate %q: want a number of requests, optionally per a duration (50, 50/s, 100/1m)", s)
	}
	if hasPer {
		if per != "" && (per[0] < '0' || per[0] > '9') {
			per = "1" + per // "50/s" means 50/1s
		}
		d, err := time.ParseDuration(per)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("rate %q: %q is not a positive duration", s, per)
		}
		f /= d.Seconds()
	}
	if f < 0 || f > attack.MaxRate || math.IsNaN(f) {
		return 0, fmt.Errorf("rate %q is outside 0–%g/s", s, float64(attack.MaxRate))
	}
	return f, nil
}

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
	f, err := parseRate(s)
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
	if r.from, err = parseRate(a); err != nil {
		return err
	}
	if r.to, err = parseRate(b); err != nil {
		return err
	}
	r.set = true
	return nil
}

// stagesValue is a --stages flag: "30s:50,1m:200,30s:0", each stage moving
// the rate (or, for users, the user count: unit "users") linearly to its
// target over its duration.
type stagesValue struct {
	stages []attack.Stage
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
	stages, err := parseStages(s, v.what())
	if err != nil {
		return err
	}
	v.stages = stages
	return nil
}

// parseStages reads "duration:target,..."; unit names the target in
// messages ("rate" or "users").
func parseStages(s, unit string) ([]attack.Stage, error) {
	var out []attack.Stage
	var total time.Duration
	for i, part := range strings.Split(s, ",") {
		d, r, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("stage %d %q: want duration:%s, e.g. 30s:50", i+1, part, unit)
		}
		dur, err := time.ParseDuration(d)
		if err != nil || dur <= 0 {
			return nil, fmt.Errorf("stage %d %q: %q is not a positive duration", i+1, part, d)
		}
		if dur > math.MaxInt64-total { // the plan's length would overflow
			return nil, fmt.Errorf("stage %d %q: the stages last longer than %s", i+1, part, time.Duration(math.MaxInt64))
		}
		total += dur
		rate, err := parseRate(r)
		if err != nil {
			return nil, fmt.Errorf("stage %d: %w", i+1, err)
		}
		out = append(out, attack.Stage{Duration: dur, Target: rate})
	}
	return out, nil
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
