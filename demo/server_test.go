package demo

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
)

// fastConfig returns a Config with every service time disabled.
func fastConfig() Config {
	return Config{
		QueryLatency:     -1,
		EnhancedLatency:  -1,
		DocumentsLatency: -1,
		LoginLatency:     -1,
		RegisterLatency:  -1,
		UploadLatency:    -1,
		HealthLatency:    -1,
	}
}

// start runs a Server with cfg behind httptest and returns both.
func start(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s := New(cfg)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

// call performs one request and returns the response and its body.
func call(t *testing.T, hs *httptest.Server, method, path, token, ctype string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	resp, b, err := callCtx(context.Background(), hs, method, path, token, ctype, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, b
}

// callCtx is call without testing.T, usable from goroutines.
func callCtx(ctx context.Context, hs *httptest.Server, method, path, token, ctype string, body io.Reader) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, hs.URL+path, body)
	if err != nil {
		return nil, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := hs.Client().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// postForm posts url-encoded fields.
func postForm(t *testing.T, hs *httptest.Server, path string, v url.Values) (*http.Response, []byte) {
	t.Helper()
	return call(t, hs, http.MethodPost, path, "", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

// login returns an access token for user, failing the test otherwise.
func login(t *testing.T, hs *httptest.Server, user, pass string) string {
	t.Helper()
	resp, b := postForm(t, hs, "/api/v1/auth/login", url.Values{"username": {user}, "password": {pass}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %s: status %d body %s", user, resp.StatusCode, b)
	}
	var lr loginResponse
	mustJSON(t, b, &lr)
	return lr.AccessToken
}

// mustJSON decodes b into v.
func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// wantDetail checks status and the FastAPI detail message.
func wantDetail(t *testing.T, resp *http.Response, b []byte, status int, detail string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var d struct {
		Detail string `json:"detail"`
	}
	mustJSON(t, b, &d)
	if detail != "" && d.Detail != detail {
		t.Errorf("detail = %q, want %q", d.Detail, detail)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	s, hs := start(t, Config{})
	resp, b := call(t, hs, http.MethodGet, "/health", "", "", nil)
	if resp.StatusCode != 200 || string(b) != `{"status":"healthy"}` {
		t.Fatalf("health: %d %s", resp.StatusCode, b)
	}
	if got := s.Stats().Requests["health"]; got != 1 {
		t.Errorf("health requests = %d", got)
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	t.Parallel()
	s, hs := start(t, fastConfig())
	resp, b := call(t, hs, http.MethodGet, "/nope", "", "", nil)
	wantDetail(t, resp, b, http.StatusNotFound, "Not Found")
	resp, b = call(t, hs, http.MethodPost, "/api/v1/query", "", "", nil) // no slash
	wantDetail(t, resp, b, http.StatusNotFound, "Not Found")
	resp, b = call(t, hs, http.MethodGet, "/api/v1/auth/login", "", "", nil)
	wantDetail(t, resp, b, http.StatusMethodNotAllowed, "Method Not Allowed")
	if a := resp.Header.Get("Allow"); a != http.MethodPost {
		t.Errorf("Allow = %q", a)
	}
	resp, b = call(t, hs, http.MethodPost, "/health", "", "", nil)
	wantDetail(t, resp, b, http.StatusMethodNotAllowed, "Method Not Allowed")
	st := s.Stats()
	if st.Requests["other"] != 4 || st.Requests["login"] != 0 || len(st.Requests) != int(numRoutes) {
		t.Errorf("requests = %v", st.Requests)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := Config{UserRateLimit: 2.5, Sigma: -1, QueryLatency: -5, IndexDelay: -1, ChatTurnCost: -1}.withDefaults()
	if c.Workers != 32 || c.Sigma != 0 || c.LatencyScale != 1 || c.QueryLatency != 0 ||
		c.EnhancedLatency != DefaultEnhancedLatency || c.UserBurst != 3 ||
		c.TokenTTL != 15*time.Minute || c.Users[DefaultUsername] != DefaultPassword || c.IndexDelay != 0 || c.ChatTurnCost != 0 {
		t.Errorf("defaults: %+v", c)
	}
	if c := (Config{}).withDefaults(); c.Sigma != 0.5 || c.UserBurst != 1 || c.QueueLimit != 0 ||
		c.IndexDelay != 2*time.Second || c.ChatTurnCost != 0.25 {
		t.Errorf("zero defaults: %+v", c)
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.Sigma, cfg.HealthLatency = -1, 200*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	srv := New(cfg)
	go func() { done <- Serve(ctx, ln, srv) }()

	status := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/health")
		if err != nil {
			status <- -1
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	testtool.WaitFor(t, 5*time.Second, "the request to arrive", func() bool { return srv.Stats().Requests["health"] == 1 })
	cancel()
	if got := <-status; got != http.StatusOK {
		t.Errorf("in-flight request status = %d, want 200", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}
