package plan

import "time"

// unboundedPacer is the Schedule of an Unbounded plan: no wait between
// requests (vegeta then sends as soon as a worker is free) until the
// plan's duration has passed. No request has a due time.
type unboundedPacer struct{ d time.Duration }

var _ Schedule = unboundedPacer{}

// Pace implements vegeta.Pacer.
func (u unboundedPacer) Pace(elapsed time.Duration, _ uint64) (time.Duration, bool) {
	return 0, elapsed >= u.d
}

// Rate implements vegeta.Pacer: 0, vegeta's "infinite".
func (u unboundedPacer) Rate(time.Duration) float64 { return 0 }

func (u unboundedPacer) Due(uint64) (time.Duration, bool) { return 0, false }
func (u unboundedPacer) Count() uint64                    { return 0 }
func (u unboundedPacer) Duration() time.Duration          { return u.d }

// IsUnbounded reports whether s is the schedule of an Unbounded plan: it
// has neither due times nor a count to fall short of.
func IsUnbounded(s Schedule) bool {
	_, ok := s.(unboundedPacer)
	return ok
}
