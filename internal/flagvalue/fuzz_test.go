package flagvalue

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/ragload/ragload/attack/plan"
)

// The fuzz targets of the flag parsers with a syntax of their own (--rate,
// --ramp, --stages, --wait). Their seed corpus is testdata/fuzz/<FuzzName>/
// (plus the f.Add calls); `make fuzz` runs each for a while, and a failing
// input that Go saves there is a regression seed to commit.

// fuzzRateOK reports whether r is a rate a plan can take: finite and
// within 0–plan.MaxRate.
func fuzzRateOK(r float64) bool {
	return !math.IsNaN(r) && !math.IsInf(r, 0) && r >= 0 && r <= plan.MaxRate
}

// FuzzParseRate feeds --rate and --ramp values to their parsers. An
// accepted rate is finite and within 0–MaxRate (0 too: --rate 0 is unbounded), and
// the flag's String parses back to the same value.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{
		"50", "50/s", "50/1s", "100/1m", "5/500ms", " 7.5/2h ", "1e6", "1e6/0.5s", "0", "0.001/1h",
		"", "/", "50/", "50/0s", "50/-1s", "-1", "NaN", "Inf", "+Inf/s", "1e400", "0x1p4/s", "1_000",
		"10:200", "0:50/s", "10:", ":10", "1:2:3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1024 {
			t.Skip("input too large")
		}
		if r, err := plan.ParseRate(s); err == nil {
			if !fuzzRateOK(r) {
				t.Fatalf("plan.ParseRate(%q) = %g, want a finite rate within 0–%g", s, r, float64(plan.MaxRate))
			}
			var v float64
			rv := Rate{&v}
			err := rv.Set(s)
			if err != nil || v != r { // 0 too: the plan decides (unbounded, with --max-workers)
				t.Fatalf("--rate %q: %g, %v; want %g", s, v, err, r)
			}
			if back, err := plan.ParseRate(rv.String()); err != nil || back != r {
				t.Fatalf("--rate %q: String %q parses to %g, %v", s, rv.String(), back, err)
			}
		}
		var ramp Ramp
		if err := ramp.Set(s); err == nil {
			if !fuzzRateOK(ramp.From) || !fuzzRateOK(ramp.To) {
				t.Fatalf("--ramp %q = %g:%g, want finite rates within 0–%g", s, ramp.From, ramp.To, float64(plan.MaxRate))
			}
			var back Ramp
			if err := back.Set(ramp.String()); err != nil || back != ramp {
				t.Fatalf("--ramp %q: String %q parses to %+v, %v; want %+v", s, ramp.String(), back, err, ramp)
			}
		}
	})
}

// FuzzParseStages feeds --stages values to parseStages. Accepted stages
// have positive durations and finite rates within 0–MaxRate, the flag's
// String parses back to the same stages, their total length does not
// overflow, and a plan of them validates without panicking (a valid plan
// has a positive duration).
func FuzzParseStages(f *testing.F) {
	for _, s := range []string{
		"30s:50,1m:200,30s:0", "10s:50", " 1m : 100/1m , 2h:1e6", "1ns:0", "2562047h:1",
		"", ",", "30s", "30s:", ":50", "0s:50", "-1s:50", "30s:-1", "30s:NaN", "30s:50,,1m:2", "1x:5",
		"2562047h:1,2562047h:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			t.Skip("input too large")
		}
		stages, err := plan.ParseStages(s, "rate")
		if err != nil {
			return
		}
		if len(stages) == 0 {
			t.Fatalf("%q: no stages and no error", s)
		}
		var total time.Duration
		for i, st := range stages {
			if st.Duration <= 0 || !fuzzRateOK(st.Target) {
				t.Fatalf("%q: stage %d is %s:%g", s, i+1, st.Duration, st.Target)
			}
			if total += st.Duration; total <= 0 {
				t.Fatalf("%q: the stages' length overflows at stage %d", s, i+1)
			}
		}
		v := Stages{Stages: stages}
		back, err := plan.ParseStages(v.String(), "rate")
		if err != nil || !reflect.DeepEqual(back, stages) {
			t.Fatalf("%q: String %q parses to %v, %v; want %v", s, v.String(), back, err, stages)
		}
		for _, start := range []float64{0, 1} {
			p := plan.Staged(start, stages)
			if p.Validate() == nil && p.Duration() <= 0 {
				t.Fatalf("%q: valid plan %s lasts %s", s, p, p.Duration())
			}
		}
	})
}

// FuzzParseWait feeds --wait values to parseWait: an accepted wait
// validates, with 0 ≤ Min ≤ Max.
func FuzzParseWait(f *testing.F) {
	for _, s := range []string{
		"1s-5s", "between:1s-5s", "2s", "constant:2s", "pacing:3s", "throughput:0.5", "0s", "0s-0s",
		"", "-", "5s-1s", "-1s", "between:2s", "constant:1s-2s", "pacing:-1s", "throughput:0", "throughput:NaN",
		"throughput:1e-300", "throughput:Inf", "sleep:1s", ":1s",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1024 {
			t.Skip("input too large")
		}
		w, err := plan.ParseWait(s)
		if err != nil {
			return
		}
		if err := w.Validate(); err != nil || w.Min < 0 || w.Max < w.Min {
			t.Fatalf("%q: accepted %+v (%v)", s, w, err)
		}
		_ = w.String()
	})
}
