package auth

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ragload/ragload/targets"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/testtool"
)

func TestPoolRunRefreshesBeforeExpiry(t *testing.T) {
	t.Parallel()
	// exp = now+2s in whole seconds: a lifetime of 1-2 s, renewed a fifth
	// of it (0.2-0.4 s) before it ends.
	auth := newRAGAuth(t, 2*time.Second, nil)
	p := auth.pool(t, Credential{"a@x", "pw"})
	s := p.Sessions()[0]
	first := s.Token()
	stop := runPool(t, p)

	if !testtool.Eventually(3*time.Second, func() bool { return p.Stats().Refreshes >= 1 }) {
		t.Fatalf("no refresh within 3s of a 2s token: %+v", p.Stats())
	}
	stop()
	second := s.Token()
	if second == first || second.Value == first.Value {
		t.Fatal("the session's token did not change")
	}
	if d := second.Obtained.Sub(first.Obtained); d < 500*time.Millisecond {
		t.Errorf("refreshed %v after login, want close to the end of the token's life", d)
	}
	if second.Obtained.After(first.Expires) {
		t.Errorf("refreshed at %v, after the token expired at %v", second.Obtained, first.Expires)
	}
	if st := p.Stats(); st.Logins != st.Refreshes+1 || st.LoginFailures != 0 {
		t.Errorf("Stats() = %+v, want logins = refreshes + 1", st)
	}
}

func TestPoolRunBacksOffFailedRefresh(t *testing.T) {
	t.Parallel()
	auth := newRAGAuth(t, 2*time.Second, nil)
	p := auth.pool(t, Credential{"a@x", "pw"})
	first := p.Sessions()[0].Token()
	auth.failing.Store(true)
	runPool(t, p)

	if !testtool.Eventually(3*time.Second, func() bool { return p.Stats().LoginFailures >= 1 }) {
		t.Fatalf("no refresh attempt within 3s: %+v", p.Stats())
	}
	// Within the 1 s back-off no more than one retry may fail.
	if testtool.Eventually(500*time.Millisecond, func() bool { return p.Stats().LoginFailures > 2 }) {
		t.Errorf("Stats() = %+v: failed refreshes are retried without back-off", p.Stats())
	}
	if p.Sessions()[0].Token() != first {
		t.Error("a failed refresh dropped the old token")
	}
	auth.failing.Store(false)
	if !testtool.Eventually(3*time.Second, func() bool { return p.Stats().Refreshes >= 1 }) {
		t.Fatalf("no successful retry within 3s: %+v", p.Stats())
	}
}

func TestPoolRunNoStormOnExpiredTokens(t *testing.T) {
	t.Parallel()
	// A server whose clock is a minute behind issues tokens that are
	// expired on arrival; renewing them must not turn into a login loop.
	auth := newRAGAuth(t, -time.Minute, nil)
	p := auth.pool(t, Credential{"a@x", "pw"})
	stop := runPool(t, p)
	storm := testtool.Eventually(1500*time.Millisecond, func() bool { return p.Stats().Refreshes > 3 })
	stop()
	if st := p.Stats(); storm {
		t.Errorf("Stats() = %+v: %d refreshes within 1.5s", st, st.Refreshes)
	}
}

// backdate replaces s's token with a copy obtained age ago that never
// expires, so that only a 401 makes the pool log in again.
func backdate(t *testing.T, s *Session, age time.Duration) *Token {
	t.Helper()
	tok := *s.Token()
	tok.Obtained = time.Now().Add(-age)
	tok.Expires = time.Time{}
	s.token.Store(&tok)
	return &tok
}

