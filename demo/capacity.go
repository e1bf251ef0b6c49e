package demo

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// maxSampleFactor caps a service-time sample at this multiple of its median.
const maxSampleFactor = 20

// sampler draws lognormal service times: median*exp(sigma*Z)*scale.
type sampler struct {
	sigma float64
	scale float64
	mu    sync.Mutex
	rng   *rand.Rand // nil: use the global source (safe for concurrent use)
}

func newSampler(sigma, scale float64, seed uint64) *sampler {
	s := &sampler{sigma: sigma, scale: scale}
	if seed != 0 {
		s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	}
	return s
}

// normal returns a standard normal variate.
func (s *sampler) normal() float64 {
	if s.rng == nil {
		return rand.NormFloat64()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.NormFloat64()
}

// sample returns one service time for the given median.
func (s *sampler) sample(median time.Duration) time.Duration {
	if median <= 0 {
		return 0
	}
	f := 1.0
	if s.sigma > 0 {
		f = min(math.Exp(s.sigma*s.normal()), maxSampleFactor)
	}
	return time.Duration(float64(median) * f * s.scale)
}

// sleepCtx waits for d or until ctx is done; it reports whether the full
// duration elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// pool is a fixed set of worker slots with an optional bound on waiters.
type pool struct {
	slots      chan struct{}
	queueLimit int64 // 0 = unlimited
	waiting    atomic.Int64
	inFlight   atomic.Int64
	maxIn      atomic.Int64
}

func newPool(workers, queueLimit int) *pool {
	return &pool{slots: make(chan struct{}, workers), queueLimit: int64(queueLimit)}
}

// acquireResult says why acquire returned.
type acquireResult int

const (
	acquired acquireResult = iota
	overloaded
	cancelled
)

// acquire takes a slot, waiting if necessary. On success the caller must
// call release exactly once.
func (p *pool) acquire(ctx context.Context) acquireResult {
	select {
	case p.slots <- struct{}{}:
		p.enter()
		return acquired
	default:
	}
	n := p.waiting.Add(1)
	defer p.waiting.Add(-1)
	if p.queueLimit > 0 && n > p.queueLimit {
		return overloaded
	}
	select {
	case p.slots <- struct{}{}:
		p.enter()
		return acquired
	case <-ctx.Done():
		return cancelled
	}
}

func (p *pool) enter() {
	n := p.inFlight.Add(1)
	for {
		m := p.maxIn.Load()
		if n <= m || p.maxIn.CompareAndSwap(m, n) {
			return
		}
	}
}

func (p *pool) release() {
	p.inFlight.Add(-1)
	<-p.slots
}

// limiter is a per-key token bucket.
type limiter struct {
	rate  float64 // tokens per second; 0 disables
	burst float64
	mu    sync.Mutex
	bkts  map[string]*bucket
	now   func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), bkts: map[string]*bucket{}, now: time.Now}
}

// allow takes one token for key. When none is available it returns false
// and the time until one will be.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l.rate <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.bkts[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.bkts[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(l.burst, b.tokens+el*l.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// retryAfterSeconds converts a wait to a Retry-After value (at least 1).
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
