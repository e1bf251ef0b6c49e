package results

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ragload/ragload/results/threshold"
)

// Dist is one latency distribution: an HDR histogram (3 digits, 1 µs to
// an hour) plus the exact extremes (the histogram's are the edges of a
// bucket). Create it with NewDist.
type Dist struct {
	h        *hdrhistogram.Histogram
	min, max time.Duration
}

// NewDist returns an empty distribution.
func NewDist() *Dist { return &Dist{h: hdrhistogram.New(histLowest, histHighest, histDigits)} }

// Record adds the sample v.
func (d *Dist) Record(v time.Duration) { d.recordN(v, 1) }

// recordN adds n samples of v.
func (d *Dist) recordN(v time.Duration, n int64) {
	us := max(int64(v/time.Microsecond), histLowest)
	_ = d.h.RecordValues(min(us, histHighest), n) // in range by construction
	if d.h.TotalCount() == n || v < d.min {
		d.min = v
	}
	d.max = max(d.max, v)
}

// merge adds the samples of o to d: the histogram of the union, exactly as
// if they had been recorded into d.
func (d *Dist) merge(o *Dist) {
	if o == nil || o.h.TotalCount() == 0 {
		return
	}
	if d.h.TotalCount() == 0 || o.min < d.min {
		d.min = o.min
	}
	d.max = max(d.max, o.max)
	d.h.Merge(o.h)
}

// Percentiles is a latency distribution summary.
type Percentiles struct {
	Count uint64        `json:"count"`
	Min   time.Duration `json:"-"`
	Mean  time.Duration `json:"-"`
	P50   time.Duration `json:"-"`
	P90   time.Duration `json:"-"`
	P95   time.Duration `json:"-"`
	P99   time.Duration `json:"-"`
	Max   time.Duration `json:"-"`
}

// Summary is the distribution's percentiles (zero when empty or nil).
func (d *Dist) Summary() Percentiles {
	if d == nil || d.h.TotalCount() == 0 {
		return Percentiles{}
	}
	return Percentiles{
		Count: uint64(d.h.TotalCount()),
		Min:   d.min,
		Mean:  time.Duration(d.h.Mean() * float64(time.Microsecond)),
		P50:   d.quantile(50), P90: d.quantile(90), P95: d.quantile(95), P99: d.quantile(99),
		Max: d.max,
	}
}

// quantile is the histogram's percentile, which is the top of its bucket
// (within 0.1%), clamped to the exact maximum so that p99 never reads above
// max.
func (d *Dist) quantile(p float64) time.Duration {
	if d == nil {
		return 0
	}
	return min(time.Duration(d.h.ValueAtQuantile(p))*time.Microsecond, d.max)
}

// Latency views of Stats (View, Quantile), named by the prefix a threshold
// gives its metric (see results/threshold).
const (
	ViewResponse = threshold.ViewResponse // from the scheduled send (the default)
	ViewService  = threshold.ViewService  // from the actual send
	ViewLag      = threshold.ViewLag      // the schedule lag itself
	ViewTTFB     = threshold.ViewTTFB     // streamed responses: time to the response headers
	ViewTTFT     = threshold.ViewTTFT     // streamed responses: time to the first token
	ViewGap      = threshold.ViewGap      // streamed responses: longest wait between tokens
	ViewITL      = threshold.ViewITL      // streamed responses: every wait between two tokens
	ViewTPOT     = threshold.ViewTPOT     // streamed responses: time per output token after the first
)

// View is the distribution of one latency view: ViewResponse, ViewService,
// ViewLag, ViewTTFB, ViewTTFT, ViewGap, ViewITL or ViewTPOT (empty when
// nothing was recorded).
func (s *Stats) View(view string) Percentiles { return s.dist(view).Summary() }

// Response is the distribution of response times from the scheduled send
// (the service latency where there was no schedule).
func (s *Stats) Response() Percentiles { return s.View(ViewResponse) }

// Service is the distribution of latencies from the actual send.
func (s *Stats) Service() Percentiles { return s.View(ViewService) }

// ScheduleLag is the distribution of schedule lags (empty when unscheduled).
func (s *Stats) ScheduleLag() Percentiles { return s.View(ViewLag) }

// Quantile returns the q-th percentile (0 < q ≤ 100) of a latency view.
func (s *Stats) Quantile(q float64, view string) time.Duration { return s.dist(view).quantile(q) }

// dist is the distribution of a view (nil when nothing was recorded).
func (s *Stats) dist(view string) *Dist {
	if i := viewIndex(view); i >= 0 {
		return s.views[i]
	}
	return nil
}

// countAbove counts the samples above v, to the histogram's resolution: a
// bucket counts when all of it lies above v.
func (d *Dist) countAbove(v time.Duration) uint64 {
	if d == nil {
		return 0
	}
	us := int64(v / time.Microsecond)
	var n int64
	for _, b := range d.h.Distribution() {
		if b.From > us {
			n += b.Count
		}
	}
	return uint64(n)
}

// CountAbove counts the results whose latency in view is above v, to the
// histogram's resolution (a bucket counts when all of it lies above v).
func (s *Stats) CountAbove(view string, v time.Duration) uint64 {
	return s.dist(view).countAbove(v)
}
