package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/targets"
)

func TestPoolLogin(t *testing.T) {
	auth := newRAGAuth(t, 30*time.Minute, map[string]string{"a@x": "pw-a", "b@x": "pw-b"})
	p := NewPool(&http.Client{Timeout: 5 * time.Second}, auth.URL()+"/", targets.Default().Auth, []Credential{{"a@x", "pw-a"}, {"b@x", "pw-b"}})
	for _, s := range p.Sessions() {
		if s.Token() != nil {
			t.Fatalf("%s has a token before Login", s.User())
		}
	}
	before := time.Now()
	if err := p.Login(t.Context()); err != nil {
		t.Fatalf("Login: %v", err)
	}
	after := time.Now()
	for _, s := range p.Sessions() {
		tok := s.Token()
		if tok == nil {
			t.Fatalf("%s has no token after Login", s.User())
		}
		if want := time.Unix(auth.exp(t, tok.Value), 0); !tok.Expires.Equal(want) {
			t.Errorf("%s: Expires = %v, want the JWT exp %v", s.User(), tok.Expires, want)
		}
		if tok.Obtained.Before(before) || tok.Obtained.After(after) {
			t.Errorf("%s: Obtained = %v, not within the Login call", s.User(), tok.Obtained)
		}
	}
	if want := (Stats{Users: 2, Logins: 2}); p.Stats() != want {
		t.Errorf("Stats() = %+v, want %+v", p.Stats(), want)
	}
	got := map[string]string{}
	for _, f := range auth.forms {
		got[f.Get("username")] = f.Get("password")
	}
	if want := map[string]string{"a@x": "pw-a", "b@x": "pw-b"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("server saw logins %v, want %v", got, want)
	}
}

func TestPoolLoginFailure(t *testing.T) {
	auth := newRAGAuth(t, time.Hour, map[string]string{"a@x": "pw-a", "b@x": "pw-b"})
	p := NewPool(http.DefaultClient, auth.URL(), targets.Default().Auth, []Credential{{"a@x", "pw-a"}, {"b@x", "WRONG-pw"}})
	err := p.Login(t.Context())
	var le *LoginError
	if !errors.As(err, &le) {
		t.Fatalf("Login = %v (%T), want a *LoginError", err, err)
	}
	if le.User != "b@x" || le.Status != "401 Unauthorized" || le.URL != auth.URL()+"/api/v1/auth/login" {
		t.Errorf("LoginError = %+v", le)
	}
	for _, w := range []string{`"b@x"`, auth.URL() + "/api/v1/auth/login", "401", "Incorrect username or password"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "WRONG-pw") {
		t.Errorf("error %q shows the password", err)
	}
	// The first failure cancels the logins still under way, which may
	// count as failures too.
	if s := p.Stats(); s.LoginFailures < 1 || s.LoginFailures+s.Logins != 2 {
		t.Errorf("Stats() = %+v, want 1 or 2 failures out of 2 logins", s)
	}
}

