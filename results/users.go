package results

import (
	"fmt"
	"time"
)

// UsersInfo is the closed-loop side of a run: how many virtual users were
// asked for, and how many actually ran over time.
type UsersInfo struct {
	Planned    int          `json:"planned"` // the most users the plan asked for at once
	Wait       string       `json:"wait"`    // think time, in words
	Iterations int          `json:"iterations,omitempty"`
	Timeline   []UserSample `json:"timeline"`
}

// UserSample is the user count at an offset from the start.
type UserSample struct {
	Offset Duration `json:"t"`
	Target int      `json:"target"` // what the plan asked for
	Active int      `json:"active"` // what ran
}

// Peak is the most users that ran at once.
func (u *UsersInfo) Peak() int {
	peak := 0
	for _, s := range u.Timeline {
		peak = max(peak, s.Active)
	}
	return peak
}

// Sustained is the most users that all ran together for at least hold:
// the largest n such that the active count stayed ≥ n over a stretch of
// samples spanning hold or more.
func (u *UsersInfo) Sustained(hold time.Duration) int {
	best := 0
	tl := u.Timeline
	for i := range tl {
		low := tl[i].Active
		for j := i; j < len(tl); j++ {
			low = min(low, tl[j].Active)
			if low <= best {
				break // this start cannot beat the best any more
			}
			if time.Duration(tl[j].Offset-tl[i].Offset) >= hold {
				best = low
				break
			}
		}
	}
	return best
}

// HoldFor is how long users must run together to count as sustained: a
// tenth of the run, but no longer than the plan itself holds its peak
// (PeakHold), and at least the spacing of the samples.
func (u *UsersInfo) HoldFor() time.Duration {
	tl := u.Timeline
	if len(tl) < 2 {
		return 0
	}
	return max(min(time.Duration(tl[len(tl)-1].Offset)/10, u.PeakHold()), u.spacing())
}

func (u *UsersInfo) spacing() time.Duration {
	return time.Duration(u.Timeline[1].Offset - u.Timeline[0].Offset)
}

// PeakHold is how long the plan held its most users: the longest stretch
// of samples whose target is the timeline's highest. A ramp that only
// touches its peak (--stages 2s:10,4s:20,2s:0) holds it for no time.
func (u *UsersInfo) PeakHold() time.Duration {
	peak := 0
	for _, s := range u.Timeline {
		peak = max(peak, s.Target)
	}
	var best, from time.Duration
	in := false
	for _, s := range u.Timeline {
		at := time.Duration(s.Offset)
		switch {
		case s.Target == peak && !in:
			from, in = at, true
		case s.Target != peak:
			in = false
		}
		if in {
			best = max(best, at-from)
		}
	}
	return best
}

// HeldFor is the longest stretch of samples over which at least n users
// all ran, from the first sample of the stretch to its last.
func (u *UsersInfo) HeldFor(n int) time.Duration {
	var best time.Duration
	from := -1
	for i, s := range u.Timeline {
		switch {
		case s.Active < n:
			from = -1
			continue
		case from < 0:
			from = i
		}
		best = max(best, time.Duration(s.Offset-u.Timeline[from].Offset))
	}
	return best
}

// touchesPeak reports whether the plan holds its peak for less than a
// sample's spacing, so that the users criterion is judged on the peak.
func (u *UsersInfo) touchesPeak() bool { return u.PeakHold() < u.spacing() }

// Judged is the user count the users threshold is judged on, and how, in
// words: the users that all ran together for HoldFor (and how long they
// did), or, when the plan holds its peak for less than a sample's
// spacing, the peak that ran.
func (u *UsersInfo) Judged() (int, string) {
	if len(u.Timeline) < 2 {
		return u.Peak(), "the peak; one sample"
	}
	if u.touchesPeak() {
		return u.Peak(), "the peak; the plan only touches it"
	}
	hold := u.HoldFor()
	n := u.Sustained(hold)
	if n == 0 {
		return 0, fmt.Sprintf("none held for the %s the verdict needs", hold.Round(time.Millisecond))
	}
	return n, fmt.Sprintf("held for %s; the verdict needs ≥ %s", u.HeldFor(n).Round(time.Millisecond), hold.Round(time.Millisecond))
}

// Held says in words how many users all ran together and for how long,
// for a report's header: "held 30 users for 12.3s (the verdict needs ≥
// 1.5s)", where the second part is the hold the users criterion asks for.
func (u *UsersInfo) Held() string {
	if len(u.Timeline) < 2 {
		return "one sample"
	}
	hold := u.HoldFor().Round(time.Millisecond)
	n := u.Sustained(u.HoldFor())
	needs := fmt.Sprintf("the verdict needs ≥ %s", hold)
	if u.touchesPeak() {
		needs = "the plan only touches its peak: the verdict takes the peak"
	}
	if n == 0 {
		return fmt.Sprintf("no users ran together for %s (%s)", hold, needs)
	}
	return fmt.Sprintf("held %d users for %s (%s)", n, u.HeldFor(n).Round(time.Millisecond), needs)
}
