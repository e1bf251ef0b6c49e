package demo

import (
	"net/http"
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

// stall holds r until the current stall window, if any, ends. It is
// checked once, on arrival, so a request is held at most once. The body is
// read first: net/http notices a client that leaves (and cancels r's
// context) only once the body has been read, so an unread body would keep
// a timed-out request held to the window's end. It reports false if the
// client left before the window ended (or its body could not be read).
func (s *Server) stall(w http.ResponseWriter, r *http.Request) bool {
	d := stallDelay(time.Since(s.created), s.cfg.StallEvery, s.cfg.StallFor)
	if d <= 0 {
		return true
	}
	end := time.Now().Add(d)
	s.stats.stalled.Add(1)
	if !bufferBody(w, r, s.cfg.MaxUploadBytes+maxFormBytes) {
		return false
	}
	return sleepCtx(r.Context(), time.Until(end))
}
