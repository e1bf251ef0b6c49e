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

func (m *monitor) loop() {
	defer close(m.done)
	start := time.Now()
	lastT, lastCPU := start, cpuTime()
	lastBusy, lastTotal, machine := machineTicks()
	cores := float64(ncpu())
	var lastSent, lastLate uint64
	take := func() {
		now, cpu := time.Now(), cpuTime()
		sent, late := m.rc.done.Load(), m.rc.late.late.Load()
		s := results.GenSample{
			Offset:     results.Duration(now.Sub(start)),
			Goroutines: runtime.NumGoroutine(),
			RSS:        rss(),
			InFlight:   m.rc.inFlight(),
			Sent:       sent - lastSent,
			Late:       late - lastLate,
		}
		if dt := now.Sub(lastT); dt > 0 {
			s.CPU = float64(cpu-lastCPU) / float64(dt)
		}
		if busy, total, ok := machineTicks(); ok && machine && total > lastTotal {
			s.MachineCPU = cores * float64(busy-lastBusy) / float64(total-lastTotal)
			lastBusy, lastTotal = busy, total
		}
		m.info.Samples = append(m.info.Samples, s)
		m.info.MaxCPU = max(m.info.MaxCPU, s.CPU)
		m.info.MaxMachineCPU = max(m.info.MaxMachineCPU, s.MachineCPU)
		lastT, lastCPU, lastSent, lastLate = now, cpu, sent, late
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-m.quit:
			take()
			return
		case <-t.C:
			take()
		}
	}
}

func ncpu() int { return runtime.NumCPU() }