func TestPoolLoginAnonymousAndCancelled(t *testing.T) {
	p := NewPool(http.DefaultClient, testtool.RefusedURL(t), targets.Default().Auth, nil)
	if err := p.Login(t.Context()); err != nil {
		t.Errorf("anonymous Login = %v", err)
	}
	if s := p.Stats(); s != (Stats{}) {
		t.Errorf("anonymous Stats() = %+v", s)
	}

	auth := newRAGAuth(t, time.Hour, nil)
	p = NewPool(http.DefaultClient, auth.URL(), targets.Default().Auth, []Credential{{"a@x", "pw"}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := p.Login(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Login with a cancelled context = %v, want context.Canceled", err)
	}
	if p.Sessions()[0].Token() != nil {
		t.Error("cancelled Login stored a token")
	}
}

func TestLoginResponses(t *testing.T) {
	const pw = "pa55-W0rd!"
	exp := time.Now().Add(time.Hour).Unix()
	jwt := makeJWT(t, map[string]any{"sub": "u", "exp": exp})
	noExp := makeJWT(t, map[string]any{"sub": "u"})
	tests := []struct {
		name       string
		tokenField string
		status     int
		body       string
		wantToken  string
		wantExpiry func(tok *Token) time.Time // nil: zero
		wantErr    []string                   // substrings of the *LoginError
	}{
		{name: "jwt exp", status: 200, body: `{"access_token":"` + jwt + `","token_type":"bearer"}`,
			wantToken: jwt, wantExpiry: func(*Token) time.Time { return time.Unix(exp, 0) }},
		{name: "jwt exp wins over expires_in", status: 200, body: `{"access_token":"` + jwt + `","expires_in":60}`,
			wantToken: jwt, wantExpiry: func(*Token) time.Time { return time.Unix(exp, 0) }},
		{name: "opaque token, expires_in", status: 200, body: `{"access_token":"opaque-123","token_type":"bearer","expires_in":3600}`,
			wantToken: "opaque-123", wantExpiry: func(tok *Token) time.Time { return tok.Obtained.Add(time.Hour) }},
		{name: "jwt without exp, fractional expires_in", status: 200, body: `{"access_token":"` + noExp + `","expires_in":1.5}`,
			wantToken: noExp, wantExpiry: func(tok *Token) time.Time { return tok.Obtained.Add(1500 * time.Millisecond) }},
		{name: "opaque token, no expiry", status: 200, body: `{"access_token":"opaque-123"}`, wantToken: "opaque-123"},
		{name: "opaque token, expires_in zero", status: 200, body: `{"access_token":"opaque-123","expires_in":0}`, wantToken: "opaque-123"},
		{name: "201 created", status: 201, body: `{"access_token":"t201"}`, wantToken: "t201"},
		{name: "dotted token field", tokenField: "data.access_token", status: 200, body: `{"data":{"access_token":"nested","user":{"id":1}}}`, wantToken: "nested"},
		{name: "deeper dotted field", tokenField: "a.b.c", status: 200, body: `{"a":{"b":{"c":"deep"}}}`, wantToken: "deep"},
		{name: "dotted field through a non-object", tokenField: "data.access_token", status: 200, body: `{"data":"flat"}`,
			wantErr: []string{`no string field "data.access_token"`, "fields: data"}},
		{name: "field missing", status: 200, body: `{"token":"x","detail":"ok"}`,
			wantErr: []string{`no string field "access_token"`, "(fields: detail, token)"}},
		{name: "token not a string", status: 200, body: `{"access_token":12345}`, wantErr: []string{`no string field "access_token"`}},
		{name: "token empty", status: 200, body: `{"access_token":""}`, wantErr: []string{`no string field "access_token"`}},
		{name: "not json", status: 200, body: `<html>login</html>`, wantErr: []string{"200 OK", "response is not JSON"}},
		{name: "401", status: 401, body: `{"detail":"Incorrect username or password"}`,
			wantErr: []string{"401 Unauthorized", "Incorrect username or password"}},
		{name: "422 echoes the password", status: 422,
			body:    `{"detail":[{"type":"string_too_short","loc":["body","password"],"msg":"too short","input":"` + pw + `"}]}`,
			wantErr: []string{"422 Unprocessable Entity", `"input":"***"`}},
		{name: "password echoed across the snippet cut", status: 500,
			body:    strings.Repeat("x", 195) + pw + strings.Repeat("y", 50),
			wantErr: []string{"500 Internal Server Error", "***"}},
		{name: "long body is cut", status: 502, body: strings.Repeat("z", 5000), wantErr: []string{"502 Bad Gateway", strings.Repeat("z", 200) + "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			a := targets.Default().Auth
			if tt.tokenField != "" {
				a.TokenField = tt.tokenField
			}
			loginURL := srv.URL + a.LoginPath
			tok, err := login(t.Context(), srv.Client(), loginURL, a, Credential{"user@x", pw})
			if tt.wantErr != nil {
				var le *LoginError
				if !errors.As(err, &le) {
					t.Fatalf("login = %v, %v; want a *LoginError", tok, err)
				}
				msg := err.Error()
				for _, w := range append([]string{`login as "user@x" at ` + loginURL}, tt.wantErr...) {
					if !strings.Contains(msg, w) {
						t.Errorf("error %q does not contain %q", msg, w)
					}
				}
				for _, part := range []string{pw, pw[:5], pw[5:]} {
					if strings.Contains(msg, part) {
						t.Errorf("error %q shows (part of) the password: %q", msg, part)
					}
				}
				if len(msg) > 400 {
					t.Errorf("error is %d bytes long; the body should be cut", len(msg))
				}
				return
			}
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if tok.Value != tt.wantToken {
				t.Errorf("Value = %q, want %q", tok.Value, tt.wantToken)
			}
			if time.Since(tok.Obtained) > 5*time.Second || tok.Obtained.After(time.Now()) {
				t.Errorf("Obtained = %v, not now", tok.Obtained)
			}
			var want time.Time
			if tt.wantExpiry != nil {
				want = tt.wantExpiry(tok)
			}
			if !tok.Expires.Equal(want) {
				t.Errorf("Expires = %v, want %v", tok.Expires, want)
			}
		})
	}
}

func TestLoginForm(t *testing.T) {
	a := targets.Auth{LoginPath: "/auth/token", UsernameField: "email", PasswordField: "pass", TokenField: "token"}
	var form url.Values
	var method, ctype, accept string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		form, method, ctype, accept = r.PostForm, r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept")
		if r.URL.Path != "/auth/token" {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"token": "tk"})
	})
	tok, err := login(t.Context(), srv.Client(), srv.URL+a.LoginPath, a, Credential{"me@x", "p&ss=w ord"})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value != "tk" {
		t.Errorf("token = %q", tok.Value)
	}
	if method != "POST" || ctype != "application/x-www-form-urlencoded" || accept != "application/json" {
		t.Errorf("request: %s, Content-Type %q, Accept %q", method, ctype, accept)
	}
	if form.Get("email") != "me@x" || form.Get("pass") != "p&ss=w ord" || len(form) != 2 {
		t.Errorf("form = %v", form)
	}
}

