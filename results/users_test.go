package results

import (
	"testing"
	"time"

	"github.com/ragload/ragload/results/threshold"
)

func timeline(every time.Duration, active ...int) *UsersInfo {
	u := &UsersInfo{Planned: 10}
	for i, a := range active {
		u.Timeline = append(u.Timeline, UserSample{Offset: Duration(time.Duration(i) * every), Active: a})
	}
	return u
}

func TestUsersSustained(t *testing.T) {
	tests := []struct {
		name      string
		u         *UsersInfo
		hold      time.Duration
		peak, sus int
	}{
		{"held all along", timeline(time.Second, 10, 10, 10, 10), time.Second, 10, 10},
		{"a spike is not sustained", timeline(time.Second, 2, 5, 10, 5, 5, 5), 2 * time.Second, 10, 5},
		{"a spike held long enough is", timeline(time.Second, 2, 10, 10, 10, 3), 2 * time.Second, 10, 10},
		{"ramp up and down", timeline(time.Second, 0, 4, 8, 8, 8, 4, 0), 2 * time.Second, 8, 8},
		{"never held", timeline(time.Second, 0, 10, 0, 10, 0), 2 * time.Second, 10, 0},
		{"one sample", timeline(time.Second, 7), time.Second, 7, 0},
		{"no hold asked", timeline(time.Second, 7), 0, 7, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u.Peak(); got != tt.peak {
				t.Errorf("Peak = %d, want %d", got, tt.peak)
			}
			if got := tt.u.Sustained(tt.hold); got != tt.sus {
				t.Errorf("Sustained(%s) = %d, want %d", tt.hold, got, tt.sus)
			}
		})
	}
	if h := timeline(time.Second, make([]int, 61)...).HoldFor(); h != 6*time.Second {
		t.Errorf("HoldFor of a 60s run = %s, want 6s", h)
	}
	if h := timeline(100*time.Millisecond, 1, 1, 1).HoldFor(); h != 100*time.Millisecond {
		t.Errorf("HoldFor of a 200ms run = %s, want the 100ms spacing of its samples", h)
	}
}

func TestJudgeUsers(t *testing.T) {
	rules, err := threshold.ParseAll([]string{"users>=10"}, false)
	if err != nil {
		t.Fatal(err)
	}
	r := &Report{Total: newStats("TOTAL", ""), Manifest: &Manifest{Users: timeline(time.Second, 0, 6, 10, 10, 10)}}
	r.Total.Requests = 1
	if err := r.Judge(rules, 0); err != nil {
		t.Fatal(err)
	}
	if !r.Verdict.Pass || r.Verdict.Checks[0].FormatActual() != "10 (held for 2s; the verdict needs ≥ 1s)" {
		t.Errorf("10 users held for 2s: %+v", r.Verdict)
	}
	r.Manifest.Users = timeline(time.Second, 0, 6, 7, 10, 6, 0)
	r.Judge(rules, 0)
	if r.Verdict.Pass || len(r.Verdict.Reasons) != 1 || r.Verdict.Reasons[0] != "only 7 users ran together (held for 1s; the verdict needs ≥ 1s), not >= 10" {
		t.Errorf("reasons %q", r.Verdict.Reasons)
	}
	r.Manifest.Users = nil
	r.Judge(rules, 0)
	if r.Verdict.Pass || r.Verdict.Checks[0].Note != "not a virtual-users run" {
		t.Errorf("attack run judged on users: %+v", r.Verdict.Checks[0])
	}
}

// planned is a timeline of targets and actives, a sample a second.
func planned(pairs ...[2]int) *UsersInfo {
	u := &UsersInfo{}
	for i, p := range pairs {
		u.Planned = max(u.Planned, p[0])
		u.Timeline = append(u.Timeline, UserSample{Offset: Duration(time.Duration(i) * time.Second), Target: p[0], Active: p[1]})
	}
	return u
}

// The README's ramp (--stages 2s:10,4s:20,2s:0) touches 20 users for an
// instant: the users criterion is judged on the peak that ran, not on a
// hold the plan itself never asks for; a plan that holds its peak is
// judged on the users that held it.
func TestJudgeUsersPeakHold(t *testing.T) {
	rules, err := threshold.ParseAll([]string{"users>=20"}, false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		u    *UsersInfo
		pass bool
		how  string
	}{
		{"a ramp that touches its peak, reached", planned([2]int{0, 0}, [2]int{5, 5}, [2]int{10, 10}, [2]int{13, 13}, [2]int{17, 16}, [2]int{20, 20}, [2]int{10, 12}, [2]int{0, 3}),
			true, "20 (the peak; the plan only touches it)"},
		{"a ramp that touches its peak, missed", planned([2]int{0, 0}, [2]int{10, 10}, [2]int{20, 18}, [2]int{10, 10}, [2]int{0, 0}),
			false, "18 (the peak; the plan only touches it)"},
		{"a held peak, held", planned([2]int{0, 0}, [2]int{20, 20}, [2]int{20, 20}, [2]int{20, 20}, [2]int{0, 0}),
			true, "20 (held for 2s; the verdict needs ≥ 1s)"},
		{"a held peak, a spike only", planned([2]int{0, 0}, [2]int{20, 12}, [2]int{20, 20}, [2]int{20, 12}, [2]int{20, 12}, [2]int{0, 0}),
			false, "12 (held for 3s; the verdict needs ≥ 1s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{Total: newStats("TOTAL", ""), Manifest: &Manifest{Users: tt.u}}
			r.Total.Requests = 1
			if err := r.Judge(rules, 0); err != nil {
				t.Fatal(err)
			}
			if r.Verdict.Pass != tt.pass || r.Verdict.Checks[0].FormatActual() != tt.how {
				t.Errorf("pass %v (%s), want %v (%s)", r.Verdict.Pass, r.Verdict.Checks[0].FormatActual(), tt.pass, tt.how)
			}
		})
	}
}

// TestUsersHeld: the header says how many users ran together and for how
// long they did, next to the hold the verdict asks for ("sustained 30 for
// ≥ 1.5s" read as if the users barely ran), with no nested parentheses.
func TestUsersHeld(t *testing.T) {
	thirty := make([]int, 15) // 0, then 30 users from 1s to 13s, then 0
	for i := 1; i < 14; i++ {
		thirty[i] = 30
	}
	tests := []struct {
		name string
		u    *UsersInfo
		want string
	}{
		{"held long past the bar", timeline(time.Second, thirty...), "held 30 users for 12s (the verdict needs ≥ 1.4s)"},
		{"a spike", timeline(time.Second, 0, 5, 10, 5, 5, 5, 0, 0, 0, 0, 0), "held 5 users for 4s (the verdict needs ≥ 1s)"},
		{"never together", timeline(time.Second, 0, 10, 0, 10, 0), "no users ran together for 1s (the verdict needs ≥ 1s)"},
		{"a ramp that touches its peak", planned([2]int{0, 0}, [2]int{10, 10}, [2]int{20, 20}, [2]int{10, 12}, [2]int{0, 0}),
			"held 12 users for 1s (the plan only touches its peak: the verdict takes the peak)"},
		{"one sample", timeline(time.Second, 7), "one sample"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u.Held(); got != tt.want {
				t.Errorf("Held() = %q, want %q", got, tt.want)
			}
		})
	}

}
