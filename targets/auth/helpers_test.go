package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ragload/ragload/targets"
)

// writeFile writes content to name in a fresh folder and returns its path.
func writeFile(t *testing.T, name, content string) string {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkFileError asserts that err is a *targets.FileError at file:line
// naming field (its message starts with the file), whose message contains
// every one of want.
func checkFileError(t *testing.T, err error, file string, line int, field string, want ...string) {
	t.Helper()
	var fe *targets.FileError
	if !errors.As(err, &fe) || fe.File != file || fe.Line != line || fe.Field != field || !strings.HasPrefix(err.Error(), file+":") {
		t.Fatalf("error %v (%T), want a *targets.FileError at %s:%d naming %q", err, err, file, line, field)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// makeJWT returns an unsigned-looking JWT carrying claims. It may be called
// from a server handler: it reports with t.Errorf only.
func makeJWT(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Errorf("marshal JWT part: %v", err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]any{"alg": "HS256", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

// serve starts a loopback server for h, closed when the test ends.
func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// ragAuth mimics the form login of the RAG API: POST
// /api/v1/auth/login with form fields username and password answers
// {"access_token": <JWT>, "token_type": "bearer"}; the JWT's exp is now +
// lifetime and its jti a login counter, so every login yields a new token.
type ragAuth struct {
	srv      *httptest.Server
	lifetime time.Duration
	users    map[string]string // username -> password; nil accepts any non-empty password
	failing  atomic.Bool       // answer 500 while set
	logins   atomic.Int64

	mu     sync.Mutex
	forms  []url.Values
	issued map[string]int64 // token -> exp claim
}

func newRAGAuth(t *testing.T, lifetime time.Duration, users map[string]string) *ragAuth {
	t.Helper()
	a := &ragAuth{lifetime: lifetime, users: users, issued: map[string]int64{}}
	a.srv = serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/auth/login" {
			http.NotFound(w, r)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("login Content-Type = %q", ct)
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("login form: %v", err)
		}
		a.mu.Lock()
		a.forms = append(a.forms, r.PostForm)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if a.failing.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"detail":"database unavailable"}`))
			return
		}
		user, pw := r.PostForm.Get("username"), r.PostForm.Get("password")
		if want, ok := a.users[user]; pw == "" || (a.users != nil && (!ok || want != pw)) {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"detail":"Incorrect username or password"}`))
			return
		}
		n := a.logins.Add(1)
		exp := time.Now().Add(a.lifetime).Unix()
		tok := makeJWT(t, map[string]any{"sub": user, "exp": exp, "jti": n})
		a.mu.Lock()
		a.issued[tok] = exp
		a.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]string{"access_token": tok, "token_type": "bearer"})
	})
	return a
}

func (a *ragAuth) URL() string { return a.srv.URL }

// exp returns the exp claim the server put in tok.
func (a *ragAuth) exp(t *testing.T, tok string) int64 {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	exp, ok := a.issued[tok]
	if !ok {
		t.Fatalf("token %q was not issued by the server", tok)
	}
	return exp
}

// pool returns a pool of creds logging in at a, already logged in.
func (a *ragAuth) pool(t *testing.T, creds ...Credential) *Pool {
	t.Helper()
	p := NewPool(&http.Client{Timeout: 5 * time.Second}, a.URL(), targets.Default().Auth, creds)
	if err := p.Login(t.Context()); err != nil {
		t.Fatalf("Login: %v", err)
	}
	return p
}

// runPool runs p.Run in a goroutine; the returned stop cancels it and
// fails the test unless Run returns within 2 s.
func runPool(t *testing.T, p *Pool) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		t.Helper()
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				t.Error("Pool.Run did not return within 2s of ctx cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}