func TestLoginConnectionRefused(t *testing.T) {
	u := testtool.RefusedURL(t) + "/api/v1/auth/login"
	p := NewPool(http.DefaultClient, strings.TrimSuffix(u, "/api/v1/auth/login"), targets.Default().Auth, []Credential{{"a@x", "secret-pw"}})
	err := p.Login(t.Context())
	var le *LoginError
	if !errors.As(err, &le) {
		t.Fatalf("Login = %v (%T), want a *LoginError", err, err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v does not wrap ECONNREFUSED", err)
	}
	msg := err.Error()
	for _, w := range []string{`login as "a@x" at ` + u, "is the server running?"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
	if strings.Count(msg, u) != 1 {
		t.Errorf("error %q repeats the URL", msg)
	}
	if strings.Contains(msg, "secret-pw") {
		t.Errorf("error %q shows the password", msg)
	}
}

func TestLoginErrorMessage(t *testing.T) {
	tests := []struct {
		e    LoginError
		want string
	}{
		{LoginError{User: "u", URL: "http://h/l", Status: "403 Forbidden", Detail: "no"}, `login as "u" at http://h/l: 403 Forbidden: no`},
		{LoginError{User: "u", URL: "http://h/l", Status: "403 Forbidden"}, `login as "u" at http://h/l: 403 Forbidden`},
		{LoginError{User: "u", URL: "http://h/l", Detail: "odd"}, `login as "u" at http://h/l: odd`},
		{LoginError{User: "u", URL: "http://h/l", Err: context.DeadlineExceeded}, `login as "u" at http://h/l: context deadline exceeded`},
		{LoginError{User: "u", URL: "http://h/l", Err: fmt.Errorf("dial: %w", syscall.ECONNREFUSED)}, `login as "u" at http://h/l: dial: connection refused (is the server running?)`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestJWTExpiry(t *testing.T) {
	encodeSeg := func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) } // padded
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	padded := encodeSeg(`{"exp":1700000000,"ab":1}`)
	stdAlphabet := base64.StdEncoding.EncodeToString([]byte(`{"exp":1700000000,"s":"??>>~~"}`))
	if !strings.HasSuffix(padded, "=") || !strings.ContainsAny(stdAlphabet, "+/") {
		t.Fatalf("fixtures do not exercise padding (%q) or the standard alphabet (%q)", padded, stdAlphabet)
	}
	tests := []struct {
		name  string
		token string
		want  time.Time
	}{
		{"valid", "h." + b64(`{"exp":1700000000}`) + ".s", time.Unix(1700000000, 0)},
		{"fractional exp", "h." + b64(`{"exp":1700000000.5}`) + ".s", time.Unix(1700000000, 5e8)},
		{"padded payload", "h." + padded + ".s", time.Unix(1700000000, 0)},
		{"empty", "", time.Time{}},
		{"not a jwt", "opaque-token", time.Time{}},
		{"two parts", "h." + b64(`{"exp":1700000000}`), time.Time{}},
		{"four parts", "h." + b64(`{"exp":1700000000}`) + ".s.x", time.Time{}},
		{"bad base64", "h.!!!notbase64!!!.s", time.Time{}},
		{"standard base64 alphabet", "h." + stdAlphabet + ".s", time.Time{}},
		{"payload not json", "h." + b64("not json") + ".s", time.Time{}},
		{"payload a list", "h." + b64(`[1,2]`) + ".s", time.Time{}},
		{"no exp", "h." + b64(`{"sub":"u"}`) + ".s", time.Time{}},
		{"exp zero", "h." + b64(`{"exp":0}`) + ".s", time.Time{}},
		{"exp negative", "h." + b64(`{"exp":-5}`) + ".s", time.Time{}},
		{"exp a string", "h." + b64(`{"exp":"1700000000"}`) + ".s", time.Time{}},
		{"exp null", "h." + b64(`{"exp":null}`) + ".s", time.Time{}},
		{"empty payload", "h..s", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jwtExpiry(tt.token); !got.Equal(tt.want) {
				t.Errorf("jwtExpiry(%q) = %v, want %v", tt.token, got, tt.want)
			}
		})
	}
}

// TestLoginRefusesRedirectToAnotherServer: a login answered with a
// redirect to another server (another port of the same host, which Go's
// client treats as the same host) or from https to http is refused before
// anything is sent there, with both URLs named; the other server sees
// nothing. A redirect on the login's own server is followed.
func TestLoginRefusesRedirectToAnotherServer(t *testing.T) {
	const pw = "Redirect-S3cret!pw"
	var elsewhere atomic.Int64
	thief := serve(t, func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		json.NewEncoder(w).Encode(map[string]string{"access_token": "stolen"})
	})
	thiefURL, _ := url.Parse(thief.URL)
	redirecting := func(code int, to string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/auth/login/" { // the same server, with a slash
				json.NewEncoder(w).Encode(map[string]string{"access_token": "tk"})
				return
			}
			http.Redirect(w, r, to, code)
		}
	}
	plain := func(code int, to string) *httptest.Server { return serve(t, redirecting(code, to)) }
	tls := func(code int, to string) *httptest.Server {
		srv := httptest.NewTLSServer(redirecting(code, to))
		t.Cleanup(srv.Close)
		return srv
	}
	tests := []struct {
		name string
		srv  *httptest.Server
		want string // "" when the login works
	}{
		{"307 to another port", plain(http.StatusTemporaryRedirect, thief.URL+"/steal"),
			"refused to follow a redirect to " + thief.URL + "/steal (another host): the password would go there"},
		{"308 to another port", plain(http.StatusPermanentRedirect, thief.URL+"/steal"),
			"refused to follow a redirect to " + thief.URL + "/steal (another host): the password would go there"},
		{"302 to another port", plain(http.StatusFound, thief.URL+"/steal"),
			"refused to follow a redirect to " + thief.URL + "/steal (another host): the login would end there"},
		{"another host name", plain(http.StatusTemporaryRedirect, "http://localhost:"+thiefURL.Port()+"/steal"),
			"refused to follow a redirect to http://localhost:" + thiefURL.Port() + "/steal (another host)"},
		{"userinfo and query", plain(http.StatusTemporaryRedirect, "http://user:hidden-pw@"+thiefURL.Host+"/steal?key=hidden-key"),
			"refused to follow a redirect to http://user:xxxxx@" + thiefURL.Host + "/steal?… (another host)"},
		{"https to http", tls(http.StatusTemporaryRedirect, thief.URL+"/steal"),
			"refused to follow a redirect to " + thief.URL + "/steal (from https to http): the password would go there"},
		{"same server", plain(http.StatusTemporaryRedirect, "/api/v1/auth/login/"), ""},
		{"same https server", tls(http.StatusPermanentRedirect, "/api/v1/auth/login/"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := elsewhere.Load()
			p := NewPool(tt.srv.Client(), tt.srv.URL, targets.Default().Auth, []Credential{{"u@x", pw}})
			err := p.Login(t.Context())
			if got := elsewhere.Load() - before; got != 0 {
				t.Errorf("the other server got %d requests", got)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("a redirect on the same server: %v", err)
				}
				if tok := p.Sessions()[0].Token(); tok == nil || tok.Value != "tk" {
					t.Errorf("token = %v, want the server's", tok)
				}
				return
			}
			var le *LoginError
			var re *RedirectError
			if !errors.As(err, &le) || !errors.As(err, &re) {
				t.Fatalf("Login = %v (%T), want a *LoginError with a *RedirectError", err, err)
			}
			want := `login as "u@x" at ` + tt.srv.URL + "/api/v1/auth/login: " + tt.want
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error\n%s\nwant it to start with\n%s", err, want)
			}
			for _, secret := range []string{pw, "hidden-pw", "hidden-key"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows %q", err, secret)
				}
			}
		})
	}
}

