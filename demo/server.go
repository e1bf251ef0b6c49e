package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// shutdownGrace is how long Serve lets in-flight requests finish.
const shutdownGrace = 5 * time.Second

// routeSpec describes one known path.
type routeSpec struct {
	id        routeID
	method    string
	protected bool
	handle    func(s *Server, w http.ResponseWriter, r *http.Request, user string)
}

var routeTable = map[string]routeSpec{
	"/health":                  {routeHealth, http.MethodGet, false, (*Server).handleHealth},
	"/api/v1/auth/register":    {routeRegister, http.MethodPost, false, (*Server).handleRegister},
	"/api/v1/auth/login":       {routeLogin, http.MethodPost, false, (*Server).handleLogin},
	"/api/v1/query/":           {routeQuery, http.MethodPost, true, (*Server).handleQuery},
	"/api/v1/query/enhanced":   {routeEnhanced, http.MethodPost, true, (*Server).handleEnhanced},
	"/api/v1/query/stream":     {routeStream, http.MethodPost, true, (*Server).handleStream},
	"/api/v1/documents/":       {routeDocuments, http.MethodGet, true, (*Server).handleListDocuments},
	"/api/v1/documents/upload": {routeUpload, http.MethodPost, true, (*Server).handleUpload},
	"/api/v1/chat/":            {routeChat, http.MethodPost, true, (*Server).handleChat},
}

// idRoutes are the paths with an id, prefix + id + suffix, where the id is
// one non-empty path segment; the handler reads it as r.PathValue("id").
// An exact path of routeTable wins ("/api/v1/documents/upload").
var idRoutes = []struct {
	prefix, suffix string
	spec           routeSpec
}{
	{"/api/v1/chat/", "/messages", routeSpec{routeFollowUp, http.MethodPost, true, (*Server).handleFollowUp}},
	{"/api/v1/documents/", "", routeSpec{routeDocStatus, http.MethodGet, true, (*Server).handleDocStatus}},
}

// lookup returns the route of path and the id the path holds ("" for a
// path without one), or false for an unknown path.
func lookup(path string) (routeSpec, string, bool) {
	if rt, ok := routeTable[path]; ok {
		return rt, "", true
	}
	for _, ir := range idRoutes {
		id, ok := strings.CutPrefix(path, ir.prefix)
		if !ok {
			continue
		}
		if id, ok = strings.CutSuffix(id, ir.suffix); ok && id != "" && !strings.Contains(id, "/") {
			return ir.spec, id, true
		}
	}
	return routeSpec{}, "", false
}

// Server is the simulated RAG API. It implements http.Handler and is safe
// for concurrent use. Create it with New.
type Server struct {
	cfg     Config
	latency [numRoutes]time.Duration
	sampler *sampler
	pool    *pool
	limiter *limiter
	users   *userStore
	tokens  *signer
	docs    *docStore
	convs   *convStore
	stats   counters
	created time.Time     // stall windows are measured from here
	respSeq atomic.Uint64 // numbers stream ids resp_<n>

	tokMu  sync.Mutex
	issued []string
}

// New returns a Server configured by cfg; zero fields take their defaults
// (see Config).
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	secret := cfg.Secret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		rand.Read(secret) // never fails (Go 1.24+)
	} else {
		secret = append([]byte(nil), secret...)
	}
	s := &Server{
		cfg:     cfg,
		sampler: newSampler(cfg.Sigma, cfg.LatencyScale, cfg.Seed),
		pool:    newPool(cfg.Workers, cfg.QueueLimit),
		limiter: newLimiter(cfg.UserRateLimit, cfg.UserBurst),
		users:   newUserStore(),
		tokens:  &signer{secret: secret, ttl: cfg.TokenTTL, now: time.Now},
		docs:    newDocStore(cfg.IndexDelay),
		convs:   newConvStore(),
		created: time.Now(),
	}
	s.stats.init()
	s.latency = [numRoutes]time.Duration{
		routeHealth:    cfg.HealthLatency,
		routeRegister:  cfg.RegisterLatency,
		routeLogin:     cfg.LoginLatency,
		routeQuery:     cfg.QueryLatency,
		routeEnhanced:  cfg.EnhancedLatency,
		routeDocuments: cfg.DocumentsLatency,
		routeUpload:    cfg.UploadLatency,
		routeStream:    cfg.StreamFirstToken,
		routeChat:      cfg.QueryLatency,
		routeFollowUp:  cfg.QueryLatency, // and more per turn: see followUpLatency
		routeDocStatus: cfg.DocumentsLatency,
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Users)) {
		s.users.add(name, cfg.Users[name]) // keys are unique: cannot fail
	}
	s.cfg.Users = nil // keep only the salted hashes, never plaintext
	return s
}

