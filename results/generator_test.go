package results

import (
	"strings"
	"testing"
	"time"
)

func TestGeneratorJudge(t *testing.T) {
	samples := func(cpu ...float64) []GenSample {
		var out []GenSample
		for i, c := range cpu {
			out = append(out, GenSample{Offset: Duration(time.Duration(i) * time.Second), CPU: c, MachineCPU: c})
		}
		return out
	}
	tests := []struct {
		name  string
		g     GeneratorInfo
		words []string // empty: not saturated
	}{
		{"healthy", GeneratorInfo{Cores: 2, MachineCores: 2, Scheduled: 1000, Late: 5, Samples: samples(0.5, 0.6, 0.4)}, nil},
		{"late sends", GeneratorInfo{Cores: 2, MachineCores: 2, LateAfter: Duration(LateAfter), Scheduled: 1000, Late: 50, Samples: samples(0.5)}, []string{"5.0% of requests left more than 5ms after they were due"}},
		{"one busy second is not saturation", GeneratorInfo{Cores: 2, MachineCores: 4, Samples: samples(0.5, 1.9, 0.5)}, nil},
		{"two busy seconds are", GeneratorInfo{Cores: 2, MachineCores: 4, MaxCPU: 1.95, Samples: samples(1.85, 1.95, 0.5)}, []string{"ragload used 1.95 of its 2 cores"}},
		{"a busy machine is not saturation", GeneratorInfo{Cores: 2, MachineCores: 2, MaxCPU: 0.3, MaxMachineCPU: 1.98, Samples: []GenSample{{CPU: 0.3, MachineCPU: 1.9}, {CPU: 0.2, MachineCPU: 1.98}}}, nil},
		{"closed loop has no late sends", GeneratorInfo{Cores: 2, MachineCores: 2, Samples: samples(0.1)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.g.Judge()
			if tt.g.Saturated != (len(tt.words) > 0) {
				t.Fatalf("Saturated = %v, reasons %q", tt.g.Saturated, tt.g.Reasons)
			}
			all := strings.Join(tt.g.Reasons, "; ")
			for _, w := range tt.words {
				if !strings.Contains(all, w) {
					t.Errorf("reasons %q lack %q", all, w)
				}
			}
		})
	}
}

func TestGeneratorBusy(t *testing.T) {
	g := GeneratorInfo{Cores: 2, MachineCores: 2, MaxCPU: 0.3, MaxMachineCPU: 1.98, Samples: []GenSample{{CPU: 0.3, MachineCPU: 1.9}, {CPU: 0.2, MachineCPU: 1.98}}}
	g.Judge()
	if g.Saturated || !g.Busy || !strings.Contains(g.BusyWarning(), "the machine was busy: 1.98 of its 2 cores in use, ragload's share at most 0.30") {
		t.Errorf("saturated %v busy %v: %s", g.Saturated, g.Busy, g.BusyWarning())
	}
	g.Samples[1].MachineCPU = 0.5
	if g.Judge(); g.Busy {
		t.Error("one busy second counted as a busy machine")
	}
}

// TestViewsDiffer: the note under the service table calls requests late
// only past LateAfter (as the generator's line does), flags the views as
// different only past max(LateAfter, 2%), and, when the generator kept up,
// lays high latencies at the server's door rather than at a lag of a
// millisecond or two.
func TestViewsDiffer(t *testing.T) {
	type sample struct{ service, lag time.Duration }
	tests := []struct {
		name    string
		sample  func(i int) sample // of 100 requests, 10 ms apart
		gen     *GeneratorInfo     // the manifest's generator, if any
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
		}, &GeneratorInfo{Scheduled: 100, Late: 3, LateAfter: Duration(LateAfter)},
			false, []string{"3 of 100 requests left more than 5ms after their due time (lag p99 8.0 ms, max 8.0 ms), too few or too little late to move the percentiles, so the latencies are the server's."},
			[]string{"requests left late", "understates"}},
		{"a saturated generator is not cleared", func(int) sample { return sample{time.Second, time.Millisecond} },
			&GeneratorInfo{Scheduled: 100, Saturated: true},
			false, []string{"every request left within 1.0 ms"}, []string{"server's"}},
		{"growing lag", func(i int) sample { return sample{20 * time.Millisecond, time.Duration(i) * time.Millisecond} }, nil,
			true, []string{"requests left late (94 of 100 more than 5ms after their due time, lag p99 98.0 ms), so the service latency alone understates"}, nil},
		// Late because every slot was taken: the bottleneck is the
		// server, and the note says so.
		{"late behind a full in-flight cap", func(i int) sample { return sample{2 * time.Second, time.Duration(i) * time.Millisecond} },
			&GeneratorInfo{Scheduled: 100, Late: 94, Saturated: true, Reasons: []string{"94.0% of requests left more than 5ms after they were due"},
				Samples: []GenSample{{InFlight: 40}, {InFlight: 64}}},
			true, []string{"lag p99 98.0 ms): the cap of 64 requests in flight (--max-workers) was full, the server answering too slowly for the rate, so"}, []string{"could not keep up"}},
		{"late because ragload was saturated", func(i int) sample { return sample{20 * time.Millisecond, time.Duration(i) * time.Millisecond} },
			&GeneratorInfo{Scheduled: 100, Late: 94, Saturated: true, Reasons: []string{"ragload used 1.95 of its 2 cores"}, Samples: []GenSample{{InFlight: 3}}},
			true, []string{"lag p99 98.0 ms): ragload could not keep up (ragload used 1.95 of its 2 cores), so"}, []string{"in flight"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m *Manifest
			if tt.gen != nil {
				m = &Manifest{Generator: tt.gen, Plan: Plan{MaxWorkers: 64}}
			}
			a := NewAggregator(m)
			for i := range 100 {
				x := tt.sample(i)
				r := res("GET", "http://h/x", 200, x.service, time.Duration(i)*10*time.Millisecond)
				SetLag(r, x.lag)
				a.Add(r)
			}
			rep := NewReport(m, a, nil)
			differ, words := rep.ViewsDiffer()
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
			if err := WriteText(&text, rep); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(text.String(), "NOTE: "+words); got != tt.differ {
				t.Errorf("the text report flags the note with NOTE: %v, want %v", got, tt.differ)
			}
			var md strings.Builder
			if err := WriteMarkdown(&md, rep); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(md.String(), "**Note:** "+words); got != tt.differ {
				t.Errorf("the markdown report flags the note with **Note:** %v, want %v", got, tt.differ)
			}
		})
	}
	if differ, words := NewReport(nil, NewAggregator(nil), nil).ViewsDiffer(); differ || words != "" {
		t.Errorf("no schedule: %v %q", differ, words)
	}
}
