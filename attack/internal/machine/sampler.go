package machine

import (
	"runtime"
	"time"

	"github.com/ragload/ragload/results"
)

// Probe is one look at the process and the machine: cumulative counters
// (CPU time, machine ticks, results done and late) and gauges.
type Probe struct {
	at          time.Time
	cpu         time.Duration
	busy, total uint64 // machine CPU ticks; machine is false where unknown
	machine     bool
	sent, late  uint64
	goroutines  int
	rss         uint64
	inFlight    int64
}

// Look reads the process and the machine now; the run adds its counts of
// results done and late and of requests in flight.
func Look(sent, late uint64, inFlight int64) Probe {
	busy, total, ok := Ticks()
	return Probe{at: time.Now(), cpu: CPUTime(), busy: busy, total: total, machine: ok,
		sent: sent, late: late, goroutines: runtime.NumGoroutine(), rss: RSS(), inFlight: inFlight}
}

// Sampler turns probes into the samples of info, each covering the time
// since the one before.
type Sampler struct {
	info  *results.GeneratorInfo
	every time.Duration
	cores float64
	start time.Time
	// last is the probe the next sample starts from; prev the one the last
	// sample started from (a short final sample merges into it).
	last, prev Probe
}

// NewSampler returns a Sampler of probes taken every interval into info,
// from the first probe p.
func NewSampler(info *results.GeneratorInfo, every time.Duration, p Probe) *Sampler {
	sp := &Sampler{info: info, every: every, cores: float64(runtime.NumCPU())}
	sp.Begin(p)
	return sp
}

// Begin starts the samples at p.
func (sp *Sampler) Begin(p Probe) { sp.start, sp.last, sp.prev = p.at, p, p }

// Take adds the sample from the last probe to p. The final sample, taken
// when the run stops, usually covers a sliver of an interval: a few ms in
// which CPU time and the machine's ticks (counted in 10 ms jiffies) are
// too coarse to mean anything, so that "ragload used 0.29 cores" of the
// last 1.5 ms set the maximum, above the machine's 0.12. Shorter than half
// an interval, it merges into the sample before it.
func (sp *Sampler) Take(p Probe, final bool) {
	from := sp.last
	if n := len(sp.info.Samples); final && n > 0 && p.at.Sub(from.at) < sp.every/2 {
		sp.info.Samples, from = sp.info.Samples[:n-1], sp.prev
	}
	s := results.GenSample{
		Offset:     results.Duration(p.at.Sub(sp.start)),
		Goroutines: p.goroutines,
		RSS:        p.rss,
		InFlight:   p.inFlight,
		Sent:       p.sent - from.sent,
		Late:       p.late - from.late,
	}
	if dt := p.at.Sub(from.at); dt > 0 {
		s.CPU = float64(p.cpu-from.cpu) / float64(dt)
	}
	if p.machine && from.machine && p.total > from.total {
		s.MachineCPU = sp.cores * float64(p.busy-from.busy) / float64(p.total-from.total)
		// ragload's CPU is part of the machine's, which the coarser
		// ticks can undercount: never report the part above the whole.
		s.MachineCPU = max(s.MachineCPU, s.CPU)
	}
	sp.info.Samples = append(sp.info.Samples, s)
	sp.info.MaxCPU, sp.info.MaxMachineCPU = 0, 0
	for _, s := range sp.info.Samples {
		sp.info.MaxCPU = max(sp.info.MaxCPU, s.CPU)
		sp.info.MaxMachineCPU = max(sp.info.MaxMachineCPU, s.MachineCPU)
	}
	sp.prev, sp.last = from, p
}
