package results

import "time"

// Series is a run cut into windows of equal length by send time, so that a
// stall or a slow climb shows where the totals hide it. results/series
// makes it (series.Load).
type Series struct {
	Every time.Duration
	Start time.Time // the zero of the windows: Report.Start
	// Total has a window for every interval from Start to the last send,
	// empty ones included.
	Total SeriesLine
	// Endpoints has the same windows per endpoint, in the report's order;
	// nil unless asked for.
	Endpoints []SeriesLine
}

// SeriesLine is the windows of one endpoint, or of the total.
type SeriesLine struct {
	Name, Key string
	Windows   []Window
}

// Window is what happened to the requests sent in one interval.
type Window struct {
	Offset time.Duration // the window's start, from the run's start
	// Length is the interval, or what is left of the sending period in
	// the last window.
	Length      time.Duration
	Requests    uint64
	Failures    uint64
	RateLimited uint64
	Latency     Percentiles // as Stats.Response: from the scheduled send where there was one
}

// Rate is the window's requests per second.
func (w Window) Rate() float64 {
	if w.Length <= 0 {
		return 0
	}
	return float64(w.Requests) / w.Length.Seconds()
}

// FailureRate is Failures/Requests (0 when there were none).
func (w Window) FailureRate() float64 {
	if w.Requests == 0 {
		return 0
	}
	return float64(w.Failures) / float64(w.Requests)
}

// Lines returns the endpoint lines, then the total.
func (s *Series) Lines() []SeriesLine { return append(append([]SeriesLine{}, s.Endpoints...), s.Total) }
