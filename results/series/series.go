// Package series cuts a run into windows of equal length by send time
// (Load), for `ragload report --every`: the results.Series a Report
// carries for the renderers.
package series

import (
	"errors"
	"fmt"
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
)

// maxWindows bounds the windows of a series, all rows together:
// each window of each row holds an HDR histogram of about 190 KB.
const maxWindows = 1000

// ErrTooManyWindows means a series would need more than maxWindows
// windows; a longer interval fixes it.
var ErrTooManyWindows = errors.New("too many windows")

// aggregator cuts results into windows as they are read, keeping an
// HDR histogram per window rather than the results. Create it with
// newAggregator. Not safe for concurrent use.
type aggregator struct {
	start      time.Time
	every      time.Duration
	byEndpoint bool
	resolve    *results.Resolver
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
	d                           *results.Dist
}

// newAggregator returns an aggregator of windows of every (> 0) from
// start, naming endpoints as results.NewAggregator(m) does and listing them in
// order (names not in order follow as they appear). Per endpoint lines
// are kept only with byEndpoint.
func newAggregator(m *results.Manifest, start time.Time, every time.Duration, byEndpoint bool, order []string) *aggregator {
	keys := map[string]string{}
	if m != nil {
		for _, e := range m.Scenario.Endpoints {
			keys[e.Name] = e.Key
		}
	}
	return &aggregator{
		start: start, every: every, byEndpoint: byEndpoint, resolve: results.NewResolverFor(m), keys: keys,
		total: &lineAcc{name: results.NewAggregator(m).Total().Name}, byName: map[string]*lineAcc{}, order: append([]string{}, order...),
	}
}

// Add counts one result in the window of its send time (the first window
// for a result sent before start). It fails with ErrTooManyWindows when
// the windows holding results would pass maxWindows.
func (a *aggregator) Add(r *vegeta.Result) error {
	i := 0
	if off := r.Timestamp.Sub(a.start); off > 0 {
		i = int(off / a.every)
	}
	lag, scheduled := results.Lag(r)
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

func (a *aggregator) add(l *lineAcc, i int, r *vegeta.Result, resp time.Duration) error {
	if i >= len(l.wins) {
		if i >= maxWindows {
			return fmt.Errorf("%w: a result sent %s after the start makes window %d of %s; at most %d",
				ErrTooManyWindows, r.Timestamp.Sub(a.start).Round(time.Millisecond), i+1, a.every, maxWindows)
		}
		l.wins = append(l.wins, make([]winAcc, i+1-len(l.wins))...)
	}
	w := &l.wins[i]
	if w.d == nil {
		if a.cells++; a.cells > maxWindows {
			return fmt.Errorf("%w: windows of %s need more than %d histograms", ErrTooManyWindows, a.every, maxWindows)
		}
		w.d = results.NewDist()
	}
	w.requests++
	if results.Failed(r) {
		w.failures++
	}
	if r.Code == 429 {
		w.limited++
	}
	w.d.Record(resp)
	return nil
}

// Series returns the windows so far. span is the sending period from the
// start: there are windows up to its end (at least one), and the last one
// within it is only as long as what is left of it; 0 means whole windows.
func (a *aggregator) Series(span time.Duration) *results.Series {
	n := max(1, len(a.total.wins))
	if span > 0 {
		n = max(n, int((span+a.every-1)/a.every))
	}
	s := &results.Series{Every: a.every, Start: a.start, Total: a.line(a.total, n, span)}
	if a.byEndpoint {
		s.Endpoints = []results.SeriesLine{}
		for _, name := range a.order {
			if l := a.byName[name]; l != nil {
				s.Endpoints = append(s.Endpoints, a.line(l, n, span))
			}
		}
	}
	return s
}

func (a *aggregator) line(l *lineAcc, n int, span time.Duration) results.SeriesLine {
	out := results.SeriesLine{Name: l.name, Key: l.key, Windows: make([]results.Window, n)}
	for i := range out.Windows {
		off := time.Duration(i) * a.every
		w := results.Window{Offset: off, Length: a.every}
		if span > off && span < off+a.every {
			w.Length = span - off
		}
		if i < len(l.wins) {
			acc := l.wins[i]
			w.Requests, w.Failures, w.RateLimited = acc.requests, acc.failures, acc.limited
			w.Latency = acc.d.Summary()
		}
		out.Windows[i] = w
	}
	return out
}

// Load reads the results of inputs again and cuts them into windows
// of every from rep's start (Report.Start) over rep's sending period, for
// the total and, with byEndpoint, for each endpoint. It refuses with
// ErrTooManyWindows before reading when the windows would pass
// maxWindows. Damaged files contribute what they could and are
// returned as a joined error of *results.DamagedError alongside the
// series, as results.Load does.
func Load(inputs []results.Input, rep *results.Report, every time.Duration, byEndpoint bool) (*results.Series, error) {
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
	if windows*rows > maxWindows {
		least := (rep.Window*time.Duration(rows) + maxWindows - 1) / maxWindows
		return nil, fmt.Errorf("%w: %s windows over %s make %d × %d rows, more than %d (take %s or more)",
			ErrTooManyWindows, every, rep.Window.Round(time.Millisecond), windows, rows, maxWindows, roundUp(least))
	}
	agg := newAggregator(rep.Manifest, rep.Start(), every, byEndpoint, order)
	damaged, err := results.ScanInputs(inputs, agg.Add)
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
