package demo

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// FaultKind names a kind of injected failure (see Fault).
type FaultKind string

// The kinds of Fault.
const (
	// FaultStatus answers Fault.Status (default 503) instead of handling
	// the request: a burst of 5xx.
	FaultStatus FaultKind = "status"
	// FaultRateLimit answers 429 to everyone, with a Retry-After of the
	// seconds left in the window: a rate-limit storm.
	FaultRateLimit FaultKind = "rate-limit"
	// FaultUnauthorized refuses (401), on the routes that need a token,
	// tokens issued before the window began (to the second, as the token's
	// iat claim has it): a revocation that logging in again cures.
	FaultUnauthorized FaultKind = "unauthorized"
	// FaultSlow holds the request for Fault.Delay before handling it, so a
	// client timeout shorter than that fires before the response headers.
	FaultSlow FaultKind = "slow"
	// FaultReset sends the response headers, with the full Content-Length,
	// and half the body, then resets the connection (TCP RST).
	FaultReset FaultKind = "reset"
	// FaultClose is FaultReset with an orderly close instead of the reset:
	// the client reads an unexpected EOF mid-body.
	FaultClose FaultKind = "close"
	// FaultTrickle sends the body Fault.Bytes at a time, Fault.Delay apart.
	FaultTrickle FaultKind = "trickle"
)

// faultKinds lists every FaultKind in the order of Stats.Faults' keys and
// of faultCounters.
var faultKinds = [...]FaultKind{FaultStatus, FaultRateLimit, FaultUnauthorized, FaultSlow, FaultReset, FaultClose, FaultTrickle, FaultDegrade}

// Defaults of Fault fields.
const (
	// DefaultFaultStatus is the status of a FaultStatus without one.
	DefaultFaultStatus = http.StatusServiceUnavailable
	// DefaultSlowDelay is the hold of a FaultSlow without a Delay.
	DefaultSlowDelay = 10 * time.Second
	// DefaultTrickleBytes is how much a FaultTrickle writes at a time.
	DefaultTrickleBytes = 16
	// DefaultTrickleDelay is the pause between a FaultTrickle's writes.
	DefaultTrickleDelay = 50 * time.Millisecond
)

// Fault injects one kind of failure into the requests that arrive inside
// its windows, [Start + k*Every, Start + k*Every + For) after the server's
// creation (k = 0, 1, 2, ...; see Server.Created), like the stall windows
// of Config.StallEvery; Every <= 0 makes a single window from Start. For
// <= 0 turns the fault off. The auth routes (login and register) are never
// struck, so that a load test can start and log in again; every other
// route is, /health and unknown paths included.
type Fault struct {
	Kind              FaultKind
	Start, Every, For time.Duration
	// Status is what FaultStatus answers (default 503).
	Status int
	// Delay is how long FaultSlow holds a request (default 10s) and the
	// pause between the writes of FaultTrickle (default 50ms).
	Delay time.Duration
	// Bytes is how much FaultTrickle writes at a time (default 16).
	Bytes int
	// Load is how many requests in flight make FaultDegrade strike.
	Load int
}

// left returns the time left in the window of f that holds elapsed (time
// since the server's creation), or 0 outside every window.
func (f *Fault) left(elapsed time.Duration) time.Duration {
	every := f.Every
	if every <= 0 {
		every = math.MaxInt64 // one window
	}
	return stallDelay(elapsed-f.Start, every, f.For) // the stall windows' arithmetic
}

// withDefaults fills f's zero fields.
func (f Fault) withDefaults() Fault {
	switch f.Kind {
	case FaultStatus:
		if f.Status == 0 {
			f.Status = DefaultFaultStatus
		}
	case FaultSlow:
		if f.Delay <= 0 {
			f.Delay = DefaultSlowDelay
		}
	case FaultTrickle:
		if f.Delay <= 0 {
			f.Delay = DefaultTrickleDelay
		}
		if f.Bytes <= 0 {
			f.Bytes = DefaultTrickleBytes
		}
	}
	return f
}

// String writes f as ParseFault reads it.
func (f Fault) String() string {
	var b strings.Builder
	switch f.Kind {
	case FaultStatus:
		b.WriteString(strconv.Itoa(f.withDefaults().Status))
	case FaultRateLimit:
		b.WriteString("429")
	case FaultUnauthorized:
		b.WriteString("401")
	case FaultSlow, FaultTrickle:
		fmt.Fprintf(&b, "%s=%s", f.Kind, f.withDefaults().Delay)
	case FaultDegrade:
		fmt.Fprintf(&b, "%s=%d", f.Kind, f.Load)
	default:
		b.WriteString(string(f.Kind))
	}
	if f.Every > 0 {
		fmt.Fprintf(&b, ",every=%s", f.Every)
	}
	if f.For > 0 || f.Kind != FaultDegrade {
		fmt.Fprintf(&b, ",for=%s", f.For)
	}
	if f.Start > 0 {
		fmt.Fprintf(&b, ",start=%s", f.Start)
	}
	if f.Kind == FaultTrickle && f.Bytes > 0 && f.Bytes != DefaultTrickleBytes {
		fmt.Fprintf(&b, ",bytes=%d", f.Bytes)
	}
	return b.String()
}

