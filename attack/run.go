package attack

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack/internal/machine"
	"github.com/ragload/ragload/attack/internal/stream"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets/auth"
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
	// MaxWorkers caps the requests in flight; 0 means MachineMaxInFlight.
	// A due request that finds the cap full waits up to MaxLag for a free
	// slot and is dropped after it (an unbounded plan's workers just wait).
	MaxWorkers uint64
	// MaxLag is how late after its due time a request may still leave; a
	// later one is dropped and counted. 0 means DefaultMaxLag; < 0 never
	// drops (requests leave however late, as wrk2's do).
	MaxLag time.Duration
	// Connections is the number of idle connections kept per host.
	Connections int
	// SecretHeaders are headers, beyond those whose names look secret, that
	// a redirect leaving the server drops (the scenario's secret_headers).
	SecretHeaders []string
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
	// checks, when set, runs the endpoints' response checks on every
	// response.
	checks *responseChecks
	// capture, when set, records every request into a replay stream.
	capture *capture
	// onDrop, when set, is told the target of each request dropped.
	onDrop func(*vegeta.Target)
	// started, when set, counts the requests Run has started (vegeta calls
	// the targeter as each starts), for the requests in flight.
	started *atomic.Uint64
}

// maxWorkers is the cap on requests in flight.
func (o Options) maxWorkers() uint64 {
	if o.MaxWorkers > 0 {
		return o.MaxWorkers
	}
	return MachineMaxInFlight()
}

// maxLag is the drop bound (< 0: none).
func (o Options) maxLag() time.Duration {
	if o.MaxLag == 0 {
		return DefaultMaxLag
	}
	return o.MaxLag
}

