package results

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// dist is one latency distribution: an HDR histogram plus the exact
// extremes (the histogram's are the edges of a bucket).
type dist struct {
	h        *hdrhistogram.Histogram
	min, max time.Duration
}

func newDist() *dist { return &dist{h: hdrhistogram.New(histLowest, histHighest, histDigits)} }

func (d *dist) record(v time.Duration) { d.recordN(v, 1) }

// recordN records n samples of v.
func (d *dist) recordN(v time.Duration, n int64) {
	us := max(int64(v/time.Microsecond), histLowest)
	_ = d.h.RecordValues(min(us, histHighest), n) // in range by construction
	if d.h.TotalCount() == n || v < d.min {
		d.min = v
	}
	d.max = max(d.max, v)
}

// merge adds the samples of o to d: the histogram of the union, exactly as
// if they had been recorded into d.
func (d *dist) merge(o *dist) {
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

func (d *dist) summary() Percentiles {
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
func (d *dist) quantile(p float64) time.Duration {
	if d == nil {
		return 0
	}
	return min(time.Duration(d.h.ValueAtQuantile(p))*time.Microsecond, d.max)
}

// View is the distribution of one latency view: ViewResponse, ViewService,
// ViewLag, ViewTTFB, ViewTTFT, ViewGap, ViewITL or ViewTPOT (empty when
// nothing was recorded).
func (s *Stats) View(view string) Percentiles { return s.dist(view).summary() }

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
func (s *Stats) dist(view string) *dist {
	if i := viewIndex(view); i >= 0 {
		return s.views[i]
	}
	return nil
}

// countAbove counts the samples above v, to the histogram's resolution: a
// bucket counts when all of it lies above v.
func (d *dist) countAbove(v time.Duration) uint64 {
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
