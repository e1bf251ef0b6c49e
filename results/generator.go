package results

import (
	"fmt"
	"time"

	"github.com/ragload/ragload/results/threshold"
)

// Generator limits: beyond them a run's latencies describe the load
// generator rather than the server.
const (
	// LateAfter is how long after its due time a request counts as late.
	LateAfter = 5 * time.Millisecond
	// maxLateShare is the share of late requests a healthy run stays under.
	maxLateShare = 0.01
	// minLate is how many late requests it takes, whatever their share, so
	// that a few hiccups of a virtual machine in a short run (4 of 320) do
	// not brand it saturated.
	minLate = 10
	// maxCPUShare is the share of the cores ragload may use for two
	// samples in a row before it counts as saturated.
	maxCPUShare = 0.9
)

// GeneratorInfo is ragload's record of its own health during a run.
type GeneratorInfo struct {
	Cores     int      `json:"cores"` // GOMAXPROCS
	LateAfter Duration `json:"late_after"`
	Scheduled uint64   `json:"scheduled"` // requests with a due time
	Late      uint64   `json:"late"`      // of those, sent later than LateAfter
	MaxCPU    float64  `json:"max_cpu"`   // cores used, highest sample
	// MachineCores and MaxMachineCPU describe the whole machine (Linux),
	// where other processes compete with ragload for the cores.
	MachineCores  int     `json:"machine_cores"`
	MaxMachineCPU float64 `json:"max_machine_cpu"`
	Saturated     bool    `json:"saturated"`
	// Reasons says in words why the run counts as saturated.
	Reasons []string `json:"reasons,omitempty"`
	// Busy says other processes kept the machine's cores busy: ragload kept
	// its schedule (else it would be saturated), but latencies may include
	// time spent waiting for a CPU.
	Busy    bool        `json:"busy,omitempty"`
	Samples []GenSample `json:"samples"`
}

// GenSample is one look at the generator, covering the time since the
// previous sample.
type GenSample struct {
	Offset     Duration `json:"t"`
	CPU        float64  `json:"cpu"`         // cores ragload used
	MachineCPU float64  `json:"machine_cpu"` // cores busy on the whole machine (0 where unknown)
	Goroutines int      `json:"goroutines"`
	RSS        uint64   `json:"rss,omitempty"` // resident memory in bytes (0 where unknown)
	InFlight   int64    `json:"in_flight"`
	Sent       uint64   `json:"sent"` // requests sent in the interval
	Late       uint64   `json:"late"` // of those, late
}

// PeakInFlight is the most requests in flight at any sample.
func (g *GeneratorInfo) PeakInFlight() int64 {
	var n int64
	for _, s := range g.Samples {
		n = max(n, s.InFlight)
	}
	return n
}

// BusyWarning says the machine was busy, for a report's warnings.
func (g *GeneratorInfo) BusyWarning() string {
	return fmt.Sprintf("the machine was busy: %.2f of its %d cores in use, ragload's share at most %.2f; ragload kept its schedule, but latencies may include time waiting for a CPU",
		g.MaxMachineCPU, g.MachineCores, g.MaxCPU)
}

// Judge decides whether the generator was saturated and says why: it was
// when it sent late or used nearly all of its cores. A machine kept busy by
// other processes is noted apart (Busy).
func (g *GeneratorInfo) Judge() {
	g.Saturated, g.Reasons = false, nil
	if g.Scheduled > 0 {
		if share := float64(g.Late) / float64(g.Scheduled); share > maxLateShare && g.Late >= minLate {
			g.Reasons = append(g.Reasons, fmt.Sprintf("%.1f%% of requests left more than %s after they were due", 100*share, time.Duration(g.LateAfter)))
		}
	}
	limit := maxCPUShare * float64(g.Cores)
	for i := 1; i < len(g.Samples); i++ {
		if g.Samples[i-1].CPU >= limit && g.Samples[i].CPU >= limit {
			g.Reasons = append(g.Reasons, fmt.Sprintf("ragload used %.2f of its %d cores", g.MaxCPU, g.Cores))
			break
		}
	}
	g.Saturated = len(g.Reasons) > 0
	machine := maxCPUShare * float64(g.MachineCores)
	g.Busy = false
	for i := 1; i < len(g.Samples) && g.MachineCores > 0; i++ {
		if g.Samples[i-1].MachineCPU >= machine && g.Samples[i].MachineCPU >= machine {
			g.Busy = true
			break
		}
	}
}

// generatorLimited says why the load the server had is not the planned
// one, or its latencies not the server's alone: ragload dropped requests,
// held them back at its cap of requests in flight, or its generator was
// saturated. Empty when none of these.
func (r *Report) generatorLimited() []string {
	var why []string
	capped := r.workersFull()
	if d := r.Total.Dropped; d > 0 {
		advice := dropAdvice
		if capped > 0 {
			advice = "raise --max-workers, or lower the rate"
		}
		why = append(why, fmt.Sprintf("ragload dropped %d (%.1f%%) of the planned requests: it could not send them within %s of their due time, so the server never had the planned load (%s)",
			d, 100*r.DroppedShare(), r.maxLag(), advice))
	}
	switch {
	case !r.Saturated():
	case capped > 0:
		// Not short of CPU: waiting for a free worker, which the latency
		// from the due time includes. More generators would not help.
		why = append(why, fmt.Sprintf("requests waited for one of ragload's %d workers (--max-workers), all busy because the server answered too slowly for the rate: these latencies include that wait (raise --max-workers, or lower the rate)", capped))
	default:
		why = append(why, "the load generator was saturated, so these latencies describe ragload as much as the server (spread the load over more generators)")
	}
	return why
}

// workersFull is the run's --max-workers when its requests in flight
// reached it, 0 otherwise (no cap, or never full).
func (r *Report) workersFull() uint64 {
	m := r.Manifest
	if m == nil || m.Generator == nil || m.Plan.MaxWorkers <= 0 || m.Generator.PeakInFlight() < int64(m.Plan.MaxWorkers) {
		return 0
	}
	return m.Plan.MaxWorkers
}

// failedOnTimeOrRate reports whether every threshold that failed measures
// a latency, a rate, a count of requests or users (what a limited
// generator distorts), not the server's answers (failures, checks).
func failedOnTimeOrRate(checks []Check) bool {
	for _, c := range checks {
		if c.Pass || c.Advisory {
			continue
		}
		if k := c.Kind(); k == threshold.KindFailures || k == threshold.KindChecks {
			return false
		}
	}
	return true
}