// sharedClient is an HTTP client with its streaming timer (nil when no
// endpoint streams).
type sharedClient struct {
	client  *http.Client
	streams *stream.Transport
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
// credentials and those the scenario marks (auth.RedirectPolicy);
// logins refuse such redirects.
func (o Options) HTTPClient() *http.Client {
	return &http.Client{Timeout: o.timeout(), Transport: o.transport(), CheckRedirect: auth.RedirectPolicy(o.SecretHeaders...)}
}

// streamingClient is HTTPClient with the streaming timer on o.Streams'
// routes; the timer is nil when no endpoint streams.
func (o Options) streamingClient() (*http.Client, *stream.Transport) {
	if o.shared != nil {
		return o.shared.client, o.shared.streams
	}
	c := o.HTTPClient()
	if len(o.Streams) == 0 {
		return c, nil
	}
	st := stream.NewTransport(c.Transport, o.Streams)
	c.Transport = st
	return c, st
}

// MaxBody is the most of a response body a result holds (--keep-bodies)
// or counts as its bytes in: RAG answers are KiBs, and without a cap a
// server answering gigabytes would make the generator hold them all (10.8
// GB for four 1 GiB answers). The rest is read and discarded, so the
// connection stays usable.
const MaxBody = 4 << 20

// attacker is a new vegeta.Attacker on client (one per run: vegeta's are
// single-use).
func (o Options) attacker(client *http.Client) *vegeta.Attacker {
	return vegeta.NewAttacker(vegeta.Client(client), vegeta.MaxWorkers(o.maxWorkers()), vegeta.MaxBody(MaxBody))
}

// Outcome is what happened to the schedule.
type Outcome struct {
	Began time.Time // the schedule's zero
	// SendEnded is when sending stopped: when the last request left, or the
	// plan's end if that is later (N requests evenly spaced leave over the
	// plan's whole length), or when ctx ended.
	SendEnded   time.Time
	Sent        uint64
	Dropped     Drops
	Interrupted bool // ctx ended before the plan did
}

// Drops counts the requests a run did not send (k6's dropped
// iterations), by why.
type Drops struct {
	// Late could not leave within Options.MaxLag of their due time: the
	// generator was that far behind its schedule.
	Late uint64
	// Capped were due while Options.MaxWorkers requests were in flight,
	// and none finished within MaxLag.
	Capped uint64
}

// Total is the number of requests dropped.
func (d Drops) Total() uint64 { return d.Late + d.Capped }

// settle makes r a result to store: trimmed, with its schedule lag (when
// scheduled), its streaming timing and the response checks it failed.
func (o *Options) settle(r *vegeta.Result, lag time.Duration, scheduled bool, streams *stream.Transport) {
	body := r.Body // vegeta's, read up to MaxBody
	results.Trim(r, o.KeepBodies)
	if scheduled {
		results.SetLag(r, lag)
	}
	var facts *checks.Stream
	if streams != nil {
		facts = streams.Record(r)
	}
	if set := o.checks.of(r.Method, r.URL); set != nil {
		o.checks.judge(set, r, body, facts)
	}
}

// Run attacks with tr at the pacer's schedule until the plan is done or ctx
// ends, and calls emit with every result, in completion order, as soon as
// it arrives. Each result has its response headers dropped (and body, unless
// KeepBodies) and carries its schedule lag (results.LagHeader) and the
// response checks it failed (checks.Header). When ctx
// ends, sending stops and in-flight requests finish within the timeout, so
// every sent request is emitted. An error from emit stops the attack and is
// returned after the in-flight requests are drained.
//
// At most o.maxWorkers() requests are in flight; a due request that cannot
// leave within o.MaxLag (the generator is behind, or the cap is full) is
// dropped: not sent, counted in Outcome.Dropped, and passed to o.onDrop
// with the target it would have had.
func Run(ctx context.Context, o Options, tr vegeta.Targeter, p plan.Schedule, emit func(*vegeta.Result) error) (Outcome, error) {
	client, streams := o.streamingClient()
	if o.capture != nil {
		client = o.capture.wrap(client)
	}
	limit := o.maxWorkers()
	o.MaxWorkers = limit
	atk := o.attacker(client)
	started, received := o.started, new(atomic.Uint64)
	if started == nil {
		started = new(atomic.Uint64)
	}
	counted := func(t *vegeta.Target) error { started.Add(1); return tr(t) }
	quit := make(chan struct{})
	var quitOnce sync.Once
	stop := func() {
		quitOnce.Do(func() { close(quit) })
		atk.Stop()
	}
	inFlight := func() int64 { return int64(started.Load()) - int64(received.Load()) }
	lim := machine.NewLimiter(int64(limit), inFlight)
	defer quitOnce.Do(func() { close(quit) })
	g := gate{maxLag: o.maxLag(), limit: lim.Limit, inFlight: inFlight}
	g.onDrop = func() {
		var t vegeta.Target
		if tr(&t) == nil && o.onDrop != nil {
			o.onDrop(&t)
		}
	}
	cp := newClockPacer(p, g, limit, quit)
	stopped := context.AfterFunc(ctx, func() {
		now := time.Now()
		cp.ended.CompareAndSwap(nil, &now)
		stop()
	})
	defer stopped()

	var out Outcome
	var err error
	var lastSend time.Time
	for r := range atk.Attack(counted, cp, 0, o.Name) { // always drain: workers block until read
		received.Add(1)
		out.Sent++
		if r.Timestamp.After(lastSend) {
			lastSend = r.Timestamp
		}
		lag, scheduled := cp.due(r.Seq) // when it was due, from the start
		if scheduled {
			lag = r.Timestamp.Sub(cp.began.Load().Add(lag))
		}
		o.settle(r, lag, scheduled, streams)
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
			stop()
		}
	}
	if b := cp.began.Load(); b != nil {
		out.Began = *b
	}
	if e := cp.ended.Load(); e != nil {
		out.SendEnded = *e
	}
	if lastSend.After(out.SendEnded) {
		out.SendEnded = lastSend
	}
	out.Dropped = cp.drops()
	out.Interrupted = ctx.Err() != nil && out.Sent+out.Dropped.Total() < p.Count()
	if plan.IsUnbounded(p) && ctx.Err() != nil {
		// No count to fall short of: interrupted if sending stopped early.
		out.Interrupted = out.SendEnded.Before(out.Began.Add(p.Duration()))
	}
	return out, err
}