// TestCheckRedirect: the clients that send load drop the headers that may
// carry credentials on a redirect to another server, even another port of
// the same host (where Go's client keeps Authorization) or from https to
// http, and keep them on their own server.
func TestCheckRedirect(t *testing.T) {
	type seen struct{ auth, apiKey, custom, body string }
	got := make(chan seen, 1)
	record := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("X-Custom"), string(b)}
	}
	other := serve(t, record)
	handler := func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/here":
			record(w, r)
		case "/same":
			http.Redirect(w, r, "/here", http.StatusTemporaryRedirect)
		default:
			http.Redirect(w, r, other.URL+"/there", http.StatusTemporaryRedirect)
		}
	}
	plain := serve(t, handler)
	secure := httptest.NewTLSServer(http.HandlerFunc(handler))
	t.Cleanup(secure.Close)
	send := func(srv *httptest.Server, path string) seen {
		t.Helper()
		cl := srv.Client()
		cl.CheckRedirect = CheckRedirect
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, strings.NewReader("q"))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("X-Api-Key", "key")
		req.Header.Set("X-Custom", "kept")
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-got
	}
	if s := send(plain, "/same"); s != (seen{"Bearer tok", "key", "kept", "q"}) {
		t.Errorf("a redirect on the same server: the target saw %+v", s)
	}
	if s := send(plain, "/away"); s != (seen{"", "", "kept", "q"}) {
		t.Errorf("a redirect to another port: the target saw %+v, want no Authorization, no X-Api-Key", s)
	}
	if s := send(secure, "/away"); s != (seen{"", "", "kept", "q"}) {
		t.Errorf("a redirect from https to http: the target saw %+v, want no Authorization, no X-Api-Key", s)
	}
}

