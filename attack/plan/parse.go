package plan

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseRate reads a rate as vegeta writes it: "50" or "50/s" per second,
// "100/1m", "5/500ms".
func ParseRate(s string) (float64, error) {
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
	if f < 0 || f > MaxRate || math.IsNaN(f) {
		return 0, fmt.Errorf("rate %q is outside 0–%g/s", s, float64(MaxRate))
	}
	return f, nil
}

// ParseStages reads "duration:target,..." (e.g. "30s:50,1m:200,30s:0");
// unit names the target in messages ("rate" or "users").
func ParseStages(s, unit string) ([]Stage, error) {
	var out []Stage
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
		rate, err := ParseRate(r)
		if err != nil {
			return nil, fmt.Errorf("stage %d: %w", i+1, err)
		}
		out = append(out, Stage{Duration: dur, Target: rate})
	}
	return out, nil
}

// DefaultWait is the think time of users when none is given.
var DefaultWait = Between(time.Second, 5*time.Second)

// ParseWait reads Locust's wait times: "1s-5s" or "between:1s-5s", "2s"
// or "constant:2s", "pacing:3s", "throughput:0.5"; "" is DefaultWait.
func ParseWait(s string) (Wait, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultWait, nil
	}
	kind, arg, ok := strings.Cut(s, ":")
	if !ok {
		kind, arg = "", s
	}
	dur := func(x string) (time.Duration, error) {
		d, err := time.ParseDuration(strings.TrimSpace(x))
		if err != nil || d < 0 {
			return 0, fmt.Errorf("wait %q: %q is not a duration ≥ 0 (e.g. 1s, 500ms)", s, x)
		}
		return d, nil
	}
	var w Wait
	switch kind {
	case "", "between", "constant":
		lo, hi, isRange := strings.Cut(arg, "-")
		if kind == "between" && !isRange {
			return w, fmt.Errorf("wait %q: between needs min-max, e.g. between:1s-5s", s)
		}
		if kind == "constant" && isRange {
			return w, fmt.Errorf("wait %q: constant takes one duration", s)
		}
		a, err := dur(lo)
		if err != nil {
			return w, err
		}
		w = ConstantWait(a)
		if isRange {
			b, err := dur(hi)
			if err != nil {
				return w, err
			}
			w = Between(a, b)
		}
	case "pacing":
		d, err := dur(arg)
		if err != nil {
			return w, err
		}
		w = Pacing(d)
	case "throughput":
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil || f <= 0 {
			return w, fmt.Errorf("wait %q: throughput needs requests per second per user > 0", s)
		}
		w = Throughput(f)
	default:
		return w, fmt.Errorf("wait %q: kind %q isn't one of [between constant pacing throughput]", s, kind)
	}
	return w, w.Validate()
}
