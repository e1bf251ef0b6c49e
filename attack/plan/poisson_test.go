package plan

import (
	"math"
	"testing"
	"time"
)

func TestPoissonPacer(t *testing.T) {
	plan := Constant(200, 10*time.Second) // 2,000 arrivals expected
	a, b := NewPoissonPacer(plan, 42), NewPoissonPacer(plan, 42)
	if a.Count() != b.Count() {
		t.Fatalf("same seed, counts %d and %d", a.Count(), b.Count())
	}
	if c := float64(a.Count()); math.Abs(c-2000) > 4*math.Sqrt(2000) {
		t.Errorf("count %g, want 2000 ± 4σ", c)
	}
	var gaps []float64
	var prev time.Duration
	for n := uint64(0); n < a.Count(); n++ {
		a.Pace(0, n)
		b.Pace(0, n)
		da, db := mustDueOf(t, a, n), mustDueOf(t, b, n)
		if da != db {
			t.Fatalf("same seed, request %d due at %s and %s", n, da, db)
		}
		if da < prev || da >= plan.Duration() {
			t.Fatalf("request %d due at %s after %s", n, da, prev)
		}
		gaps = append(gaps, (da - prev).Seconds())
		prev = da
		a.Forget(n)
	}
	if _, stop := a.Pace(0, a.Count()); !stop {
		t.Error("Pace past the count does not stop")
	}
	if len(a.dues) != 0 {
		t.Errorf("%d due times kept after Forget", len(a.dues))
	}
	// Exponential gaps: mean 1/rate and a coefficient of variation of 1
	// (evenly spaced arrivals have 0).
	mean, sq := 0.0, 0.0
	for _, g := range gaps {
		mean += g
	}
	mean /= float64(len(gaps))
	for _, g := range gaps {
		sq += (g - mean) * (g - mean)
	}
	cv := math.Sqrt(sq/float64(len(gaps))) / mean
	if math.Abs(mean-0.005) > 0.0005 || math.Abs(cv-1) > 0.1 {
		t.Errorf("gaps: mean %.5fs (want 0.005), CV %.2f (want 1)", mean, cv)
	}
	c := NewPoissonPacer(plan, 43)
	c.Pace(0, 0)
	a2 := NewPoissonPacer(plan, 42)
	a2.Pace(0, 0)
	if mustDueOf(t, c, 0) == mustDueOf(t, a2, 0) {
		t.Error("seeds 42 and 43 give the same first arrival")
	}
}

func mustDueOf(t *testing.T, s Schedule, n uint64) time.Duration {
	t.Helper()
	d, ok := s.Due(n)
	if !ok {
		t.Fatalf("Due(%d) not ok", n)
	}
	return d
}

// TestPoissonFollowsARamp: arrivals per second track a ramp's rate.
func TestPoissonFollowsARamp(t *testing.T) {
	p := NewPoissonPacer(Ramp(0, 400, 4*time.Second), 7) // 0→400/s: 800 expected
	perSecond := make([]int, 4)
	for n := uint64(0); n < p.Count(); n++ {
		p.Pace(0, n)
		perSecond[mustDueOf(t, p, n)/time.Second]++
	}
	// Expected per second: 50, 150, 250, 350.
	for s, want := range []float64{50, 150, 250, 350} {
		if got := float64(perSecond[s]); math.Abs(got-want) > 4*math.Sqrt(want) {
			t.Errorf("second %d: %g arrivals, want %g ± 4σ", s, got, want)
		}
	}
}