// Created returns the instant New created s. Stall windows (see
// Config.StallEvery) are measured from it.
func (s *Server) Created() time.Time { return s.created }

// ServeHTTP holds r while a stall window is open (see Config.StallEvery),
// applies the fault that strikes it, if any (see Config.Faults), then
// routes it, applies authentication, rate limiting and the capacity model,
// and writes a FastAPI-style JSON response (or an event stream for
// /api/v1/query/stream).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == StatsPath && r.Method == http.MethodGet {
		s.serveStats(w) // the observer's view: never stalled, struck or counted
		return
	}
	now := time.Now()
	arrived := now.Sub(s.created)
	if queryPaths[r.URL.Path] {
		r = withArrival(r, now) // judged against document readiness
	}
	if !s.stall(w, r) {
		return // client went away while held
	}
	if s.injectFault(w, r, arrived) {
		return
	}
	s.serve(w, r)
}

// serve handles r once any stall is over.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rt, id, ok := lookup(r.URL.Path)
	if !ok {
		s.stats.requests[routeOther].Add(1)
		writeDetail(w, http.StatusNotFound, "Not Found")
		return
	}
	if id != "" {
		r.SetPathValue("id", id)
	}
	if r.Method != rt.method {
		s.stats.requests[routeOther].Add(1)
		w.Header().Set("Allow", rt.method)
		writeDetail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	s.stats.requests[rt.id].Add(1)
	if rt.id == routeHealth { // fast path: no auth, no pool
		rt.handle(s, w, r, "")
		return
	}
	var user string
	if rt.protected {
		if user, ok = s.authenticate(r); !ok {
			s.stats.unauthorized.Add(1)
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeDetail(w, http.StatusUnauthorized, "Could not validate credentials")
			return
		}
		s.stats.authorized[rt.id].Add(1)
		if ok, wait := s.limiter.allow(user); !ok {
			s.stats.rateLimited.Add(1)
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
			writeDetail(w, http.StatusTooManyRequests, "Rate limit exceeded")
			return
		}
	}
	switch s.pool.acquire(r.Context()) {
	case overloaded:
		s.stats.overloaded.Add(1)
		writeDetail(w, http.StatusServiceUnavailable, "Service overloaded")
		return
	case cancelled:
		return // client went away while queued
	}
	defer s.pool.release()
	rt.handle(s, w, r, user)
}

// work holds the caller's slot for one sampled service time of route id. It
// returns the time spent and false if the request was cancelled meanwhile.
func (s *Server) work(r *http.Request, id routeID) (time.Duration, bool) {
	return s.workFor(r, s.latency[id])
}

// workFor is work with the median service time given.
func (s *Server) workFor(r *http.Request, median time.Duration) (time.Duration, bool) {
	start := time.Now()
	ok := sleepCtx(r.Context(), s.sampler.sample(median))
	return time.Since(start), ok
}

// queryPaths are the routes whose text is judged against document
// readiness (see judgeDocRefs).
var queryPaths = map[string]bool{"/api/v1/query/": true, "/api/v1/query/enhanced": true, "/api/v1/query/stream": true}

// arrivalKey keys the arrival instant of a query in its context.
type arrivalKey struct{}

// withArrival returns r carrying at, the instant it arrived.
func withArrival(r *http.Request, at time.Time) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), arrivalKey{}, at))
}

// arrival returns the instant r arrived (before any stall, fault or queue),
// or now when it was not recorded.
func arrival(r *http.Request) time.Time {
	if at, ok := r.Context().Value(arrivalKey{}).(time.Time); ok {
		return at
	}
	return time.Now()
}

// logf forwards to Config.Logf when set.
func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// writeJSON writes v as a JSON response with the given status.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.logf("demo: encode response: %v", err)
		writeDetail(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// writeDetail writes a FastAPI-style {"detail": msg} error body.
func writeDetail(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"detail": msg}) // cannot fail
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// Serve runs s on ln until ctx is done, then shuts down gracefully, giving
// in-flight requests up to 5 seconds to finish. It returns nil after a clean
// shutdown.
func Serve(ctx context.Context, ln net.Listener, s *Server) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("demo serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("demo shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("demo serve: %w", err)
	}
	return nil
}