// TestRedirectPolicy: the headers a scenario marks secret (secret_headers,
// names no rule recognises) are dropped too when a load redirect leaves
// the server, in any case, and kept on the same server; other headers are
// kept everywhere.
func TestRedirectPolicy(t *testing.T) {
	type seen struct{ sub, tenant, plain string }
	got := make(chan seen, 1)
	record := func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Header.Get("X-Tenant-Pass"), r.Header.Get("X-Tenant"), r.Header.Get("X-Plain")}
	}
	other := serve(t, record)
	handler := func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/here":
			record(w, r)
		case "/same":
			http.Redirect(w, r, "/here", http.StatusFound)
		default:
			http.Redirect(w, r, other.URL+"/there", http.StatusTemporaryRedirect)
		}
	}
	plain := serve(t, handler)
	secure := httptest.NewTLSServer(http.HandlerFunc(handler))
	t.Cleanup(secure.Close)
	policy := RedirectPolicy("x-tenant", "X-TENANT-PASS")
	send := func(srv *httptest.Server, path string) seen {
		t.Helper()
		cl := srv.Client()
		cl.CheckRedirect = policy
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
		req.Header.Set("X-Tenant-Pass", "tenant-S3cret")
		req.Header.Set("X-Tenant", "acme-key-42")
		req.Header.Set("X-Plain", "kept")
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-got
	}
	if s := send(plain, "/same"); s != (seen{"tenant-S3cret", "acme-key-42", "kept"}) {
		t.Errorf("a redirect on the same server: the target saw %+v", s)
	}
	if s := send(plain, "/away"); s != (seen{"", "", "kept"}) {
		t.Errorf("a redirect to another port: the target saw %+v, want no X-Tenant-Pass, no X-Tenant", s)
	}
	if s := send(secure, "/away"); s != (seen{"", "", "kept"}) {
		t.Errorf("a redirect from https to http: the target saw %+v, want no X-Tenant-Pass, no X-Tenant", s)
	}
	// Without extras it is CheckRedirect: names no rule knows are kept.
	policy = RedirectPolicy()
	if s := send(plain, "/away"); s != (seen{"tenant-S3cret", "acme-key-42", "kept"}) {
		t.Errorf("RedirectPolicy() dropped unlisted headers: %+v", s)
	}
}

