package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ragload/ragload/metrics"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/results"
	rendering "github.com/ragload/ragload/results/render" // web has a func render
	"github.com/ragload/ragload/results/threshold"
	"github.com/ragload/ragload/targets"
)

//go:embed static
var static embed.FS

// DefaultMaxUsers bounds the user count a page can ask for.
const DefaultMaxUsers = 1000

// Config is what a Server needs from its command line.
type Config struct {
	RunsDir     string               // where runs are written and listed; default "runs"
	Tool        string               // name and version recorded in each manifest
	Credentials []targets.Credential // the accounts runs log in with; never sent to the page
	MaxUsers    int                  // the most users a run can ask for; default DefaultMaxUsers
	// Token is the secret every API call carries (Authorization: Bearer);
	// "" makes New draw one (see Server.Token).
	Token string
	// Hosts are the Host names accepted beside loopback ones: "name" (any
	// port) or "name:port". Serve adds its listener's address.
	Hosts []string
	// ScenariosDir is the only folder the page may load scenarios from;
	// default the working directory.
	ScenariosDir string
	// Metrics, when set, counts every run's results for Prometheus.
	Metrics *metrics.Exporter
}

// Server is the dashboard: the page, its JSON API and its live events.
// One run goes on at a time.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	tokenSum [sha256.Size]byte
	scenDir  string // ScenariosDir, absolute

	mu    sync.Mutex
	hosts []string // Config.Hosts and the listen addresses
	cur   *run     // the running or last run; nil before the first
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	if cfg.RunsDir == "" {
		cfg.RunsDir = "runs"
	}
	if cfg.MaxUsers <= 0 {
		cfg.MaxUsers = DefaultMaxUsers
	}
	if cfg.Token == "" {
		cfg.Token = NewToken()
	}
	if cfg.ScenariosDir == "" {
		cfg.ScenariosDir = "."
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), tokenSum: tokenSum(cfg.Token), hosts: slices.Clone(cfg.Hosts)}
	s.scenDir = cfg.ScenariosDir
	if abs, err := filepath.Abs(cfg.ScenariosDir); err == nil {
		s.scenDir = abs
	}
	sub, _ := fs.Sub(static, "static")
	// The page loads without the token (it then says how to get one); every
	// API route needs it.
	s.mux.Handle("GET /", http.FileServerFS(sub))
	s.mux.HandleFunc("POST /api/start", s.api(s.post(s.handleStart)))
	s.mux.HandleFunc("POST /api/stop", s.api(s.post(s.handleStop)))
	s.mux.HandleFunc("POST /api/users", s.api(s.post(s.handleUsers)))
	s.mux.HandleFunc("POST /api/rate", s.api(s.post(s.handleRate)))
	s.mux.HandleFunc("GET /api/events", s.api(s.handleEvents))
	s.mux.HandleFunc("GET /api/runs", s.api(s.handleRuns))
	s.mux.HandleFunc("GET /api/report", s.api(s.handleReport))
	return s
}

// Token is the secret the page must send: Config.Token, or the one New drew.
func (s *Server) Token() string { return s.cfg.Token }

// Serve serves the dashboard on ln until ctx ends; then a run still going
// is stopped, and its files completed, before Serve returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	s.hosts = append(s.hosts, ln.Addr().String())
	s.mu.Unlock()
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve the dashboard: %w", err)
	case <-ctx.Done():
	}
	if ru := s.current(); ru != nil {
		ru.cancel()
		<-ru.done
	}
	srv.Close() // the event streams never end on their own
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve the dashboard: %w", err)
	}
	return nil
}

// ServeHTTP implements http.Handler: every response carries the security
// headers, and a request for another Host (DNS rebinding) is refused
// before any route sees it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	s.mu.Lock()
	ok := hostAllowed(r.Host, s.hosts)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusForbidden, fmt.Errorf("host %q is not this dashboard: open it as 127.0.0.1 or localhost, or start ragload web with --allow-host", excerpt(r.Host, 40)))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// post guards the handlers that act: the page can start load, so besides
// the token a request must be JSON (another site's form cannot send it
// without a preflight this server never answers).
func (s *Server) post(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			writeError(w, http.StatusUnsupportedMediaType, errors.New("want a JSON request"))
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

// writeError sends err as {"error": "…"}: the words the CLI prints after
// "error: ".
//
// The words are read by people (curl, the CLI, the page's textContent), so
// <, > and & stay as they are: the response is JSON, never sniffed as HTML
// (X-Content-Type-Options: nosniff).
func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]string{"error": err.Error()}) //nolint:errcheck // the client went away
}

// current is the running or last run.
func (s *Server) current() *run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

func (s *Server) handleStart(w http.ResponseWriter, r *http.Request) {
	var req StartRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("read the form: %w", err))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && !s.cur.finished() {
		writeError(w, http.StatusConflict, fmt.Errorf("run %s is still going: stop it first", s.cur.info.Name))
		return
	}
	ru, err := s.newRun(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	s.cur = ru
	go ru.run()
	writeJSON(w, http.StatusOK, ru.info)
}

