package demo

import (
	"context"
	"time"
)

// stallDelay returns how long a request arriving elapsed after the server's
// creation must be held: the rest of the stall window
// [k*every, k*every+length) containing elapsed, or 0 outside every window
// or when stalls are off (every or length <= 0).
func stallDelay(elapsed, every, length time.Duration) time.Duration {
	if every <= 0 || length <= 0 || elapsed < 0 {
		return 0
	}
	if phase := elapsed % every; phase < length {
		return length - phase
	}
	return 0
}

// stall holds the caller until the current stall window, if any, ends. It
// is checked once, on arrival, so a request is held at most once. It
// reports false if ctx was done before the window ended.
func (s *Server) stall(ctx context.Context) bool {
	d := stallDelay(time.Since(s.created), s.cfg.StallEvery, s.cfg.StallFor)
	if d <= 0 {
		return true
	}
	s.stats.stalled.Add(1)
	return sleepCtx(ctx, d)
}
