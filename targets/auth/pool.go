package auth

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/targets"
)

// Session is one logged-in account. Its token is swapped atomically, so
// readers on the hot path never block.
type Session struct {
	cred  Credential
	token atomic.Pointer[Token]
	busy  atomic.Bool // a login for this session is under way

	// Owned by the Run goroutine.
	backoff time.Duration
	retryAt time.Time
}

// User is the account name of the session.
func (s *Session) User() string { return s.cred.Username }

// Token returns the token in hand (nil before the first login).
func (s *Session) Token() *Token { return s.token.Load() }

// Stats counts the logins a pool made.
type Stats struct {
	Users         int   `json:"users"`
	Logins        int64 `json:"logins"`
	Refreshes     int64 `json:"refreshes"`
	LoginFailures int64 `json:"login_failures"`
	Unauthorized  int64 `json:"unauthorized"` // 401 results observed
}

// Pool holds a Session per credential and keeps tokens fresh: in the
// background before they expire, and after the server answers 401.
type Pool struct {
	client   *http.Client
	loginURL string
	auth     targets.Auth
	sessions []*Session
	kick     chan struct{} // a 401 arrived; kickAt says for requests sent before when

	kickMu sync.Mutex
	kickAt time.Time

	logins, refreshes, failures, unauthorized atomic.Int64

	running atomic.Bool // a Run is keeping the tokens fresh
}

// NewPool returns a pool for creds that logs in at baseURL + a.LoginPath
// with client. An empty creds makes an anonymous pool: no tokens at all.
func NewPool(client *http.Client, baseURL string, a targets.Auth, creds []Credential) *Pool {
	p := &Pool{
		client:   client,
		loginURL: strings.TrimRight(baseURL, "/") + a.LoginPath,
		auth:     a,
		kick:     make(chan struct{}, 1),
	}
	for _, c := range creds {
		p.sessions = append(p.sessions, &Session{cred: c})
	}
	return p
}

// Sessions returns the pool's sessions; the slice must not be modified.
func (p *Pool) Sessions() []*Session { return p.sessions }

// Stats returns the login counters so far.
func (p *Pool) Stats() Stats {
	return Stats{
		Users: len(p.sessions), Logins: p.logins.Load(), Refreshes: p.refreshes.Load(),
		LoginFailures: p.failures.Load(), Unauthorized: p.unauthorized.Load(),
	}
}

// Login logs every session in, a few at a time, and returns the first
// failure (a *LoginError). It is the setup step before a run.
func (p *Pool) Login(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var once sync.Once
	var first error
	p.loginAll(ctx, p.sessions, false, func(_ *Session, err error) {
		once.Do(func() { first = err; cancel() })
	})
	if first == nil {
		return ctx.Err()
	}
	return first
}

// loginAll logs sessions in, loginParallel at a time, and calls failed for
// each failure.
func (p *Pool) loginAll(ctx context.Context, ss []*Session, refresh bool, failed func(*Session, error)) {
	const loginParallel = 8
	sem := make(chan struct{}, loginParallel)
	var wg sync.WaitGroup
	for _, s := range ss {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := p.loginSession(ctx, s, refresh); err != nil {
				failed(s, err)
			}
		}()
	}
	wg.Wait()
}

func (p *Pool) loginSession(ctx context.Context, s *Session, refresh bool) error {
	if !s.busy.CompareAndSwap(false, true) {
		return nil // someone is already at it
	}
	defer s.busy.Store(false)
	t, err := login(ctx, p.client, p.loginURL, p.auth, s.cred)
	if err != nil {
		p.failures.Add(1)
		return err
	}
	s.token.Store(t)
	p.logins.Add(1)
	if refresh {
		p.refreshes.Add(1)
	}
	return nil
}

// Mask replaces in s every password of the pool's accounts and every token
// it holds, in any of the forms Mask knows: for the error text of a
// failed result, where a server may have echoed them.
func (p *Pool) Mask(s string) string {
	secrets := make([]string, 0, 2*len(p.sessions))
	for _, ss := range p.sessions {
		secrets = append(secrets, ss.cred.Password)
		if t := ss.Token(); t != nil {
			secrets = append(secrets, t.Value)
		}
	}
	return Mask(s, secrets...)
}

