// Package tokens stores the token timing of streamed responses in a
// result's headers: when the last token came (for TPOT, the time per
// output token) and every gap between two tokens as a small histogram
// (for the ITL, inter-token latency, distribution). Readers sum the
// histograms of many results, or of shards, to get a run's distribution.
package tokens

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Headers of streamed responses that carried tokens, beside results'
// stream headers (TTFT, tokens), in Result.Headers.
const (
	// LastTokenHeader holds when the last token came, in whole
	// microseconds from the send: TPOT = (last − TTFT) / (tokens − 1).
	LastTokenHeader = "X-Ragload-Last"
	// ITLHeader holds every gap between two consecutive tokens as a
	// histogram: comma-separated "µs*count" entries ("µs" alone for a count
	// of 1), ascending. A reader sums the counts of equal values across
	// results to get the run's distribution (shards merge the same way).
	ITLHeader = "X-Ragload-Itl"
)

// GapCount is N inter-token gaps of about Gap each.
type GapCount struct {
	Gap time.Duration
	N   int
}

// Timing is the token timing of a streamed response.
type Timing struct {
	// Last is when the last token came, from the send.
	Last time.Duration
	// Gaps are the gaps between consecutive tokens, ascending (see
	// GapHistogram); their counts sum to the tokens less one.
	Gaps []GapCount
}

// Set records t in r.
func Set(r *vegeta.Result, t Timing) {
	if r.Headers == nil {
		r.Headers = make(map[string][]string, 2)
	}
	r.Headers[LastTokenHeader] = []string{strconv.FormatInt(max(t.Last, 0).Microseconds(), 10)}
	if len(t.Gaps) == 0 {
		return
	}
	b := make([]byte, 0, 8*len(t.Gaps))
	for i, g := range t.Gaps {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, max(g.Gap, 0).Microseconds(), 10)
		if g.N != 1 {
			b = append(b, '*')
			b = strconv.AppendInt(b, int64(g.N), 10)
		}
	}
	r.Headers[ITLHeader] = []string{string(b)}
}

// Of returns the token timing recorded in r, if any. Entries of the
// histogram that do not read (a damaged file) are skipped.
func Of(r *vegeta.Result) (Timing, bool) {
	var t Timing
	var ok bool
	if t.Last, ok = Micros(r, LastTokenHeader); !ok {
		return t, false
	}
	v := r.Headers[ITLHeader]
	if len(v) == 0 {
		return t, true
	}
	for e := range strings.SplitSeq(v[0], ",") {
		us, n, hasN := strings.Cut(e, "*")
		g, err := strconv.ParseInt(us, 10, 64)
		c := 1
		if err == nil && hasN {
			c, err = strconv.Atoi(n)
		}
		if err != nil || g < 0 || c < 1 || g > math.MaxInt64/int64(time.Microsecond) {
			continue
		}
		t.Gaps = append(t.Gaps, GapCount{time.Duration(g) * time.Microsecond, c})
	}
	return t, true
}

// TPOT is the time per output token after the first of a streamed
// response with n tokens, the first at ttft: (last token − first token) /
// (n − 1); false with fewer than two tokens.
func TPOT(ttft time.Duration, n int, t Timing) (time.Duration, bool) {
	if n < 2 || t.Last < ttft {
		return 0, false
	}
	return (t.Last - ttft) / time.Duration(n-1), true
}

// GapHistogram collects the gaps between tokens as a stream is read, in
// buckets: exact below 100µs, above that 2% wide (a bucket stands for its
// geometric middle, within 1% of every gap in it). Its zero value is
// empty and ready.
type GapHistogram struct {
	keys   []int32 // ascending bucket keys
	counts []int32
}

// gapRatio is the width of a bucket above gapExact µs.
const (
	gapExact = 100
	gapRatio = 1.02
)

// MaxGapEntries caps the entries GapHistogram.Counts returns: beyond it
// neighbours merge (keeping every count), so that a long stream with
// scattered gaps still stores a few hundred bytes at most.
const MaxGapEntries = 64

var logGapRatio = math.Log(gapRatio)

// Add counts one gap.
func (h *GapHistogram) Add(d time.Duration) {
	us := max(d.Microseconds(), 0)
	k := int32(us)
	if us >= gapExact {
		k = gapExact + int32(math.Log(float64(us)/gapExact)/logGapRatio)
	}
	i, found := slices.BinarySearch(h.keys, k)
	if found {
		h.counts[i]++
		return
	}
	h.keys = slices.Insert(h.keys, i, k)
	h.counts = slices.Insert(h.counts, i, 1)
}

// Len is the number of gaps counted.
func (h *GapHistogram) Len() int {
	n := 0
	for _, c := range h.counts {
		n += int(c)
	}
	return n
}

// Counts returns the gaps, ascending, at most MaxGapEntries entries:
// when there are more buckets, neighbours merge pairwise (the merged
// value is their count-weighted mean) until they fit.
func (h *GapHistogram) Counts() []GapCount {
	out := make([]GapCount, len(h.keys))
	for i, k := range h.keys {
		us := float64(k)
		if k >= gapExact {
			us = gapExact * math.Pow(gapRatio, float64(k-gapExact)+0.5)
		}
		out[i] = GapCount{time.Duration(math.Round(us)) * time.Microsecond, int(h.counts[i])}
	}
	for len(out) > MaxGapEntries {
		merged := out[:0]
		for i := 0; i < len(out); i += 2 {
			if i+1 == len(out) {
				merged = append(merged, out[i])
				break
			}
			a, b := out[i], out[i+1]
			n := a.N + b.N
			mean := (float64(a.Gap)*float64(a.N) + float64(b.Gap)*float64(b.N)) / float64(n)
			merged = append(merged, GapCount{time.Duration(mean).Round(time.Microsecond), n})
		}
		out = merged
	}
	return out
}

// GapQuantile returns the q-quantile (0 < q ≤ 1) of the gaps in counts
// (ascending, as Counts and TokensOf give them, or merged from many
// results and sorted): the smallest gap with at least q of them at or
// below it; 0 when counts is empty.
func GapQuantile(counts []GapCount, q float64) time.Duration {
	total := 0
	for _, c := range counts {
		total += c.N
	}
	if total == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(total)))
	seen := 0
	for _, c := range counts {
		seen += c.N
		if seen >= max(rank, 1) {
			return c.Gap
		}
	}
	return counts[len(counts)-1].Gap
}

// Micros reads a header of whole microseconds, the encoding of these
// headers and of results.LagHeader; false when it is missing or not a
// whole number ≥ 0.
func Micros(r *vegeta.Result, name string) (time.Duration, bool) {
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

// Headers of streamed responses, in whole microseconds from the send
// (Result.Timestamp), stored in Result.Headers like results.LagHeader.
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
	if s.TTFB, ok = Micros(r, ttfbHeader); !ok {
		return s, false
	}
	s.TTFT, _ = Micros(r, ttftHeader)
	s.MaxGap, _ = Micros(r, gapHeader)
	if v := r.Headers[tokensHeader]; len(v) > 0 {
		s.Tokens, _ = strconv.Atoi(v[0])
	}
	return s, true
}
