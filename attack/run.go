package attack

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
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
	// Streams maps the paths of streaming endpoints to their mode
	// (StreamSSE or StreamChunked): their first byte, first token and gaps
	// are timed and stored with each result.
	Streams map[string]string

	// shared, when set, is the client to use instead of a new one: a sweep
	// keeps its connections warm from step to step.
	shared *sharedClient
	// capture, when set, records every request into a replay stream.
	capture *capture
}

// sharedClient is an HTTP client with its streaming timer (nil when no
// endpoint streams).
type sharedClient struct {
	client  *http.Client
	streams *streamTransport
}

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

// transport is the HTTP transport of every client of a run: vegeta's
// settings (keep-alive, many idle connections per host), built here so the
// streaming timer can wrap it (vegeta's own options would panic on a
// wrapped transport).
func (o Options) transport() *http.Transport {
	conns := o.Connections
	if conns <= 0 {
		conns = DefaultConnections
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: o.Insecure}, //nolint:gosec // the user asked for it
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// HTTPClient returns a client configured like the attack's, for logins.
// A redirect to another server loses the headers that may carry
// credentials (targets.CheckRedirect); logins refuse such redirects.
func (o Options) HTTPClient() *http.Client {
	return &http.Client{Timeout: o.timeout(), Transport: o.transport(), CheckRedirect: targets.CheckRedirect}
}

// streamingClient is HTTPClient with the streaming timer on o.Streams'
// routes; the timer is nil when no endpoint streams.
func (o Options) streamingClient() (*http.Client, *streamTransport) {
	if o.shared != nil {
		return o.shared.client, o.shared.streams
	}
	c := o.HTTPClient()
	if len(o.Streams) == 0 {
		return c, nil
	}
	st := newStreamTransport(c.Transport, o.Streams)
	c.Transport = st
	return c, st
}

// attacker is a new vegeta.Attacker on client (one per run: vegeta's are
// single-use).
func (o Options) attacker(client *http.Client) *vegeta.Attacker {
	opts := []func(*vegeta.Attacker){vegeta.Client(client)} // first: it replaces the client
	if o.MaxWorkers > 0 {
		opts = append(opts, vegeta.MaxWorkers(o.MaxWorkers))
	}
	return vegeta.NewAttacker(opts...)
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
	Schedule
	began atomic.Pointer[time.Time]
	ended atomic.Pointer[time.Time]
	hits  atomic.Uint64 // requests handed to vegeta so far
}

func (c *clockPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if c.began.Load() == nil {
		b := time.Now().Add(-elapsed)
		c.began.Store(&b)
	}
	c.hits.Store(hits)
	wait, stop := c.Schedule.Pace(elapsed, hits)
	if stop { // the plan is done: its sending period is its full length
		end := c.began.Load().Add(c.Duration())
		c.ended.CompareAndSwap(nil, &end)
		return wait, stop
	}
	if wait > 0 {
		wait = preciseWait(c.began.Load().Add(elapsed+wait), wait)
	}
	return wait, stop
}

// spinWindow is how much of a wait is spent spinning rather than asleep.
// time.Sleep on Linux overshoots by a few hundred microseconds to a couple
// of milliseconds, and every microsecond of it would be schedule lag; a
// short spin before the due time removes most of it. The spin is at most a
// quarter of the wait, so the pacer never spends more than a quarter of a
// core on it, however high the rate.
const spinWindow = time.Millisecond

// preciseWait sleeps until just before due, spins until due, and returns
// what is left to wait (0 unless the spin was cut short).
func preciseWait(due time.Time, wait time.Duration) time.Duration {
	spin := min(spinWindow, wait/4)
	if wait > spin {
		time.Sleep(wait - spin)
	}
	for time.Now().Before(due) {
		runtime.Gosched()
	}
	return 0
}

// Run attacks with tr at the pacer's schedule until the plan is done or ctx
// ends, and calls emit with every result, in completion order, as soon as
// it arrives. Each result has its response headers dropped (and body, unless
// KeepBodies) and carries its schedule lag (results.LagHeader). When ctx
// ends, sending stops and in-flight requests finish within the timeout, so
// every sent request is emitted. An error from emit stops the attack and is
// returned after the in-flight requests are drained.
func Run(ctx context.Context, o Options, tr vegeta.Targeter, p Schedule, emit func(*vegeta.Result) error) (Outcome, error) {
	client, streams := o.streamingClient()
	if o.capture != nil {
		client = o.capture.wrap(client)
	}
	atk := o.attacker(client)
	cp := &clockPacer{Schedule: p}
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
		if f, ok := p.(interface{ Forget(uint64) }); ok {
			f.Forget(r.Seq)
		}
		if streams != nil {
			streams.record(r)
		}
		if err != nil {
			continue // draining after a failure to record
		}
		if o.capture != nil {
			err = o.capture.record(r, *cp.began.Load())
		}
		if err == nil {
			err = emit(r)
		}
		if err != nil {
			now := time.Now()
			cp.ended.CompareAndSwap(nil, &now)
			atk.Stop()
		}
	}
	if b := cp.began.Load(); b != nil {
		out.Began = *b
	}
	if e := cp.ended.Load(); e != nil {
		out.SendEnded = *e
	}
	out.Interrupted = ctx.Err() != nil && out.Sent < p.Count()
	if _, unbounded := p.(unboundedPacer); unbounded && ctx.Err() != nil {
		// No count to fall short of: interrupted if sending stopped early.
		out.Interrupted = out.SendEnded.Before(out.Began.Add(p.Duration()))
	}
	return out, err
}