func (s *Server) handleStop(w http.ResponseWriter, _ *http.Request) {
	ru := s.current()
	if ru == nil || ru.finished() {
		writeError(w, http.StatusConflict, errors.New("no run is going"))
		return
	}
	ru.cancel()
	writeJSON(w, http.StatusOK, ru.info)
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Users int `json:"users"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("read the form: %w", err))
		return
	}
	ru := s.current()
	switch {
	case ru == nil || ru.finished():
		writeError(w, http.StatusConflict, errors.New("no run is going"))
	case ru.ctl == nil || ru.info.Mode != ModeUsers:
		writeError(w, http.StatusConflict, errors.New("only a users run can change its user count"))
	case req.Users < 0 || req.Users > s.cfg.MaxUsers:
		writeError(w, http.StatusBadRequest, fmt.Errorf("users must be in 0–%d, got %d", s.cfg.MaxUsers, req.Users))
	default:
		ru.ctl.SetUsers(req.Users)
		writeJSON(w, http.StatusOK, map[string]int{"users": req.Users})
	}
}

func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Rate float64 `json:"rate"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("read the form: %w", err))
		return
	}
	ru := s.current()
	switch {
	case ru == nil || ru.finished():
		writeError(w, http.StatusConflict, errors.New("no run is going"))
	case ru.info.Mode != ModeRate:
		writeError(w, http.StatusConflict, errors.New("only a rate run can change its rate"))
	case !(req.Rate > 0 && req.Rate <= 1e6):
		writeError(w, http.StatusBadRequest, fmt.Errorf("rate must be > 0, got %g", req.Rate))
	default:
		ru.ctl.SetRate(req.Rate)
		writeJSON(w, http.StatusOK, map[string]float64{"rate": req.Rate})
	}
}

// handleEvents streams Server-Sent Events: "run" when a run starts (or is
// already there), "stats" once a second, "end" with the verdict.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, errors.New("streaming unsupported"))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	send := func(event string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return false
		}
		fl.Flush()
		return true
	}
	var (
		ru     *run
		sent   int
		ended  bool
		ticker = time.NewTicker(200 * time.Millisecond)
	)
	defer ticker.Stop()
	if !send("hello", map[string]any{"ok": true, "scenarios": s.scenDir}) {
		return
	}
	for {
		if cur := s.current(); cur != ru {
			ru, sent, ended = cur, 0, false
			if !send("run", ru.info) {
				return
			}
		}
		if ru != nil {
			snaps, end := ru.since(sent)
			for _, sn := range snaps {
				if !send("stats", sn) {
					return
				}
			}
			sent += len(snaps)
			if end != nil && !ended {
				ended = true
				if !send("end", end) {
					return
				}
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-ticker.C:
		}
	}
}

// RunEntry is an earlier run in the list.
type RunEntry struct {
	Name    string    `json:"name"`
	Dir     string    `json:"dir"`
	Mode    string    `json:"mode"`
	Status  string    `json:"status"`
	Plan    string    `json:"plan"`
	Target  string    `json:"target"`
	Started time.Time `json:"started"`
}

func (s *Server) handleRuns(w http.ResponseWriter, _ *http.Request) {
	ents, err := os.ReadDir(s.cfg.RunsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	list := []RunEntry{}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(s.cfg.RunsDir, e.Name())
		m, err := results.ReadManifest(dir)
		if err != nil {
			continue
		}
		list = append(list, RunEntry{Name: e.Name(), Dir: dir, Mode: m.Mode, Status: string(m.Status),
			Plan: m.Plan.Description, Target: m.Target, Started: m.Started})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Started.After(list[j].Started) })
	writeJSON(w, http.StatusOK, list)
}

// handleReport renders the report of an earlier run (?run=name) as the
// report command prints it.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("run")
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		writeError(w, http.StatusBadRequest, fmt.Errorf("run %q: want a run's folder name", name))
		return
	}
	text, v, err := reportText(filepath.Join(s.cfg.RunsDir, name))
	if err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "report": text, "pass": v.Pass, "verdict": v.Word()})
}

// reportText loads a stored run and renders it with its own thresholds.
func reportText(dir string) (string, results.Verdict, error) {
	inputs, err := results.Resolve([]string{dir})
	if err != nil {
		return "", results.Verdict{}, err
	}
	rep, err := results.Load(inputs)
	if rep == nil {
		return "", results.Verdict{}, err
	}
	return render(rep, nil)
}

// render judges rep (by rules, or its manifest's) and renders it as text.
func render(rep *results.Report, rules []threshold.Threshold) (string, results.Verdict, error) {
	if rules == nil && rep.Manifest != nil {
		var err error // the CLI's report judges a stored run by the same rules
		if rules, err = attack.ReportRules(nil, rep.Manifest, nil); err != nil {
			return "", results.Verdict{}, err
		}
	}
	var minSamples uint64
	if rep.Manifest != nil {
		minSamples = rep.Manifest.MinSamples
	}
	if err := rep.Judge(rules, minSamples); err != nil {
		return "", results.Verdict{}, err
	}
	var b bytes.Buffer
	if err := rendering.Write(&b, rendering.FormatText, rep); err != nil {
		return "", results.Verdict{}, err
	}
	return b.String(), rep.Verdict, nil
}
