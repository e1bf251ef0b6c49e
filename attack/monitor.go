package attack

import (
	"runtime"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack/internal/machine"
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
	look := func() machine.Probe { return machine.Look(m.rc.done.Load(), m.rc.late.late.Load(), m.rc.inFlight()) }
	sp := machine.NewSampler(m.info, monitorEvery, look())
	t := time.NewTicker(monitorEvery)
	defer t.Stop()
	for {
		select {
		case <-m.quit:
			sp.Take(look(), true)
			return
		case <-t.C:
			sp.Take(look(), false)
		}
	}
}
