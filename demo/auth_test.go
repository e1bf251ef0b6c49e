package demo

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	s, hs := start(t, fastConfig())
	tests := []struct {
		name   string
		form   url.Values
		status int
		detail string
	}{
		{"good", url.Values{"username": {DefaultUsername}, "password": {DefaultPassword}}, 200, ""},
		{"bad password", url.Values{"username": {DefaultUsername}, "password": {"nope"}}, 401, "Incorrect username or password"},
		{"unknown user", url.Values{"username": {"ghost"}, "password": {"x"}}, 401, "Incorrect username or password"},
		{"missing password", url.Values{"username": {DefaultUsername}}, 422, ""},
		{"missing username", url.Values{"password": {DefaultPassword}}, 422, ""},
	}
	for _, tc := range tests {
		resp, b := postForm(t, hs, "/api/v1/auth/login", tc.form)
		if tc.status != 200 {
			wantDetail(t, resp, b, tc.status, tc.detail)
			continue
		}
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d %s", tc.name, resp.StatusCode, b)
		}
		var lr loginResponse
		mustJSON(t, b, &lr)
		if lr.TokenType != "bearer" || lr.ExpiresIn != 900 || strings.Count(lr.AccessToken, ".") != 2 {
			t.Errorf("%s: response %+v", tc.name, lr)
		}
	}
	// OAuth2PasswordRequestForm does not accept JSON.
	resp, b := call(t, hs, http.MethodPost, "/api/v1/auth/login", "", "application/json",
		strings.NewReader(`{"username":"loadtest@example.com","password":"loadtestpassword"}`))
	wantDetail(t, resp, b, 422, "")
	st := s.Stats()
	if st.Logins != 1 || st.LoginFailures != 2 || st.Requests["login"] != 6 {
		t.Errorf("stats: logins %d failures %d requests %d", st.Logins, st.LoginFailures, st.Requests["login"])
	}
}

func TestTokenClaims(t *testing.T) {
	t.Parallel()
	_, hs := start(t, func() Config { c := fastConfig(); c.TokenTTL = time.Hour; return c }())
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	parts := strings.Split(tok, ".")
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if string(h) != `{"alg":"HS256","typ":"JWT"}` {
		t.Errorf("header = %s", h)
	}
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c claims
	mustJSON(t, p, &c)
	if c.Sub != DefaultUsername || c.Exp-c.Iat != 3600 || len(c.Jti) != 32 {
		t.Errorf("claims = %+v", c)
	}
	if d := time.Since(time.Unix(c.Iat, 0)); d < -time.Second || d > time.Minute {
		t.Errorf("iat off by %v", d)
	}
}

func TestProtectedRoutesRequireAuth(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Secret = []byte("test-secret")
	cfg.Users = map[string]string{"alice": "pw"}
	s, hs := start(t, cfg)
	good := login(t, hs, "alice", "pw")
	expired, err := s.tokens.issue("alice", time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other := New(Config{Secret: []byte("other-secret"), Users: cfg.Users})
	foreign, _ := other.tokens.issue("alice", time.Now())
	ghost, _ := s.tokens.issue("ghost", time.Now())
	tampered := good[:len(good)-2] + "AA"
	if tampered == good {
		tampered = good[:len(good)-2] + "BB"
	}
	bad := map[string]string{
		"none": "", "garbage": "not-a-jwt", "tampered": tampered,
		"expired": expired, "foreign secret": foreign, "unknown user": ghost,
	}
	for name, tok := range bad {
		resp, b := call(t, hs, http.MethodGet, "/api/v1/documents/", tok, "", nil)
		wantDetail(t, resp, b, http.StatusUnauthorized, "Could not validate credentials")
		if resp.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s: missing WWW-Authenticate", name)
		}
	}
	resp, b := call(t, hs, http.MethodPost, "/api/v1/query/", "", "application/json", strings.NewReader(`{"query":"x"}`))
	wantDetail(t, resp, b, http.StatusUnauthorized, "")
	if resp, b = call(t, hs, http.MethodGet, "/api/v1/documents/", good, "", nil); resp.StatusCode != 200 {
		t.Fatalf("good token: %d %s", resp.StatusCode, b)
	}
	st := s.Stats()
	if st.Unauthorized != int64(len(bad))+1 || st.Authorized["documents"] != 1 || st.Authorized["query"] != 0 {
		t.Errorf("unauthorized %d authorized %v", st.Unauthorized, st.Authorized)
	}
}