func TestPoolObserve401(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		age     time.Duration          // of the token when the 401 arrives
		sent    func(*Token) time.Time // when the rejected request was sent
		code    uint16
		relogin bool
	}{
		{"401 after the token was obtained", 2 * time.Second, func(*Token) time.Time { return time.Now() }, 401, true},
		{"401 for a request older than the token", 2 * time.Second, func(tok *Token) time.Time { return tok.Obtained.Add(-time.Second) }, 401, false},
		{"401 but the token is younger than 1s", 0, func(*Token) time.Time { return time.Now() }, 401, false},
		{"403 is not 401", 2 * time.Second, func(*Token) time.Time { return time.Now() }, 403, false},
		{"500 is not 401", 2 * time.Second, func(*Token) time.Time { return time.Now() }, 500, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			auth := newRAGAuth(t, time.Hour, nil)
			p := auth.pool(t, Credential{"a@x", "pw"}, Credential{"b@x", "pw"})
			toks := []*Token{backdate(t, p.Sessions()[0], tt.age), backdate(t, p.Sessions()[1], tt.age)}
			runPool(t, p)

			p.Observe(&vegeta.Result{Code: tt.code, Timestamp: tt.sent(toks[0])}, true)
			wantUnauth := int64(0)
			if tt.code == 401 {
				wantUnauth = 1
			}
			if got := p.Stats().Unauthorized; got != wantUnauth {
				t.Errorf("Unauthorized = %d, want %d", got, wantUnauth)
			}
			if tt.relogin {
				if !testtool.Eventually(3*time.Second, func() bool { return p.Stats().Refreshes >= 2 }) {
					t.Fatalf("no re-login within 3s of a 401: %+v", p.Stats())
				}
				for i, s := range p.Sessions() {
					if s.Token() == toks[i] {
						t.Errorf("%s kept its rejected token", s.User())
					}
				}
				return
			}
			if testtool.Eventually(300*time.Millisecond, func() bool { st := p.Stats(); return st.Refreshes != 0 || st.Logins != 2 }) {
				t.Errorf("Stats() = %+v, want no re-login", p.Stats())
			}
			for i, s := range p.Sessions() {
				if s.Token() != toks[i] {
					t.Errorf("%s's token changed", s.User())
				}
			}
		})
	}
}

func TestPoolObserveRelogsOnlyStaleSessions(t *testing.T) {
	t.Parallel()
	auth := newRAGAuth(t, time.Hour, nil)
	p := auth.pool(t, Credential{"old@x", "pw"}, Credential{"new@x", "pw"})
	stale := backdate(t, p.Sessions()[0], 5*time.Second)
	fresh := backdate(t, p.Sessions()[1], 2*time.Second)
	runPool(t, p)

	// Sent after the old token, before the newer one.
	p.Observe(&vegeta.Result{Code: http.StatusUnauthorized, Timestamp: time.Now().Add(-3 * time.Second)}, true)
	if !testtool.Eventually(3*time.Second, func() bool { return p.Stats().Refreshes >= 1 }) {
		t.Fatalf("no re-login within 3s: %+v", p.Stats())
	}
	// A wrong re-login of the fresh session would end within the same
	// refresh: give it a moment to show.
	testtool.Eventually(100*time.Millisecond, func() bool { return p.Stats().Logins > 3 })
	if p.Sessions()[0].Token() == stale {
		t.Error("the stale session kept its token")
	}
	if p.Sessions()[1].Token() != fresh {
		t.Error("the session with a newer token logged in again")
	}
	if st := p.Stats(); st.Refreshes != 1 {
		t.Errorf("Stats() = %+v, want exactly 1 refresh", st)
	}
}

func TestPoolObserveAnonymous(t *testing.T) {
	p := NewPool(http.DefaultClient, "http://127.0.0.1:1", targets.Default().Auth, nil)
	p.Observe(&vegeta.Result{Code: 401, Timestamp: time.Now()}, true)
	if st := p.Stats(); st.Unauthorized != 0 {
		t.Errorf("anonymous pool counted a 401: %+v", st)
	}
	done := make(chan struct{})
	go func() { p.Run(t.Context()); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Run on an anonymous pool did not return")
	}
}

