package attack_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/results"
)

// TestControlUsersFollowAChange changes the user count of a running
// closed-loop run: the users follow at the spawn rate, the timeline
// records the new target, and the observer sees every written result.
func TestControlUsersFollowAChange(t *testing.T) {
	t.Parallel()
	users, creds := accounts(12)
	_, url := fastDemo(t, demo.Config{Users: users})
	var seen atomic.Int64
	ctl := attack.NewControl(12, func(*vegeta.Result) { seen.Add(1) })
	job := usersJob(t, url, creds, plan.Spawn(4, 100, 3*time.Second), plan.ConstantWait(20*time.Millisecond))
	job.Control = ctl
	go func() {
		// Once the plan's 4 users run, they run for a while (a few of the
		// timeline's 200 ms samples), then more are asked for.
		if testtool.Eventually(10*time.Second, func() bool { return ctl.Target() == 4 && seen.Load() > 0 }) {
			time.Sleep(700 * time.Millisecond)
			ctl.SetUsers(20) // clamped to MaxUsers
		}
	}()
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := ctl.Users(); !ok || n != 12 {
		t.Errorf("Users() = %d, %v; want 12, true", n, ok)
	}
	// The timeline climbs to the plan's 4, stays there until the change,
	// then climbs to 12 (never down, never outside 0–12), until the last
	// sample, at the plan's end, says 0.
	tl := rep.Manifest.Users.Timeline
	var at4 bool
	for i, s := range tl[:len(tl)-1] {
		at4 = at4 || s.Target == 4
		if s.Target < 0 || s.Target > 12 || i > 0 && s.Target < tl[i-1].Target {
			t.Fatalf("timeline sample %d %+v after %+v: want targets rising within 0–12", i, s, tl[max(i-1, 0)])
		}
	}
	if end := tl[len(tl)-2]; !at4 || end.Target != 12 || end.Active != 12 {
		t.Errorf("timeline %+v: want target 4 before the change, then target and active 12 near the end", tl)
	}
	if got, want := seen.Load(), int64(rep.Manifest.Completed); got != want || want == 0 {
		t.Errorf("observer saw %d results, the run wrote %d", got, want)
	}
	if m := rep.Manifest; m.Users.Peak() != 12 || m.Status != results.StatusComplete {
		t.Errorf("peak %d, status %s; want 12, complete", m.Users.Peak(), m.Status)
	}
}

// TestControlNilFollowsThePlan: without a change the plan rules.
func TestControlNilFollowsThePlan(t *testing.T) {
	t.Parallel()
	users, creds := accounts(3)
	_, url := fastDemo(t, demo.Config{Users: users})
	job := usersJob(t, url, creds, plan.Spawn(3, 0, time.Second), plan.ConstantWait(20*time.Millisecond))
	job.Control = attack.NewControl(10, nil)
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tl := rep.Manifest.Users.Timeline
	for _, s := range tl[1 : len(tl)-1] {
		if s.Target != 3 {
			t.Fatalf("timeline %+v: want target 3 throughout", tl)
		}
	}
}

// TestControlRateFollowsAChange raises the rate of an open-model run:
// requests after the change are due at the new rate, the run still ends
// with its plan, and the manifest's planned count follows.
func TestControlRateFollowsAChange(t *testing.T) {
	t.Parallel()
	users, creds := accounts(1)
	_, url := fastDemo(t, demo.Config{Users: users})
	ctl := attack.NewControl(0, nil)
	uj := usersJob(t, url, creds, plan.Spawn(1, 0, time.Second), plan.ConstantWait(0))
	job := &attack.Job{Setup: uj.Setup, Plan: plan.Constant(20, 3*time.Second)}
	job.Control = ctl
	go func() {
		time.Sleep(time.Second)
		ctl.SetRate(60)
	}()
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Manifest
	// 20/s for about 1 s, then 60/s for about 2 s: about 140.
	if m.Sent < 120 || m.Sent > 160 || m.Planned != m.Sent || m.Status != results.StatusComplete {
		t.Errorf("sent %d of %d planned, status %s; want about 140 of as many, complete", m.Sent, m.Planned, m.Status)
	}
	// The plan's description says the rate was changed, and when (about 1 s in).
	// (The second starts before the login, so the change may come a little earlier.)
	at, ok := strings.CutPrefix(m.Plan.Description, "constant 20/s for 3s; rate set to 60/s at ")
	if d, err := time.ParseDuration(at); !ok || err != nil || d < 500*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("plan %q: want the change to 60/s about 1s in", m.Plan.Description)
	}
	if r, ok := ctl.Rate(); !ok || r != 60 {
		t.Errorf("Rate() = %g, %v", r, ok)
	}
	if d := m.SendEnded.Sub(m.Started); d < 2900*time.Millisecond || d > 3100*time.Millisecond {
		t.Errorf("sent for %s, want the plan's 3s", d)
	}
}
