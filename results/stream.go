package results

import (
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Headers of streamed responses, in whole microseconds from the send
// (Result.Timestamp), stored in Result.Headers like LagHeader.
const (
	ttfbHeader   = "X-Ragload-Ttfb"   // response headers received
	ttftHeader   = "X-Ragload-Ttft"   // first token (absent when none came)
	gapHeader    = "X-Ragload-Gap"    // longest wait between two tokens
	tokensHeader = "X-Ragload-Tokens" // number of tokens
)

// Stream is the timing of a streamed response.
type Stream struct {
	TTFB, TTFT time.Duration // TTFT is 0 when no token came
	MaxGap     time.Duration
	Tokens     int
}

// SetStream records a streamed response's timing in r.
func SetStream(r *vegeta.Result, s Stream) {
	if r.Headers == nil {
		r.Headers = make(map[string][]string, 4)
	}
	us := func(d time.Duration) []string { return []string{strconv.FormatInt(max(d, 0).Microseconds(), 10)} }
	r.Headers[ttfbHeader] = us(s.TTFB)
	if s.Tokens > 0 {
		r.Headers[ttftHeader] = us(s.TTFT)
		r.Headers[gapHeader] = us(s.MaxGap)
	}
	r.Headers[tokensHeader] = []string{strconv.Itoa(s.Tokens)}
}

// StreamOf returns the streaming timing recorded in r, if any.
func StreamOf(r *vegeta.Result) (Stream, bool) {
	var s Stream
	var ok bool
	if s.TTFB, ok = micros(r, ttfbHeader); !ok {
		return s, false
	}
	s.TTFT, _ = micros(r, ttftHeader)
	s.MaxGap, _ = micros(r, gapHeader)
	if v := r.Headers[tokensHeader]; len(v) > 0 {
		s.Tokens, _ = strconv.Atoi(v[0])
	}
	return s, true
}

// micros reads a header of whole microseconds.
func micros(r *vegeta.Result, name string) (time.Duration, bool) {
	v := r.Headers[name]
	if len(v) == 0 {
		return 0, false
	}
	us, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil || us < 0 {
		return 0, false
	}
	return time.Duration(us) * time.Microsecond, true
}
