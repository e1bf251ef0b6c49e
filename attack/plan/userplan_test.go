package plan

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestUserPlanUsers(t *testing.T) {
	tests := []struct {
		name   string
		plan   UserPlan
		at     map[time.Duration]int
		peak   int
		wanted int
		dur    time.Duration
		desc   string
	}{
		{
			name: "spawn then hold", plan: Spawn(100, 10, time.Minute), peak: 100, wanted: 100, dur: time.Minute,
			at:   map[time.Duration]int{0: 0, time.Millisecond: 1, 100 * time.Millisecond: 1, 150 * time.Millisecond: 2, 5 * time.Second: 50, 10 * time.Second: 100, 59 * time.Second: 100, time.Minute: 0},
			desc: "100 users, spawn 10/s, for 1m0s",
		},
		{
			name: "ramp cut short", plan: Spawn(100, 1, 5*time.Second), peak: 5, wanted: 100, dur: 5 * time.Second,
			at:   map[time.Duration]int{time.Second: 1, 4500 * time.Millisecond: 5},
			desc: "100 users, of which 5 can spawn before the end at 5s",
		},
		{
			name: "all at once", plan: Spawn(20, 0, 10*time.Second), peak: 20, wanted: 20, dur: 10 * time.Second,
			at: map[time.Duration]int{time.Millisecond: 20, 5 * time.Second: 20},
		},
		{
			name: "stages up and down", plan: StagedUsers([]UserStage{{time.Minute, 50}, {3 * time.Minute, 200}, {time.Minute, 0}}), peak: 200, wanted: 200, dur: 5 * time.Minute,
			at:   map[time.Duration]int{30 * time.Second: 25, time.Minute: 50, 150 * time.Second: 125, 4 * time.Minute: 200, 270 * time.Second: 100},
			desc: "user stages from 0, →50 users in 1m0s, →200 users in 3m0s, →0 users in 1m0s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.plan.Validate(); err != nil {
				t.Fatal(err)
			}
			for at, want := range tt.at {
				if got := tt.plan.Users(at); got != want {
					t.Errorf("Users(%s) = %d, want %d", at, got, want)
				}
			}
			if tt.plan.Peak() != tt.peak || tt.plan.Wanted() != tt.wanted || tt.plan.Duration() != tt.dur {
				t.Errorf("peak %d wanted %d duration %s; want %d %d %s", tt.plan.Peak(), tt.plan.Wanted(), tt.plan.Duration(), tt.peak, tt.wanted, tt.dur)
			}
			if tt.desc != "" && tt.plan.String() != tt.desc {
				t.Errorf("String = %q, want %q", tt.plan.String(), tt.desc)
			}
		})
	}
	for _, bad := range []UserPlan{StagedUsers(nil), StagedUsers([]UserStage{{0, 5}}), StagedUsers([]UserStage{{time.Second, 0}}), StagedUsers([]UserStage{{time.Second, -1}})} {
		if bad.Validate() == nil {
			t.Errorf("%+v validates", bad)
		}
	}
}

func TestWaitPause(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	w := Between(100*time.Millisecond, 200*time.Millisecond)
	lo, hi := time.Hour, time.Duration(0)
	for range 10000 {
		d := w.Pause(rng, now, now)
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 100*time.Millisecond || hi > 200*time.Millisecond || hi-lo < 95*time.Millisecond {
		t.Errorf("between 100ms and 200ms drew [%s, %s]", lo, hi)
	}
	if d := ConstantWait(time.Second).Pause(rng, now, now.Add(time.Hour)); d != time.Second {
		t.Errorf("constant pause %s", d)
	}
	// Pacing counts from the request's start: 300ms after a start that
	// was 120ms ago leaves 180ms; a request slower than the pace leaves 0.
	p := Pacing(300 * time.Millisecond)
	if d := p.Pause(rng, now, now.Add(120*time.Millisecond)); d != 180*time.Millisecond {
		t.Errorf("pacing pause %s, want 180ms", d)
	}
	if d := p.Pause(rng, now, now.Add(time.Second)); d != 0 {
		t.Errorf("pacing pause after a slow request %s, want 0", d)
	}
	if w := Throughput(4); w.Kind != WaitPacing || w.Min != 250*time.Millisecond {
		t.Errorf("Throughput(4) = %+v, want pacing 250ms", w)
	}
	if err := Between(2*time.Second, time.Second).Validate(); err == nil || !strings.Contains(err.Error(), "min ≤ max") {
		t.Errorf("inverted between: %v", err)
	}
}
