package results

import "time"

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
// tenth of the run, and at least the spacing of the samples.
func (u *UsersInfo) HoldFor() time.Duration {
	tl := u.Timeline
	if len(tl) < 2 {
		return 0
	}
	return max(time.Duration(tl[len(tl)-1].Offset)/10, time.Duration(tl[1].Offset-tl[0].Offset))
}