func TestRegisterThenLogin(t *testing.T) {
	t.Parallel()
	s, hs := start(t, fastConfig())
	bodies := []struct{ ctype, body, user string }{
		{"application/json", `{"username":"bob","password":"b0b"}`, "bob"},
		{"application/json", `{"email":"carol@example.com","password":"c"}`, "carol@example.com"},
		{"application/x-www-form-urlencoded", "username=dave&password=d", "dave"},
	}
	for i, tc := range bodies {
		resp, b := call(t, hs, http.MethodPost, "/api/v1/auth/register", "", tc.ctype, strings.NewReader(tc.body))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("register %s: %d %s", tc.user, resp.StatusCode, b)
		}
		var r struct {
			ID       int64  `json:"id"`
			Username string `json:"username"`
		}
		mustJSON(t, b, &r)
		if r.Username != tc.user || r.ID != int64(i)+2 { // id 1 is the default user
			t.Errorf("register response %+v", r)
		}
	}
	login(t, hs, "bob", "b0b")
	login(t, hs, "carol@example.com", "c")
	login(t, hs, "dave", "d")
	if st := s.Stats(); st.Registrations != 3 || st.Logins != 3 {
		t.Errorf("registrations %d logins %d", st.Registrations, st.Logins)
	}
}

func TestRegisterErrors(t *testing.T) {
	t.Parallel()
	s, hs := start(t, fastConfig())
	reg := func(ctype, body string) (*http.Response, []byte) {
		return call(t, hs, http.MethodPost, "/api/v1/auth/register", "", ctype, strings.NewReader(body))
	}
	resp, b := reg("application/json", `{"username":"erin","password":"e"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("first register: %d %s", resp.StatusCode, b)
	}
	resp, b = reg("application/json", `{"username":"erin","password":"other"}`)
	wantDetail(t, resp, b, http.StatusBadRequest, "User already registered")
	resp, b = reg("application/json", `{"username":"`+DefaultUsername+`","password":"x"}`)
	wantDetail(t, resp, b, http.StatusBadRequest, "User already registered")
	for _, body := range []string{`{"username":"frank"}`, `{"password":"p"}`, `{`, `{"username":1,"password":"p"}`} {
		resp, b = reg("application/json", body)
		wantDetail(t, resp, b, http.StatusUnprocessableEntity, "")
	}
	// The original password still works; the duplicate did not overwrite it.
	login(t, hs, "erin", "e")
	if st := s.Stats(); st.Registrations != 1 {
		t.Errorf("registrations = %d", st.Registrations)
	}
}

func TestIssuedTokensAndLoginsBy(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.RecordTokens = true
	cfg.Users = map[string]string{"u1": "p1", "u2": "p2"}
	s, hs := start(t, cfg)
	t1 := login(t, hs, "u1", "p1")
	t2 := login(t, hs, "u2", "p2")
	t3 := login(t, hs, "u2", "p2")
	postForm(t, hs, "/api/v1/auth/login", url.Values{"username": {"u1"}, "password": {"bad"}})
	got := s.IssuedTokens()
	if !slices.Equal(got, []string{t1, t2, t3}) {
		t.Errorf("IssuedTokens = %d tokens, want the 3 issued", len(got))
	}
	if t2 == t3 {
		t.Error("tokens for repeated logins are identical; jti should differ")
	}
	if s.LoginsBy("u1") != 1 || s.LoginsBy("u2") != 2 || s.LoginsBy("nobody") != 0 {
		t.Errorf("LoginsBy: u1=%d u2=%d", s.LoginsBy("u1"), s.LoginsBy("u2"))
	}
	s2, hs2 := start(t, fastConfig())
	login(t, hs2, DefaultUsername, DefaultPassword)
	if n := len(s2.IssuedTokens()); n != 0 {
		t.Errorf("tokens recorded without RecordTokens: %d", n)
	}
}
