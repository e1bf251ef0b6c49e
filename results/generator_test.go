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