// TestLoginMasksEncodedPassword: a server that echoes the login form back
// in an error shows the password URL-encoded, or JSON-escaped: every form
// is masked.
func TestLoginMasksEncodedPassword(t *testing.T) {
	const pw = `S3cret-Pa55! <&"/+>`
	var rawForm string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rawForm = string(b)
		form, _ := url.ParseQuery(rawForm)
		w.WriteHeader(http.StatusBadRequest)
		if r.URL.Query().Has("json") {
			json.NewEncoder(w).Encode(map[string]any{"detail": "bad login", "input": map[string]string{"password": form.Get("password")}})
			return
		}
		fmt.Fprintf(w, "bad form: %s (path %s)", rawForm, url.PathEscape(form.Get("password")))
	})
	for _, path := range []string{"/login", "/login?json"} {
		_, err := login(t.Context(), srv.Client(), srv.URL+path, targets.Default().Auth, Credential{"u@x", pw})
		if err == nil {
			t.Fatal("login succeeded")
		}
		if !strings.Contains(rawForm, url.QueryEscape(pw)) {
			t.Fatalf("the form %q lacks the encoded password: the test tests nothing", rawForm)
		}
		msg := err.Error()
		if !strings.Contains(msg, "***") {
			t.Errorf("error %q masks nothing", msg)
		}
		for _, leak := range []string{"S3cret", "Pa55", "%21", `\u003c`} {
			if strings.Contains(msg, leak) {
				t.Errorf("error %q shows %q of the password", msg, leak)
			}
		}
	}
}