// Observe lets the pool see each result; a 401 to a request that carried
// a token makes it log in again every session whose token is older than
// the request. A 401 from an endpoint that sends no token (no auth: true) is
// counted, but logging in again cannot help it: at 100/s such an endpoint
// set off up to 100 logins a second against the API under test.
func (p *Pool) Observe(r *vegeta.Result, sentToken bool) {
	if r.Code == http.StatusUnauthorized && len(p.sessions) > 0 {
		p.unauthorized.Add(1)
		if sentToken {
			p.Invalidate(r.Timestamp)
		}
	}
}

// Invalidate asks the background refresher to log in again every session
// whose token was obtained before t. It never blocks.
func (p *Pool) Invalidate(t time.Time) {
	p.kickMu.Lock()
	if t.After(p.kickAt) {
		p.kickAt = t
	}
	p.kickMu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default: // a kick is pending already; it reads the latest kickAt
	}
}

// refreshAt is when the background refresher renews s (see renewAt), or
// after the back-off of a failed attempt. Zero means never (the token's expiry is unknown).
func (s *Session) refreshAt() time.Time {
	t := s.token.Load()
	if t == nil || t.Expires.IsZero() {
		return s.retryAt
	}
	at := renewAt(t)
	if s.retryAt.After(at) {
		return s.retryAt
	}
	return at
}

// renewAt is when a token with a known expiry should be renewed.
func renewAt(t *Token) time.Time {
	// A fifth of the lifetime, at most 30 s, but at least a second (exp has
	// a resolution of one second, so a 2 s token may live only 1.1 s) and
	// at most half the lifetime.
	life := t.Expires.Sub(t.Obtained)
	if life <= 0 {
		// Expired on arrival, as from a server whose clock is behind: renewed
		// at most once a second, not in a loop.
		return t.Obtained.Add(time.Second)
	}
	return t.Expires.Add(-min(max(life/5, time.Second), life/2, 30*time.Second))
}

// Expiring reports whether the session has no token, or one due for
// renewal at now. Virtual users check it between requests and log in again
// themselves, outside the timed window.
func (s *Session) Expiring(now time.Time) bool {
	t := s.token.Load()
	return t == nil || (!t.Expires.IsZero() && !now.Before(renewAt(t)))
}

// LoginNow logs s in (again) at once and counts it in the pool's stats. A
// failure is a *LoginError.
func (p *Pool) LoginNow(ctx context.Context, s *Session) error {
	return p.loginSession(ctx, s, s.Token() != nil)
}

// LoginURL is the URL the pool logs in at.
func (p *Pool) LoginURL() string { return p.loginURL }

// Run keeps the tokens fresh until ctx is done. A failed refresh keeps the
// old token and is retried after a back-off of 1 s doubling to 30 s. One
// Run at a time does the work (it owns the sessions' back-off): a second
// call while one runs returns at once, as when the steps of a sweep share
// the sweep's pool.
func (p *Pool) Run(ctx context.Context) {
	if len(p.sessions) == 0 || !p.running.CompareAndSwap(false, true) {
		return
	}
	defer p.running.Store(false)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		now := time.Now()
		next := now.Add(time.Hour)
		var due []*Session
		for _, s := range p.sessions {
			switch at := s.refreshAt(); {
			case at.IsZero():
			case !at.After(now):
				due = append(due, s)
			case at.Before(next):
				next = at
			}
		}
		if len(due) > 0 {
			p.refresh(ctx, due)
			continue
		}
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
			p.kickMu.Lock()
			before := p.kickAt
			p.kickMu.Unlock()
			// Re-login sessions whose token predates the rejected request, but
			// none more than once a second, so a server that rejects every
			// token does not get a login storm.
			var stale []*Session
			for _, s := range p.sessions {
				if t := s.token.Load(); t == nil || (t.Obtained.Before(before) && time.Since(t.Obtained) > time.Second) {
					stale = append(stale, s)
				}
			}
			p.refresh(ctx, stale)
		case <-timer.C:
		}
	}
}

// refresh logs ss in again; it runs only on the Run goroutine, which owns
// the sessions' back-off fields.
func (p *Pool) refresh(ctx context.Context, ss []*Session) {
	var mu sync.Mutex
	failed := map[*Session]bool{}
	p.loginAll(ctx, ss, true, func(s *Session, _ error) {
		mu.Lock()
		failed[s] = true
		mu.Unlock()
	})
	now := time.Now()
	for _, s := range ss {
		if failed[s] {
			s.backoff = min(max(2*s.backoff, time.Second), 30*time.Second)
			s.retryAt = now.Add(s.backoff)
		} else {
			s.backoff, s.retryAt = 0, time.Time{}
		}
	}
}
