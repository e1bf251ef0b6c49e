package plot

import (
	"math"
	"sort"
	"time"
)

// binGrowth is the ratio between the bounds of consecutive latency bins:
// a bin's middle is within 0.5% of every latency in it, plenty for a line
// a few pixels thick.
const binGrowth = 1.01

var (
	logGrowth = math.Log(binGrowth)
	// maxBin holds an hour (in microseconds), like the report's histograms.
	maxBin = uint16(math.Ceil(math.Log(float64(time.Hour/time.Microsecond)) / logGrowth))
)

// sketch is the latency distribution of one time bucket: counts in
// logarithmic bins (sparse: only the bins that saw a latency) and the exact
// extremes. Unlike an HDR histogram (hundreds of KB at the report's
// precision), it costs a few bytes per distinct bin, so a run can keep one
// per endpoint per bucket. The zero value is not usable; use newSketch.
type sketch struct {
	n        uint64
	bins     map[uint16]uint32
	min, max time.Duration
}

func newSketch() *sketch { return &sketch{bins: map[uint16]uint32{}} }

// binOf is the bin of a latency: floor(log_1.01(µs)), 0 below 1 µs.
func binOf(d time.Duration) uint16 {
	us := float64(d) / float64(time.Microsecond)
	if us <= 1 {
		return 0
	}
	return uint16(min(math.Floor(math.Log(us)/logGrowth), float64(maxBin)))
}

// binValue is the geometric middle of bin b.
func binValue(b uint16) time.Duration {
	return time.Duration(math.Exp((float64(b)+0.5)*logGrowth) * float64(time.Microsecond))
}

func (s *sketch) add(d time.Duration) {
	if s.n == 0 || d < s.min {
		s.min = d
	}
	s.max = max(s.max, d)
	s.n++
	s.bins[binOf(d)]++
}

// mergeSketches adds b into a and returns a.
func mergeSketches(a, b *sketch) *sketch {
	if b.n == 0 {
		return a
	}
	if a.n == 0 || b.min < a.min {
		a.min = b.min
	}
	a.max = max(a.max, b.max)
	a.n += b.n
	for k, v := range b.bins {
		a.bins[k] += v
	}
	return a
}

// quantiles returns the nearest-rank quantiles qs (each in (0, 1],
// ascending) of s, clamped to its exact extremes; nil when s is empty.
func (s *sketch) quantiles(qs ...float64) []time.Duration {
	if s == nil || s.n == 0 {
		return nil
	}
	keys := make([]uint16, 0, len(s.bins))
	for k := range s.bins {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	out := make([]time.Duration, len(qs))
	var seen uint64
	k := 0
	for i, q := range qs {
		rank := max(uint64(math.Ceil(q*float64(s.n))), 1)
		for seen < rank && k < len(keys) {
			seen += uint64(s.bins[keys[k]])
			k++
		}
		out[i] = min(max(binValue(keys[max(k-1, 0)]), s.min), s.max)
	}
	return out
}
