package results

import (
	"errors"
	"fmt"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// maxSeriesWindows bounds the windows of a series, all rows together:
// each window of each row holds an HDR histogram of about 190 KB.
const maxSeriesWindows = 1000

// ErrTooManyWindows means a series would need more than maxSeriesWindows
// windows; a longer interval fixes it.
var ErrTooManyWindows = errors.New("too many windows")

// Series is a run cut into windows of equal length by send time, so that a
// stall or a slow climb shows where the totals hide it.
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

// seriesAggregator cuts results into windows as they are read, keeping an
// HDR histogram per window rather than the results. Create it with
// newSeriesAggregator. Not safe for concurrent use.
type seriesAggregator struct {
	start      time.Time
	every      time.Duration
	byEndpoint bool
	resolve    *Resolver
	keys       map[string]string
	total      *lineAcc
	byName     map[string]*lineAcc
	order      []string
	cells      int // histograms made
}

type lineAcc struct {
	name, key string
	wins      []winAcc
}

type winAcc struct {
	requests, failures, limited uint64
	d                           *dist
}

// newSeriesAggregator returns an aggregator of windows of every (> 0) from
// start, naming endpoints as NewAggregator(m) does and listing them in
// order (names not in order follow as they appear). Per endpoint lines
// are kept only with byEndpoint.
func newSeriesAggregator(m *Manifest, start time.Time, every time.Duration, byEndpoint bool, order []string) *seriesAggregator {
	a := NewAggregator(m) // for its resolver, which knows the target's path prefix
	return &seriesAggregator{
		start: start, every: every, byEndpoint: byEndpoint, resolve: a.resolve, keys: a.keys,
		total: &lineAcc{name: a.total.Name}, byName: map[string]*lineAcc{}, order: append([]string{}, order...),
	}
}

// Add counts one result in the window of its send time (the first window
// for a result sent before start). It fails with ErrTooManyWindows when
// the windows holding results would pass maxSeriesWindows.
func (a *seriesAggregator) Add(r *vegeta.Result) error {
	i := 0
	if off := r.Timestamp.Sub(a.start); off > 0 {
		i = int(off / a.every)
	}
	lag, scheduled := Lag(r)
	resp := r.Latency
	if scheduled {
		resp += lag
	}
	if err := a.add(a.total, i, r, resp); err != nil {
		return err
	}
	if !a.byEndpoint {
		return nil
	}
	name := a.resolve.Name(r)
	l := a.byName[name]
	if l == nil {
		l = &lineAcc{name: name, key: a.keys[name]}
		a.byName[name] = l
		if !slices.Contains(a.order, name) {
			a.order = append(a.order, name)
		}
	}
	return a.add(l, i, r, resp)
}

func (a *seriesAggregator) add(l *lineAcc, i int, r *vegeta.Result, resp time.Duration) error {
	if i >= len(l.wins) {
		if i >= maxSeriesWindows {
			return fmt.Errorf("%w: a result sent %s after the start makes window %d of %s; at most %d",
				ErrTooManyWindows, r.Timestamp.Sub(a.start).Round(time.Millisecond), i+1, a.every, maxSeriesWindows)
		}
		l.wins = append(l.wins, make([]winAcc, i+1-len(l.wins))...)
	}
	w := &l.wins[i]
	if w.d == nil {
		if a.cells++; a.cells > maxSeriesWindows {
			return fmt.Errorf("%w: windows of %s need more than %d histograms", ErrTooManyWindows, a.every, maxSeriesWindows)
		}
		w.d = &dist{h: hdrhistogram.New(histLowest, histHighest, histDigits)}
	}
	w.requests++
	if Failed(r) {
		w.failures++
	}
	if r.Code == 429 {
		w.limited++
	}
	w.d.record(resp)
	return nil
}

// Series returns the windows so far. span is the sending period from the
// start: there are windows up to its end (at least one), and the last one
// within it is only as long as what is left of it; 0 means whole windows.
func (a *seriesAggregator) Series(span time.Duration) *Series {
	n := max(1, len(a.total.wins))
	if span > 0 {
		n = max(n, int((span+a.every-1)/a.every))
	}
	s := &Series{Every: a.every, Start: a.start, Total: a.line(a.total, n, span)}
	if a.byEndpoint {
		s.Endpoints = []SeriesLine{}
		for _, name := range a.order {
			if l := a.byName[name]; l != nil {
				s.Endpoints = append(s.Endpoints, a.line(l, n, span))
			}
		}
	}
	return s
}

func (a *seriesAggregator) line(l *lineAcc, n int, span time.Duration) SeriesLine {
	out := SeriesLine{Name: l.name, Key: l.key, Windows: make([]Window, n)}
	for i := range out.Windows {
		off := time.Duration(i) * a.every
		w := Window{Offset: off, Length: a.every}
		if span > off && span < off+a.every {
			w.Length = span - off
		}
		if i < len(l.wins) {
			acc := l.wins[i]
			w.Requests, w.Failures, w.RateLimited = acc.requests, acc.failures, acc.limited
			w.Latency = acc.d.summary()
		}
		out.Windows[i] = w
	}
	return out
}

// LoadSeries reads the results of inputs again and cuts them into windows
// of every from rep's start (Report.Start) over rep's sending period, for
// the total and, with byEndpoint, for each endpoint. It refuses with
// ErrTooManyWindows before reading when the windows would pass
// maxSeriesWindows. Damaged files contribute what they could and are
// returned as a joined error of *DamagedError alongside the series, as
// Load does.
func LoadSeries(inputs []Input, rep *Report, every time.Duration, byEndpoint bool) (*Series, error) {
	if every <= 0 {
		return nil, fmt.Errorf("series interval must be > 0, got %s", every)
	}
	rows := 1
	var order []string
	if byEndpoint {
		rows += len(rep.Endpoints)
		for _, s := range rep.Endpoints {
			order = append(order, s.Name)
		}
	}
	windows := max(1, int((rep.Window+every-1)/every))
	if windows*rows > maxSeriesWindows {
		least := (rep.Window*time.Duration(rows) + maxSeriesWindows - 1) / maxSeriesWindows
		return nil, fmt.Errorf("%w: %s windows over %s make %d × %d rows, more than %d (take %s or more)",
			ErrTooManyWindows, every, rep.Window.Round(time.Millisecond), windows, rows, maxSeriesWindows, roundUp(least))
	}
	agg := newSeriesAggregator(rep.Manifest, rep.Start(), every, byEndpoint, order)
	damaged, err := scanInputs(inputs, agg.Add)
	if err != nil {
		return nil, err
	}
	return agg.Series(rep.Window), errors.Join(damaged...)
}

// roundUp rounds d up to a readable interval: whole milliseconds below a
// second, whole seconds above.
func roundUp(d time.Duration) time.Duration {
	unit := time.Millisecond
	if d > time.Second {
		unit = time.Second
	}
	return (d + unit - 1) / unit * unit
}
