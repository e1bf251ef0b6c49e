package plan

import (
	"math/rand/v2"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// PoissonPacer sends a plan's requests as a Poisson process: exponential
// gaps whose mean follows the plan's rate at each moment (a
// non-homogeneous process, drawn in the plan's "request time" and mapped
// back through its rate). It is seeded, so the same seed gives the same
// arrivals, and each request's due time stays exact.
type PoissonPacer struct {
	plan  *Pacer
	seed  uint64
	count uint64

	// Pace's state: the arrivals drawn so far (Pace runs on one goroutine).
	rng  *rand.Rand
	next uint64  // index of the next arrival to draw
	sum  float64 // its position in request time

	mu   sync.Mutex
	dues map[uint64]time.Duration // handed out and not yet forgotten
}

var _ Schedule = (*PoissonPacer)(nil)

// NewPoissonPacer returns a Poisson pacer for a valid plan.
func NewPoissonPacer(p Plan, seed uint64) *PoissonPacer {
	pp := &PoissonPacer{plan: NewPacer(p), seed: seed, dues: map[uint64]time.Duration{}}
	// Count the arrivals once (the draws are cheap; nothing is kept), so the
	// manifest can say how many requests are planned.
	rng, total, h := pp.newRand(), p.Hits(), 0.0
	for {
		h += rng.ExpFloat64()
		if h >= total {
			break
		}
		pp.count++
	}
	pp.rng = pp.newRand()
	return pp
}

func (pp *PoissonPacer) newRand() *rand.Rand {
	return rand.New(rand.NewPCG(pp.seed, pp.seed^0xa0761d6478bd642f))
}

// Count is the number of arrivals the seed gives within the plan.
func (pp *PoissonPacer) Count() uint64 { return pp.count }

// Duration is the plan's length.
func (pp *PoissonPacer) Duration() time.Duration { return pp.plan.Duration() }

// Rate is the plan's rate at elapsed (the mean of the process).
func (pp *PoissonPacer) Rate(elapsed time.Duration) float64 { return pp.plan.Rate(elapsed) }

// Pace implements vegeta.Pacer.
func (pp *PoissonPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= pp.count {
		return 0, true
	}
	for pp.next <= hits {
		pp.sum += pp.rng.ExpFloat64()
		due := pp.plan.at(pp.sum)
		pp.mu.Lock()
		pp.dues[pp.next] = due
		pp.mu.Unlock()
		pp.next++
	}
	pp.mu.Lock()
	due := pp.dues[hits]
	pp.mu.Unlock()
	return paceAt(elapsed, due, true)
}

// Due returns when request n was due. It knows requests that Pace has
// handed out and Forget has not dropped.
func (pp *PoissonPacer) Due(n uint64) (time.Duration, bool) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	d, ok := pp.dues[n]
	return d, ok
}

// Forget drops request n's due time once its result is in, so memory
// follows the requests in flight, not the length of the run.
func (pp *PoissonPacer) Forget(n uint64) {
	pp.mu.Lock()
	delete(pp.dues, n)
	pp.mu.Unlock()
}

var _ vegeta.Pacer = (*PoissonPacer)(nil)
