package plan

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestPlanCountAndDuration(t *testing.T) {
	tests := []struct {
		name  string
		plan  Plan
		count uint64
		dur   time.Duration
		desc  string
	}{
		{"constant", Constant(50, time.Second), 50, time.Second, "constant 50/s for 1s"},
		{"constant fraction", Constant(2.5, 2*time.Second), 5, 2 * time.Second, "constant 2.5/s for 2s"},
		{"ramp up from zero", Ramp(0, 100, 2*time.Second), 100, 2 * time.Second, "ramp 0→100/s over 2s"},
		{"ramp down", Ramp(100, 0, 2*time.Second), 100, 2 * time.Second, "ramp 100→0/s over 2s"},
		{"stages with a zero hold", Staged(0, []Stage{{time.Second, 10}, {time.Second, 0}, {time.Second, 0}, {time.Second, 10}}), 15, 4 * time.Second, "stages from 0/s, →10/s in 1s, →0/s in 1s, →0/s in 1s, →10/s in 1s"},
		{"long constant", Constant(50, time.Minute), 3000, time.Minute, "constant 50/s for 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.plan.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if got := tt.plan.Count(); got != tt.count {
				t.Errorf("Count = %d, want %d", got, tt.count)
			}
			if got := tt.plan.Duration(); got != tt.dur {
				t.Errorf("Duration = %s, want %s", got, tt.dur)
			}
			if got := tt.plan.String(); got != tt.desc {
				t.Errorf("String = %q, want %q", got, tt.desc)
			}
		})
	}
}

func TestPlanValidate(t *testing.T) {
	tests := []struct {
		plan Plan
		want string
	}{
		{Constant(0, time.Second), "sends no requests"},
		{Constant(0.5, time.Second), "sends no requests"},
		{Constant(10, 0), "duration 0s must be > 0"},
		{Constant(-1, time.Second), "outside"},
		{Constant(2e6, time.Second), "outside"},
		{Staged(0, nil), "no stages"},
		{Constant(math.NaN(), time.Second), "outside"},
	}
	for _, tt := range tests {
		err := tt.plan.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: Validate() = %v, want an error containing %q", tt.plan, err, tt.want)
		}
	}
}

// TestPacerDue checks the due times against the closed forms of each plan.
func TestPacerDue(t *testing.T) {
	near := func(t *testing.T, got, want time.Duration) {
		t.Helper()
		if d := got - want; d > time.Microsecond || d < -time.Microsecond {
			t.Errorf("due = %s, want %s", got, want)
		}
	}
	p := NewPacer(Constant(50, time.Second))
	for n, want := range map[uint64]time.Duration{0: 0, 1: 20 * time.Millisecond, 49: 980 * time.Millisecond} {
		got, ok := p.Due(n)
		if !ok {
			t.Fatalf("Due(%d) not ok", n)
		}
		near(t, got, want)
	}
	if _, ok := p.Due(50); ok {
		t.Error("Due(50) of a 50-request plan is ok")
	}

	// Ramp 0→100/s over 2s: H(t) = 25 t², so request n is due at sqrt(n/25).
	p = NewPacer(Ramp(0, 100, 2*time.Second))
	for _, n := range []uint64{0, 1, 25, 50, 99} {
		got, _ := p.Due(n)
		near(t, got, time.Duration(math.Sqrt(float64(n)/25)*float64(time.Second)))
	}

	// 0→10/s in 1s (5 requests), 10→0 in 1s (5), a zero hold for 1s (none),
	// 0→10 in 1s (5): request 5 opens the ramp down, request 10 the last
	// stage, and nothing is due during the hold.
	p = NewPacer(Staged(0, []Stage{{time.Second, 10}, {time.Second, 0}, {time.Second, 0}, {time.Second, 10}}))
	near(t, mustDue(t, p, 5), time.Second)
	near(t, mustDue(t, p, 10), 3*time.Second)
	if got := mustDue(t, p, 9); got >= 2*time.Second {
		t.Errorf("Due(9) = %s, want before the hold (< 2s)", got)
	}
}

func TestPacerDueIsMonotonicAndMatchesTheRate(t *testing.T) {
	plan := Staged(5, []Stage{{3 * time.Second, 200}, {2 * time.Second, 200}, {1 * time.Second, 0}, {time.Second, 0}, {2 * time.Second, 80}})
	p := NewPacer(plan)
	var prev time.Duration
	perSecond := make([]int, int(plan.Duration()/time.Second)+1)
	for n := uint64(0); n < p.Count(); n++ {
		d, ok := p.Due(n)
		if !ok {
			t.Fatalf("Due(%d) not ok below Count %d", n, p.Count())
		}
		if d < prev || d >= plan.Duration() {
			t.Fatalf("Due(%d) = %s after %s (plan %s)", n, d, prev, plan.Duration())
		}
		prev = d
		perSecond[d/time.Second]++
	}
	// The number of requests due in each second is the integral of the rate
	// over that second, within one request.
	for s := 0; s < len(perSecond)-1; s++ {
		want := (p.Rate(time.Duration(s)*time.Second) + p.Rate(time.Duration(s+1)*time.Second-1)) / 2
		if math.Abs(float64(perSecond[s])-want) > 1.5 {
			t.Errorf("second %d: %d requests due, want ≈ %.1f", s, perSecond[s], want)
		}
	}
}

func TestPacerPace(t *testing.T) {
	p := NewPacer(Constant(10, time.Second))
	if wait, stop := p.Pace(0, 0); wait != 0 || stop {
		t.Errorf("Pace(0, 0) = %s, %v; want 0, false", wait, stop)
	}
	if wait, stop := p.Pace(50*time.Millisecond, 1); wait != 50*time.Millisecond || stop {
		t.Errorf("Pace(50ms, 1) = %s, %v; want 50ms, false", wait, stop)
	}
	if wait, stop := p.Pace(500*time.Millisecond, 1); wait != 0 || stop {
		t.Errorf("behind schedule: Pace = %s, %v; want 0, false", wait, stop)
	}
	if _, stop := p.Pace(time.Second, 10); !stop {
		t.Error("Pace after the last request does not stop")
	}
	if r := p.Rate(300 * time.Millisecond); r != 10 {
		t.Errorf("Rate = %g, want 10", r)
	}
	if r := NewPacer(Ramp(0, 100, 2*time.Second)).Rate(time.Second); math.Abs(r-50) > 1e-9 {
		t.Errorf("ramp Rate(1s) = %g, want 50", r)
	}
}

func mustDue(t *testing.T, p *Pacer, n uint64) time.Duration {
	t.Helper()
	d, ok := p.Due(n)
	if !ok {
		t.Fatalf("Due(%d) not ok", n)
	}
	return d
}
