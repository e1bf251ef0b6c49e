package machine

import (
	"math"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
)

// TestSamplerFinalSliver: the sample taken when a run stops covers what is
// left of an interval, often a millisecond or two, in which CPU time and
// the machine's 10 ms ticks are too coarse to mean anything. It must not
// set the maximum ("Generator cpu max 0.29 of 2 cores (machine 0.12 of
// 2)" came from a final sample 1.5 ms long): shorter than half an
// interval, it merges into the sample before it. ragload's CPU never
// exceeds the machine's.
func TestSamplerFinalSliver(t *testing.T) {
	t0 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration, cpu time.Duration, busy, total, sent uint64) Probe {
		return Probe{at: t0.Add(d), cpu: cpu, busy: busy, total: total, machine: true, sent: sent, inFlight: int64(sent % 7)}
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 0.005 }
	type take struct {
		p     Probe
		final bool
	}
	tests := []struct {
		name    string
		takes   []take
		samples int
		maxCPU  float64
		machine float64 // MaxMachineCPU
		lastCPU float64
		lastAt  time.Duration
	}{
		{"a 1.5 ms final sample merges", []take{
			{at(time.Second, 100*time.Millisecond, 20, 200, 20), false},                           // 0.10 cores, machine 0.20
			{at(2*time.Second, 220*time.Millisecond, 44, 400, 40), false},                         // 0.12, machine 0.24
			{at(2*time.Second+1500*time.Microsecond, 220440*time.Microsecond, 44, 400, 41), true}, // 0.29 of 1.5 ms, no tick
		}, 2, 0.12, 0.24, (220.44 - 100) / 1001.5, 2*time.Second + 1500*time.Microsecond},
		{"a final sample of most of an interval stays", []take{
			{at(time.Second, 100*time.Millisecond, 20, 200, 20), false},
			{at(1700*time.Millisecond, 240*time.Millisecond, 48, 340, 34), true}, // 0.20 cores, machine 0.40
		}, 2, 0.20, 0.40, 0.20, 1700 * time.Millisecond},
		{"a run shorter than half an interval keeps its one sample", []take{
			{at(200*time.Millisecond, 30*time.Millisecond, 6, 40, 4), true},
		}, 1, 0.15, 0.30, 0.15, 200 * time.Millisecond},
		{"machine ticks below ragload's CPU are raised to it", []take{
			{at(time.Second, 300*time.Millisecond, 10, 200, 20), false}, // 0.30 cores, ticks say 0.10
		}, 1, 0.30, 0.30, 0.30, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &results.GeneratorInfo{Cores: 2, MachineCores: 2}
			sp := &Sampler{info: g, every: time.Second, cores: 2}
			sp.Begin(Probe{at: t0, machine: true})
			for _, tk := range tt.takes {
				sp.Take(tk.p, tk.final)
			}
			if len(g.Samples) != tt.samples {
				t.Fatalf("%d samples, want %d: %+v", len(g.Samples), tt.samples, g.Samples)
			}
			last := g.Samples[len(g.Samples)-1]
			if !near(g.MaxCPU, tt.maxCPU) || !near(g.MaxMachineCPU, tt.machine) || !near(last.CPU, tt.lastCPU) || time.Duration(last.Offset) != tt.lastAt {
				t.Errorf("cpu max %.3f, machine max %.3f, last sample %.3f at %s; want %.3f, %.3f, %.3f at %s",
					g.MaxCPU, g.MaxMachineCPU, last.CPU, time.Duration(last.Offset), tt.maxCPU, tt.machine, tt.lastCPU, tt.lastAt)
			}
			if g.MaxCPU > g.MaxMachineCPU {
				t.Errorf("ragload's cpu max %.3f above the machine's %.3f", g.MaxCPU, g.MaxMachineCPU)
			}
			var sent uint64
			for _, s := range g.Samples {
				sent += s.Sent
				if s.CPU > s.MachineCPU {
					t.Errorf("sample at %s: ragload %.3f above the machine %.3f", time.Duration(s.Offset), s.CPU, s.MachineCPU)
				}
			}
			if want := tt.takes[len(tt.takes)-1].p.sent; sent != want {
				t.Errorf("samples count %d sent, want %d (a merged sample keeps its requests)", sent, want)
			}
			if want := tt.takes[len(tt.takes)-1].p.inFlight; last.InFlight != want {
				t.Errorf("last sample in flight %d, want the final look's %d", last.InFlight, want)
			}
		})
	}
}
