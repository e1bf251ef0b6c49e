package sweep

import (
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
)

// loadAfter is results.Load leaving out what each run sent in its first skip (a
// warm-up); the report's rates are over the rest of the window. It also
// returns the throughput: the successful answers per second while the
// server worked on what was sent in that window.
//
// Answers are counted, whichever request they answer, over the window
// shifted by the median service latency of the requests sent in it: a
// server that keeps up answers at the send rate, however slowly (at 20/s
// and 1.5 s per answer, 30 are always in flight, and the answers to the
// window's last 1.5 s come after it ends, while those to the warm-up's last
// 1.5 s come inside it). A server that falls behind answers at its own
// capacity, queue growing, whatever the shift: it is still busy with the
// window's requests until after the shifted window ends. The run drains
// every request, so the shifted window's answers are all in the file.
func loadAfter(inputs []results.Input, skip time.Duration) (*results.Report, float64, error) {
	var m *results.Manifest
	for _, in := range inputs {
		if in.Manifest != nil && m == nil {
			m = in.Manifest
		}
	}
	agg := results.NewAggregator(m)
	var window time.Duration
	type span struct {
		from, to time.Time
		ends     []time.Time // of the successful answers, any request's
	}
	spans := make([]span, 0, len(inputs))
	for _, in := range inputs {
		start, w, err := in.Span()
		if err != nil {
			return nil, 0, err
		}
		sp := span{from: start.Add(skip), to: start.Add(w)}
		window += max(w-skip, 0)
		if _, err := results.ReadInputs([]results.Input{in}, func(r *vegeta.Result) error {
			if !results.Failed(r) {
				sp.ends = append(sp.ends, r.End())
			}
			if !r.Timestamp.Before(sp.from) {
				agg.Add(r)
			}
			return nil
		}); err != nil {
			return nil, 0, err
		}
		agg.EndFile() // a journey's instances are numbered within one file
		spans = append(spans, sp)
	}
	rep := results.NewReport(m, agg, nil)
	rep.Window = window
	if window <= 0 {
		return rep, 0, nil
	}
	shift := rep.Total.Service().P50
	var done int
	for _, sp := range spans {
		from, to := sp.from.Add(shift), sp.to.Add(shift)
		for _, end := range sp.ends {
			if !end.Before(from) && end.Before(to) {
				done++
			}
		}
	}
	return rep, float64(done) / window.Seconds(), nil
}
