package attack

import (
	"context"
	"crypto/tls"
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
)

// Defaults of the HTTP client.
const (
	// DefaultTimeout bounds each request: RAG answers can be slow, so it is
	// longer than vegeta's 30 s.
	DefaultTimeout = 60 * time.Second
	// DefaultConnections is the number of idle keep-alive connections kept.
	DefaultConnections = 10000
)

// Options configures the HTTP side of an attack.
type Options struct {
	// Name is the run name, stored as Result.Attack.
	Name string
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxWorkers caps concurrent requests; 0 means no cap, which keeps the
	// schedule honest (a cap delays sends, and the delay shows as lag).
	MaxWorkers uint64
	// Connections is the number of idle connections kept per host.
	Connections int
	// KeepBodies stores response bodies in the results (large).
	KeepBodies bool
	// Insecure skips TLS certificate verification.
	Insecure bool
}

func (o Options) attacker() *vegeta.Attacker {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	conns := o.Connections
	if conns <= 0 {
		conns = DefaultConnections
	}
	opts := []func(*vegeta.Attacker){
		vegeta.Timeout(timeout),
		vegeta.KeepAlive(true),
		vegeta.Connections(conns),
		vegeta.TLSConfig(&tls.Config{InsecureSkipVerify: o.Insecure}), //nolint:gosec // the user asked for it
	}
	if o.MaxWorkers > 0 {
		opts = append(opts, vegeta.MaxWorkers(o.MaxWorkers))
	}
	return vegeta.NewAttacker(opts...)
}

// HTTPClient returns a client configured like the attack's, for logins.
func (o Options) HTTPClient() *http.Client {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: o.Insecure} //nolint:gosec // the user asked for it
	return &http.Client{Timeout: timeout, Transport: tr}
}

// Outcome is what happened to the schedule.
type Outcome struct {
	Began       time.Time // the schedule's zero
	SendEnded   time.Time // when sending stopped
	Sent        uint64
	Interrupted bool // ctx ended before the plan did
}

// clockPacer wraps a Pacer to learn the attack's start (vegeta keeps it
// private: elapsed is measured from it, so began = now - elapsed on the
// first call) and when sending stopped.
type clockPacer struct {
	*Pacer
	began atomic.Pointer[time.Time]
	ended atomic.Pointer[time.Time]
}

func (c *clockPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if c.began.Load() == nil {
		b := time.Now().Add(-elapsed)
		c.began.Store(&b)
	}
	wait, stop := c.Pacer.Pace(elapsed, hits)
	if stop { // the plan is done: its sending period is its full length
		end := c.began.Load().Add(c.plan.Duration())
		c.ended.CompareAndSwap(nil, &end)
	}
	return wait, stop
}

// Run attacks with tr at the pacer's schedule until the plan is done or ctx
// ends, and calls emit with every result, in completion order, as soon as
// it arrives. Each result has its response headers dropped (and body, unless
// KeepBodies) and carries its schedule lag (results.LagHeader). When ctx
// ends, sending stops and in-flight requests finish within the timeout, so
// every sent request is emitted. An error from emit stops the attack and is
// returned after the in-flight requests are drained.
func Run(ctx context.Context, o Options, tr vegeta.Targeter, p *Pacer, emit func(*vegeta.Result) error) (Outcome, error) {
	atk := o.attacker()
	cp := &clockPacer{Pacer: p}
	stopped := context.AfterFunc(ctx, func() {
		now := time.Now()
		cp.ended.CompareAndSwap(nil, &now)
		atk.Stop()
	})
	defer stopped()

	var out Outcome
	var err error
	for r := range atk.Attack(tr, cp, 0, o.Name) { // always drain: workers block until read
		out.Sent++
		results.Trim(r, o.KeepBodies)
		if due, ok := p.Due(r.Seq); ok {
			results.SetLag(r, r.Timestamp.Sub(cp.began.Load().Add(due)))
		}
		if err == nil {
			if err = emit(r); err != nil {
				now := time.Now()
				cp.ended.CompareAndSwap(nil, &now)
				atk.Stop()
			}
		}
	}
	if b := cp.began.Load(); b != nil {
		out.Began = *b
	}
	if e := cp.ended.Load(); e != nil {
		out.SendEnded = *e
	}
	out.Interrupted = ctx.Err() != nil && out.Sent < p.Count()
	return out, err
}
