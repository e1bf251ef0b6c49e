package attack

import (
	"runtime"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
)

// monitor samples ragload itself once a second while a run goes on: CPU,
// resident memory, goroutines, requests in flight and late sends. The samples go into the
// manifest, where the report reads whether the generator kept up.
type monitor struct {
	info *results.GeneratorInfo
	rc   *recorder

	quit, done chan struct{}
}

// lateCounter counts scheduled and late results; the recorder feeds it.
type lateCounter struct{ scheduled, late atomic.Uint64 }

func (l *lateCounter) add(r *vegeta.Result) {
	if lag, ok := results.Lag(r); ok {
		l.scheduled.Add(1)
		if lag > results.LateAfter {
			l.late.Add(1)
		}
	}
}

// startMonitor begins sampling; stop takes a last sample and judges.
func (s *Setup) startMonitor(rc *recorder) (stop func()) {
	g := &results.GeneratorInfo{Cores: runtime.GOMAXPROCS(0), MachineCores: runtime.NumCPU(), LateAfter: results.Duration(results.LateAfter)}
	rc.m.Generator = g
	m := &monitor{info: g, rc: rc, quit: make(chan struct{}), done: make(chan struct{})}
	go m.loop()
	return func() {
		close(m.quit)
		<-m.done
		g.Scheduled, g.Late = rc.late.scheduled.Load(), rc.late.late.Load()
		g.Judge()
	}
}

// monitorEvery is how often the monitor samples ragload.
const monitorEvery = time.Second

func (m *monitor) loop() {
	defer close(m.done)
	sp := &sampler{info: m.info, every: monitorEvery, cores: float64(ncpu())}
	look := func() probe {
		busy, total, ok := machineTicks()
		return probe{at: time.Now(), cpu: cpuTime(), busy: busy, total: total, machine: ok,
			sent: m.rc.done.Load(), late: m.rc.late.late.Load(),
			goroutines: runtime.NumGoroutine(), rss: rss(), inFlight: m.rc.inFlight()}
	}
	sp.begin(look())
	t := time.NewTicker(monitorEvery)
	defer t.Stop()
	for {
		select {
		case <-m.quit:
			sp.take(look(), true)
			return
		case <-t.C:
			sp.take(look(), false)
		}
	}
}

// probe is one look at the process and the machine: cumulative counters
// (CPU time, machine ticks, results done and late) and gauges.
type probe struct {
	at          time.Time
	cpu         time.Duration
	busy, total uint64 // machine CPU ticks; machine is false where unknown
	machine     bool
	sent, late  uint64
	goroutines  int
	rss         uint64
	inFlight    int64
}

// sampler turns probes into the samples of info, each covering the time
// since the one before.
type sampler struct {
	info  *results.GeneratorInfo
	every time.Duration
	cores float64
	start time.Time
	// last is the probe the next sample starts from; prev the one the last
	// sample started from (a short final sample merges into it).
	last, prev probe
}

func (sp *sampler) begin(p probe) { sp.start, sp.last, sp.prev = p.at, p, p }

// take adds the sample from the last probe to p. The final sample, taken
// when the run stops, usually covers a sliver of an interval: a few ms in
// which CPU time and the machine's ticks (counted in 10 ms jiffies) are
// too coarse to mean anything, so that "ragload used 0.29 cores" of the
// last 1.5 ms set the maximum, above the machine's 0.12. Shorter than half
// an interval, it merges into the sample before it.
func (sp *sampler) take(p probe, final bool) {
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

func ncpu() int { return runtime.NumCPU() }
