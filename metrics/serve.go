package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ragload/ragload/internal/netaddr"
)

// EnvAddr is the environment variable that sets --metrics-addr (the
// Kubernetes Job sets it, so every shard serves its metrics).
const EnvAddr = "RAGLOAD_METRICS_ADDR"

// Path is the one path the server answers.
const Path = "/metrics"

// maxConns caps the connections the server holds at once. Prometheus uses
// one per target and a person a few; without a cap, anyone who could
// reach the port held a file and a goroutine of the load generator per
// connection (19,900 idle ones took 20,000 files, its whole limit, and
// 500 MB). Connections past it wait in the kernel's backlog.
const maxConns = 32

// Server serves an Exporter on Path, and nothing else.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}

	mu      sync.Mutex
	scrapes uint64        // scrapes started
	newest  uint64        // the number (in start order) of the newest scrape that finished
	scraped chan struct{} // closed and replaced after each scrape
}

// ListenAddr is the address Serve binds for addr: a port alone ("9464",
// ":9464") or a missing host binds loopback, never every interface;
// "0.0.0.0:9464" must be asked for.
func ListenAddr(addr string) (string, error) {
	if addr != "" && strings.Trim(addr, "0123456789") == "" {
		addr = ":" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:9464)", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// Serve starts serving e on addr (see ListenAddr). A server on loopback
// answers only requests whose Host is a loopback name or address, so a web
// page whose name rebinds to 127.0.0.1 cannot read it; one on other
// interfaces (a pod scraped by Prometheus) answers any Host.
func Serve(e *Exporter, addr string) (*Server, error) {
	bind, err := ListenAddr(addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, err
	}
	// Whether the server is on loopback is what it bound, not how it was
	// named: "LOCALHOST" or the machine's own name (Debian lists it as
	// 127.0.1.1) bind loopback as well.
	loopback := false
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		loopback = a.IP.IsLoopback()
	}
	s := &Server{ln: ln, done: make(chan struct{}), scraped: make(chan struct{})}
	metrics := promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
	s.srv = &http.Server{
		Handler:           s.guard(loopback, metrics),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    8 << 10,
	}
	go func() {
		defer close(s.done)
		s.srv.Serve(newLimitListener(ln, maxConns)) //nolint:errcheck // ends with Close
	}()
	return s, nil
}

// guard answers GET and HEAD of Path only, with headers that keep a
// browser from sniffing, framing or caching it.
func (s *Server) guard(loopbackOnly bool, metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		switch {
		case loopbackOnly && !loopbackHost(r.Host):
			http.Error(w, "forbidden: this metrics endpoint answers loopback names only", http.StatusForbidden)
		case r.URL.Path != Path:
			http.Error(w, "not found: only "+Path+" is served", http.StatusNotFound)
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		default:
			s.mu.Lock()
			s.scrapes++
			n := s.scrapes
			s.mu.Unlock()
			metrics.ServeHTTP(w, r)
			if f, ok := w.(http.Flusher); ok {
				f.Flush() // sent before a waiter is told, so Close cannot cut it
			}
			s.mu.Lock()
			s.newest = max(s.newest, n)
			close(s.scraped)
			s.scraped = make(chan struct{})
			s.mu.Unlock()
		}
	})
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return netaddr.IsLoopback(strings.Trim(strings.ToLower(host), "[]"))
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the address of the metrics.
func (s *Server) URL() string { return "http://" + s.Addr() + Path }

// RemoteWarning is what to say about metrics served on addr, the bound
// address: nothing on loopback, else who can read them.
func RemoteWarning(addr string) string {
	if host, _, _ := net.SplitHostPort(addr); netaddr.IsLoopback(host) {
		return ""
	}
	return "metrics on " + addr + ", beyond this machine: anyone who can reach the port reads the run's name, endpoints and counts"
}

// Scrapes is how many times the metrics were asked for.
func (s *Server) Scrapes() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scrapes
}

// AwaitScrape waits until the metrics are served once more, for at most
// d, so that a scraper's last reading holds the run's final counts. It
// returns false at once if nothing ever scraped (nobody is watching), and
// when d passes or ctx ends first.
// A scrape that had begun before the call does not count: it may have
// read the counts before the run's last results.
func (s *Server) AwaitScrape(ctx context.Context, d time.Duration) bool {
	s.mu.Lock()
	begun := s.scrapes
	s.mu.Unlock()
	if begun == 0 || d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		s.mu.Lock()
		newest, next := s.newest, s.scraped
		s.mu.Unlock()
		if newest > begun {
			return true
		}
		select {
		case <-next:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// Close stops the server, letting a response being written finish (for
// up to a second).
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// limitListener accepts at most n connections at a time (as
// golang.org/x/net/netutil's LimitListener).
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newLimitListener(l net.Listener, n int) *limitListener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