func TestInvalidateNeverBlocks(t *testing.T) {
	p := NewPool(http.DefaultClient, "http://127.0.0.1:1", targets.Default().Auth, []Credential{{"a@x", "pw"}})
	done := make(chan struct{})
	go func() {
		for range 100 { // nobody runs the pool: the kicks must not pile up
			p.Invalidate(time.Now())
			p.Observe(&vegeta.Result{Code: 401, Timestamp: time.Now()}, true)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Invalidate blocked without a running pool")
	}
	if st := p.Stats(); st.Unauthorized != 100 {
		t.Errorf("Unauthorized = %d, want 100", st.Unauthorized)
	}
}

func TestPoolRunStopsOnCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		token func() *Token
	}{
		{"idle", func() *Token { return &Token{Value: "t", Obtained: time.Now(), Expires: time.Now().Add(time.Hour)} }},
		{"no expiry", func() *Token { return &Token{Value: "t", Obtained: time.Now()} }},
		{"no token yet", func() *Token { return nil }},
		// A session due for renewal when the context ends must not keep
		// Run spinning.
		{"token due", func() *Token {
			return &Token{Value: "t", Obtained: time.Now().Add(-time.Hour), Expires: time.Now().Add(-time.Minute)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, cancelFirst := range []bool{false, true} {
				p := NewPool(&http.Client{Timeout: time.Second}, testtool.RefusedURL(t), targets.Default().Auth, []Credential{{"a@x", "pw"}})
				if tok := tt.token(); tok != nil {
					p.Sessions()[0].token.Store(tok)
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if cancelFirst {
					cancel()
				}
				done := make(chan struct{})
				go func() { p.Run(ctx); close(done) }()
				if !cancelFirst {
					testtool.WaitFor(t, 2*time.Second, "Run to start", p.running.Load)
					cancel()
				}
				select {
				case <-done:
				case <-time.After(2 * time.Second):
					t.Fatalf("Run did not return within 2s of cancel (cancel before start: %v)", cancelFirst)
				}
			}
		})
	}
}

func TestSessionRefreshAt(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name    string
		tok     *Token
		retryAt time.Time
		want    time.Time
	}{
		{"no token", nil, time.Time{}, time.Time{}},
		{"no token, retry pending", nil, now.Add(time.Second), now.Add(time.Second)},
		{"unknown expiry", &Token{Obtained: now}, time.Time{}, time.Time{}},
		{"a fifth before expiry", &Token{Obtained: now, Expires: now.Add(10 * time.Second)}, time.Time{}, now.Add(8 * time.Second)},
		{"at most 30s before expiry", &Token{Obtained: now, Expires: now.Add(time.Hour)}, time.Time{}, now.Add(time.Hour - 30*time.Second)},
		{"back-off later than the renewal", &Token{Obtained: now, Expires: now.Add(10 * time.Second)}, now.Add(20 * time.Second), now.Add(20 * time.Second)},
		{"back-off earlier than the renewal", &Token{Obtained: now, Expires: now.Add(10 * time.Second)}, now.Add(time.Second), now.Add(8 * time.Second)},
		{"expired on arrival: not before a second has passed", &Token{Obtained: now, Expires: now.Add(-time.Minute)}, time.Time{}, now.Add(time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{retryAt: tt.retryAt}
			if tt.tok != nil {
				s.token.Store(tt.tok)
			}
			if got := s.refreshAt(); !got.Equal(tt.want) {
				t.Errorf("refreshAt() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPoolRunOnce: a second Run while one keeps the tokens fresh returns at
// once (two would race on the sessions' back-off and log in twice, as the
// steps of a sweep did when each started one on the sweep's pool); after
// the first ends, Run works again.
func TestPoolRunOnce(t *testing.T) {
	t.Parallel()
	auth := newRAGAuth(t, 2*time.Second, nil)
	p := auth.pool(t, Credential{"a@x", "pw"})
	stop := runPool(t, p)
	testtool.WaitFor(t, 2*time.Second, "the first Run to start", p.running.Load)
	second := make(chan struct{})
	go func() { p.Run(t.Context()); close(second) }()
	select {
	case <-second:
	case <-time.After(time.Second):
		t.Fatal("a second Run did not return while the first runs")
	}
	if !testtool.Eventually(3*time.Second, func() bool { return p.Stats().Refreshes >= 1 }) {
		t.Fatalf("no refresh within 3s of a 2s token: %+v", p.Stats())
	}
	stop()
	if st := p.Stats(); st.Logins != st.Refreshes+1 {
		t.Errorf("Stats() = %+v, want logins = refreshes + 1", st)
	}
	before := p.Stats().Refreshes
	runPool(t, p)
	if !testtool.Eventually(3*time.Second, func() bool { return p.Stats().Refreshes > before }) {
		t.Fatalf("a Run after the first ended refreshed nothing: %+v", p.Stats())
	}
}
