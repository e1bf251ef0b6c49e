// Package flagvalue holds the pflag.Value types of the CLI's flags with a
// syntax of their own: --rate, --ramp, --stages, --wait, percents ("10%"
// or 0.1) and lists of rates. attack parses rates, stages and waits
// (ParseRate, ParseStages, ParseWait); a value here holds what its flag
// set and prints it back for the help.
package flagvalue

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ragload/ragload/attack/plan"
)

// Rate is a --rate flag: requests per second, ≥ 0 (0 is unbounded,
// which the plan accepts only with --max-workers).
type Rate struct{ V *float64 }

func (r Rate) String() string {
	if r.V == nil {
		return ""
	}
	return strconv.FormatFloat(*r.V, 'g', -1, 64)
}
func (r Rate) Type() string { return "rate" }
func (r Rate) Set(s string) error {
	f, err := plan.ParseRate(s)
	if err != nil {
		return err
	}
	*r.V = f
	return nil
}

// Ramp is a --ramp flag: "from:to" in requests per second.
type Ramp struct {
	From, To float64
	set      bool
}

func (r *Ramp) String() string {
	if !r.set {
		return ""
	}
	return fmt.Sprintf("%g:%g", r.From, r.To)
}
func (r *Ramp) Type() string { return "from:to" }
func (r *Ramp) Set(s string) error {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("ramp %q: want from:to, e.g. 10:200", s)
	}
	var err error
	if r.From, err = plan.ParseRate(a); err != nil {
		return err
	}
	if r.To, err = plan.ParseRate(b); err != nil {
		return err
	}
	r.set = true
	return nil
}

// Stages is a --stages flag: "30s:50,1m:200,30s:0", each stage moving
// the rate (or, for users, the user count: unit "users") linearly to its
// target over its duration.
type Stages struct {
	Stages []plan.Stage
	Unit   string // what the targets count: "rate" when empty
}

func (v *Stages) what() string {
	if v.Unit == "" {
		return "rate"
	}
	return v.Unit
}

func (v *Stages) String() string {
	var parts []string
	for _, s := range v.Stages {
		parts = append(parts, fmt.Sprintf("%s:%g", s.Duration, s.Target))
	}
	return strings.Join(parts, ",")
}
func (v *Stages) Type() string { return "duration:" + v.what() + ",..." }
func (v *Stages) Set(s string) error {
	stages, err := plan.ParseStages(s, v.what())
	if err != nil {
		return err
	}
	v.Stages = stages
	return nil
}

// Wait is a --wait flag (plan.ParseWait).
type Wait struct{ Wait plan.Wait }

func (v *Wait) String() string { return v.Wait.String() }
func (v *Wait) Type() string   { return "wait" }
func (v *Wait) Set(s string) error {
	w, err := plan.ParseWait(s)
	if err != nil {
		return err
	}
	v.Wait = w
	return nil
}

// Percent is a flag that reads "10%" or 0.1 as a fraction.
type Percent float64

func (p *Percent) String() string {
	if *p == 0 {
		return "0" // a default of 0 goes unsaid in the help
	}
	return fmt.Sprintf("%g%%", 100*float64(*p))
}
func (p *Percent) Type() string { return "percent" }
func (p *Percent) Set(s string) error {
	pct := strings.HasSuffix(s, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || f < 0 {
		return fmt.Errorf("%q is not a percent (10%%) or fraction (0.1)", s)
	}
	if pct {
		f /= 100
	}
	*p = Percent(f)
	return nil
}

// Rates is a flag of comma-separated rates (plan.ParseRate).
type Rates struct{ V *[]float64 }

func (f *Rates) String() string {
	if f.V == nil {
		return ""
	}
	var parts []string
	for _, x := range *f.V {
		parts = append(parts, strconv.FormatFloat(x, 'g', -1, 64))
	}
	return strings.Join(parts, ",")
}
func (f *Rates) Type() string { return "rates" }
func (f *Rates) Set(s string) error {
	*f.V = nil
	for _, part := range strings.Split(s, ",") {
		r, err := plan.ParseRate(strings.TrimSpace(part))
		if err != nil {
			return err
		}
		*f.V = append(*f.V, r)
	}
	return nil
}