// faultCounters counts the requests each kind of fault struck, indexed as
// faultKinds.
type faultCounters [len(faultKinds)]atomic.Int64

func (c *faultCounters) add(k FaultKind) {
	if i := slices.Index(faultKinds[:], k); i >= 0 {
		c[i].Add(1)
	}
}

// snapshot returns the counts by kind name, every kind present.
func (c *faultCounters) snapshot() map[string]int64 {
	out := make(map[string]int64, len(faultKinds))
	for i, k := range faultKinds {
		out[string(k)] = c[i].Load()
	}
	return out
}

// injectFault applies the first fault of Config.Faults that strikes r,
// which arrived at elapsed after the server's creation, and reports
// whether it did (then r has been answered, or cut).
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, elapsed time.Duration) bool {
	if len(s.cfg.Faults) == 0 {
		return false
	}
	rt, _, known := lookup(r.URL.Path)
	if known && (rt.id == routeLogin || rt.id == routeRegister) {
		return false
	}
	f, left := s.strikes(r, elapsed, known && rt.protected)
	if f == nil {
		return false
	}
	if f.Kind != FaultDegrade { // counted when the degraded answer is sent
		s.stats.faults.add(f.Kind)
	}
	answered := func() { // the response never reaches serve, which counts requests
		id := routeOther
		if known && r.Method == rt.method {
			id = rt.id
		}
		s.stats.requests[id].Add(1)
	}
	switch f.Kind {
	case FaultStatus:
		answered()
		writeDetail(w, f.Status, http.StatusText(f.Status))
	case FaultRateLimit:
		answered()
		s.stats.rateLimited.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(left)))
		writeDetail(w, http.StatusTooManyRequests, "Rate limit exceeded")
	case FaultUnauthorized:
		answered()
		s.stats.unauthorized.Add(1)
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeDetail(w, http.StatusUnauthorized, "Could not validate credentials")
	case FaultSlow:
		// Read the body first: net/http notices a client that leaves (and
		// cancels r's context) only once the body has been read.
		if !bufferBody(w, r, s.cfg.MaxUploadBytes+maxFormBytes) {
			return true
		}
		if sleepCtx(r.Context(), f.Delay) {
			s.serve(w, r)
		}
	case FaultReset, FaultClose:
		cw := &cutWriter{w: w, s: s, reset: f.Kind == FaultReset, header: http.Header{}}
		s.serve(cw, r)
		if r.Context().Err() == nil {
			cw.finish()
		}
	case FaultDegrade:
		s.serve(w, withDegrade(r))
	case FaultTrickle:
		s.serve(&trickleWriter{ResponseWriter: w, ctx: r.Context(), rc: http.NewResponseController(w), n: f.Bytes, pause: f.Delay}, r)
	}
	return true
}

// strikes returns the first fault that strikes r and the time left in its
// window, or nil. A FaultUnauthorized strikes only protected routes, and
// only tokens issued before its window began.
func (s *Server) strikes(r *http.Request, elapsed time.Duration, protected bool) (*Fault, time.Duration) {
	for i := range s.cfg.Faults {
		f := &s.cfg.Faults[i]
		if f.Kind == FaultDegrade {
			if s.degrades(r, f, elapsed) {
				return f, f.left(elapsed)
			}
			continue
		}
		left := f.left(elapsed)
		if left <= 0 || !slices.Contains(faultKinds[:], f.Kind) {
			continue
		}
		if f.Kind == FaultUnauthorized {
			began := s.created.Add(elapsed + left - f.For)
			iat, ok := issuedAt(r)
			if !protected || !ok || iat >= began.Unix() {
				continue
			}
		}
		return f, left
	}
	return nil, 0
}

// bufferBody reads r's body, at most limit bytes, into memory, so that r
// can be held without holding up the detection of a client that leaves. It
// answers 413 and reports false when the body is larger, or false when it
// cannot be read (the client left).
func bufferBody(w http.ResponseWriter, r *http.Request, limit int64) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeDetail(w, http.StatusRequestEntityTooLarge, "Request body too large")
		}
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return true
}

// issuedAt reads the iat claim of r's Bearer token without verifying it
// (the handler verifies it); false when there is none to read.
func issuedAt(r *http.Request) (int64, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return 0, false
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return 0, false
	}
	var c claims
	if json.Unmarshal(b, &c) != nil {
		return 0, false
	}
	return c.Iat, true
}

// faultsWithDefaults returns a copy of fs with defaults filled in.
func faultsWithDefaults(fs []Fault) []Fault {
	if len(fs) == 0 {
		return nil
	}
	out := make([]Fault, len(fs))
	for i, f := range fs {
		out[i] = f.withDefaults()
	}
	return out
}
