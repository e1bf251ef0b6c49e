package machine

import (
	"math"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// Limiter adapts the cap on requests in flight to what the generator can
// carry. Each request in flight is a goroutine or three (the worker, the
// connection's reader and writer); while the server is what they wait for,
// they sleep in the network poller and cost memory only, and the cap may
// grow to the machine's limit (attack.MachineMaxInFlight) so that a slow
// server gets its whole planned load. When the generator runs out of CPU they
// wait for it instead, runnable: each extra one then makes every request
// slower to send, time and record, which keeps more in flight, a pile-up
// that ends with tens of thousands of goroutines, gigabytes, and "cannot
// assign requested address". The Go scheduler's own latency (the time a
// runnable goroutine waits to run, runtime/metrics) tells the two apart:
// while it is high the cap shrinks to below what is in flight, while it is
// low and the cap is nearly full the cap grows. Requests beyond it wait up
// to the run's MaxLag for a slot and are dropped after it, counted, as a
// generator that cannot keep up must.
type Limiter struct {
	max      int64        // the cap's ceiling
	cur      atomic.Int64 // the cap now
	inFlight func() int64

	sample  []metrics.Sample
	prev    []uint64      // the histogram's counts at the last adjustment
	last    time.Time     // when the cap was last looked at
	lastCPU time.Duration // ragload's CPU time then
}

// Tuning of the Limiter.
const (
	limitEvery = 100 * time.Millisecond // how often the cap is looked at
	limitFloor = 64                     // the cap never goes below
	limitStart = 1024                   // the cap at the start, at most max
	// starved is the scheduler latency (its 90th percentile over the last
	// limitEvery) above which the generator counts as short of CPU: a Go
	// program with CPU to spare runs a woken goroutine within tens of
	// microseconds.
	starved = time.Millisecond
	// ownShare is the share of its cores ragload must keep busy for a
	// starved scheduler to be its own doing, and so for a lower cap to
	// help: with the machine busy with other processes the requests in
	// flight are not what takes the CPU.
	ownShare = 0.75
)

const schedLatencies = "/sched/latencies:seconds"

func NewLimiter(max int64, inFlight func() int64) *Limiter {
	l := &Limiter{max: max, inFlight: inFlight, sample: []metrics.Sample{{Name: schedLatencies}}, last: time.Now(), lastCPU: CPUTime()}
	l.cur.Store(min(max, limitStart))
	metrics.Read(l.sample)
	if l.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		l.cur.Store(max) // no such metric: the machine's limit alone
		l.sample = nil
		return l
	}
	l.prev = append([]uint64(nil), l.sample[0].Value.Float64Histogram().Counts...)
	return l
}

// Limit is the cap on requests in flight at now. The pacer asks for it
// as each request falls due, on its one goroutine; at most every
// limitEvery the asking adjusts the cap first, so the limiter needs no
// goroutine or timer of its own (a ticker's wake-ups cost a generator at
// 100 requests a second as much as its requests).
func (l *Limiter) Limit(now time.Time) int64 {
	if l.sample != nil && now.Sub(l.last) >= limitEvery {
		cpu := CPUTime()
		busy := float64(cpu-l.lastCPU) / float64(now.Sub(l.last)) // cores ragload used
		l.last, l.lastCPU = now, cpu
		if l.inFlight() < l.cur.Load()/2 {
			l.skip() // far from the cap: nothing to adjust
		} else {
			p90 := l.schedP90()
			if busy < ownShare*float64(runtime.GOMAXPROCS(0)) {
				// Goroutines waited, but ragload is not what keeps the CPU
				// busy (other processes are): fewer requests in flight
				// would free nothing.
				p90 = 0
			}
			l.adjust(p90)
		}
	}
	return l.cur.Load()
}

// adjust moves the cap given the scheduler's latency over the last period:
// down to 80% of what is in flight when starved, up by half when the cap
// is nearly full and the CPU keeps up.
func (l *Limiter) adjust(p90 time.Duration) {
	cur, n := l.cur.Load(), l.inFlight()
	switch {
	case p90 > starved:
		l.cur.Store(min(l.max, max(limitFloor, min(cur, n)*4/5)))
	case n >= cur*4/5:
		l.cur.Store(min(l.max, cur+max(cur/2, limitFloor)))
	}
}

// skip forgets the scheduler's latency since the last call, so that the
// next adjustment judges only its own period.
func (l *Limiter) skip() { l.prev = nil }

// schedP90 is the 90th percentile of the scheduler latency since the last
// call (0 when nothing was scheduled).
func (l *Limiter) schedP90() time.Duration {
	metrics.Read(l.sample)
	h := l.sample[0].Value.Float64Histogram()
	if l.prev == nil {
		l.prev = append([]uint64(nil), h.Counts...)
		return 0 // a period starts now
	}
	var total uint64
	for i, c := range h.Counts {
		total += c - l.prev[i]
	}
	if total == 0 {
		return 0
	}
	var seen uint64
	p90 := time.Duration(0)
	for i, c := range h.Counts {
		seen += c - l.prev[i]
		if seen*10 >= total*9 {
			if lo := h.Buckets[i]; lo > 0 && !math.IsInf(lo, 0) {
				p90 = time.Duration(lo * float64(time.Second)) // the bucket's lower edge
			}
			break
		}
	}
	copy(l.prev, h.Counts)
	return p90
}
