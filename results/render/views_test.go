package render

import (
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
)

// TestViewsDiffer: the note under the service table calls requests late
// only past results.LateAfter (as the generator's line does), flags the views as
// different only past max(results.LateAfter, 2%), and, when the generator kept up,
// lays high latencies at the server's door rather than at a lag of a
// millisecond or two.
func TestViewsDiffer(t *testing.T) {
	type sample struct{ service, lag time.Duration }
	tests := []struct {
		name    string
		sample  func(i int) sample     // of 100 requests, 10 ms apart
		gen     *results.GeneratorInfo // the manifest's generator, if any
		differ  bool
		want    []string
		notWant []string
	}{
		{"0.1 ms of lag", func(int) sample { return sample{20 * time.Millisecond, 100 * time.Microsecond} }, nil,
			false, []string{"The two views agree within 5ms or 2%: every request left within 0.1 ms of its due time, so the latencies are the server's."}, nil},
		// A 2 ms endpoint sent 1.9 ms after its due time: 95% further
		// apart, but nothing was late (the pacer sleeps; it does not spin).
		{"sub-5ms lag on a fast endpoint", func(i int) sample { return sample{2 * time.Millisecond, time.Duration(i%20) * 100 * time.Microsecond} }, nil,
			false, []string{"agree within 5ms or 2%", "every request left within 1.9 ms of its due time"}, []string{"left late", "more than 5ms"}},
		// The server is the bottleneck: seconds of service latency, lag
		// of a few ms, 3 sends past 5 ms (the generator's count).
		{"a saturated server", func(i int) sample {
			lag := 2 * time.Millisecond
			if i%40 == 0 {
				lag = 8 * time.Millisecond
			}
			return sample{time.Duration(3000+30*i) * time.Millisecond, lag}
		}, &results.GeneratorInfo{Scheduled: 100, Late: 3, LateAfter: results.Duration(results.LateAfter)},
			false, []string{"3 of 100 requests left more than 5ms after their due time (lag p99 8.0 ms, max 8.0 ms), too few or too little late to move the percentiles, so the latencies are the server's."},
			[]string{"requests left late", "understates"}},
		{"a saturated generator is not cleared", func(int) sample { return sample{time.Second, time.Millisecond} },
			&results.GeneratorInfo{Scheduled: 100, Saturated: true},
			false, []string{"every request left within 1.0 ms"}, []string{"server's"}},
		{"growing lag", func(i int) sample { return sample{20 * time.Millisecond, time.Duration(i) * time.Millisecond} }, nil,
			true, []string{"requests left late (94 of 100 more than 5ms after their due time, lag p99 98.0 ms), so the service latency alone understates"}, nil},
		// Late because every slot was taken: the bottleneck is the
		// server, and the note says so.
		{"late behind a full in-flight cap", func(i int) sample { return sample{2 * time.Second, time.Duration(i) * time.Millisecond} },
			&results.GeneratorInfo{Scheduled: 100, Late: 94, Saturated: true, Reasons: []string{"94.0% of requests left more than 5ms after they were due"},
				Samples: []results.GenSample{{InFlight: 40}, {InFlight: 64}}},
			true, []string{"lag p99 98.0 ms): the cap of 64 requests in flight (--max-workers) was full, the server answering too slowly for the rate, so"}, []string{"could not keep up"}},
		{"late because ragload was saturated", func(i int) sample { return sample{20 * time.Millisecond, time.Duration(i) * time.Millisecond} },
			&results.GeneratorInfo{Scheduled: 100, Late: 94, Saturated: true, Reasons: []string{"ragload used 1.95 of its 2 cores"}, Samples: []results.GenSample{{InFlight: 3}}},
			true, []string{"lag p99 98.0 ms): ragload could not keep up (ragload used 1.95 of its 2 cores), so"}, []string{"in flight"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m *results.Manifest
			if tt.gen != nil {
				m = &results.Manifest{Generator: tt.gen, Plan: results.Plan{MaxWorkers: 64}}
			}
			a := results.NewAggregator(m)
			for i := range 100 {
				x := tt.sample(i)
				r := res("GET", "http://h/x", 200, x.service, time.Duration(i)*10*time.Millisecond)
				results.SetLag(r, x.lag)
				a.Add(r)
			}
			rep := results.NewReport(m, a, nil)
			differ, words := ViewsDiffer(rep)
			if differ != tt.differ {
				t.Errorf("differ = %v, want %v: %q", differ, tt.differ, words)
			}
			for _, w := range tt.want {
				if !strings.Contains(words, w) {
					t.Errorf("%q lacks %q", words, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(words, w) {
					t.Errorf("%q has %q", words, w)
				}
			}
			var text strings.Builder
			if err := Text(&text, rep); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(text.String(), "NOTE: "+words); got != tt.differ {
				t.Errorf("the text report flags the note with NOTE: %v, want %v", got, tt.differ)
			}
			var md strings.Builder
			if err := Markdown(&md, rep); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(md.String(), "**Note:** "+words); got != tt.differ {
				t.Errorf("the markdown report flags the note with **Note:** %v, want %v", got, tt.differ)
			}
		})
	}
	if differ, words := ViewsDiffer(results.NewReport(nil, results.NewAggregator(nil), nil)); differ || words != "" {
		t.Errorf("no schedule: %v %q", differ, words)
	}
}
