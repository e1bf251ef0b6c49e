package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
)

// Token is an access token in hand.
type Token struct {
	Value    string
	Obtained time.Time
	// Expires is the JWT exp claim, or now+expires_in from the login
	// response; zero when neither says (then only a 401 triggers a refresh).
	Expires time.Time
	// ClockOffset is the server's clock minus ours, from the response's
	// Date header (to about half a second); ok is false without one.
	ClockOffset   time.Duration
	ClockOffsetOK bool
}

// LoginError is a failed login. Its message names the user and the URL,
// never the password (it is masked even where the server echoes it, see
// Mask) nor the URL's userinfo.
type LoginError struct {
	User   string
	URL    string // userinfo redacted
	Status string // HTTP status line; empty on a transport error
	Code   int    // HTTP status code; 0 on a transport error
	Detail string
	Err    error
}

func (e *LoginError) Error() string {
	msg := fmt.Sprintf("login as %q at %s", e.User, e.URL)
	switch {
	case e.Err != nil:
		msg += ": " + e.Err.Error()
		if errors.Is(e.Err, syscall.ECONNREFUSED) {
			msg += " (is the server running?)"
		}
	case e.Status != "":
		msg += ": " + e.Status
		if e.Detail != "" {
			msg += ": " + e.Detail
		}
	default:
		msg += ": " + e.Detail
	}
	return msg
}

func (e *LoginError) Unwrap() error { return e.Err }

// login posts the form login once and returns the token. It follows
// redirects on the login's own server only (see RedirectError).
func login(ctx context.Context, client *http.Client, loginURL string, a targets.Auth, c Credential) (*Token, error) {
	code := 0
	fail := func(status, detail string, err error) error {
		detail = Mask(detail, c.Password)
		if err != nil && Mask(err.Error(), c.Password) != err.Error() {
			err = errors.New(Mask(err.Error(), c.Password)) // the cause is lost, not the password
		}
		return &LoginError{User: c.Username, URL: results.RedactURL(loginURL), Status: status, Code: code, Detail: detail, Err: err}
	}
	cl := *client // a copy: the run's client may follow redirects elsewhere
	cl.CheckRedirect = sameServer("the password would go there", "the login would end there")
	client = &cl
	form := url.Values{a.UsernameField: {c.Username}, a.PasswordField: {c.Password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, loginURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fail("", "", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	sent := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in our message already
		}
		return nil, fail("", "", err)
	}
	defer resp.Body.Close()
	code = resp.StatusCode
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fail(resp.Status, "", fmt.Errorf("read response: %w", err))
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		// BodyExcerpt masks before it cuts, so a password across the cut is masked too.
		return nil, fail(resp.Status, BodyExcerpt(body, c.Password), nil)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fail(resp.Status, "response is not JSON", nil)
	}
	v, ok := lookup(doc, a.TokenField).(string)
	if !ok || v == "" {
		return nil, fail(resp.Status, fmt.Sprintf("response has no string field %q (fields: %s)", a.TokenField, strings.Join(slices.Sorted(maps.Keys(doc)), ", ")), nil)
	}
	now := time.Now()
	t := &Token{Value: v, Obtained: now, Expires: jwtExpiry(v)}
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		// Date has whole seconds: its middle is half a second later.
		mid := sent.Add(now.Sub(sent) / 2)
		t.ClockOffset, t.ClockOffsetOK = date.Add(500*time.Millisecond).Sub(mid), true
	}
	if t.Expires.IsZero() {
		if secs, ok := doc["expires_in"].(float64); ok && secs > 0 {
			t.Expires = now.Add(time.Duration(secs * float64(time.Second)))
		}
	}
	return t, nil
}

// maxRedirects is how many redirects a request follows, as Go's and
// vegeta's clients do by default.
const maxRedirects = 10

// RedirectError is a redirect refused because it leaves the server the
// request was for: another scheme, host or port (http to https on the same
// host name and the default port is allowed), or https to http.
type RedirectError struct {
	To   string // where it leads, userinfo redacted and query left out
	Why  string // "another host" or "from https to http"
	What string // what following it would do, e.g. "the password would go there"
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("refused to follow a redirect to %s (%s): %s", e.To, e.Why, e.What)
}

// sameServer is a CheckRedirect that follows redirects on the first
// request's server only and refuses others with a *RedirectError whose
// What is resent (a 307 or 308, which send the body again) or moved
// (other redirects, which drop it).
func sameServer(resent, moved string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		why := leaves(via[0].URL, req.URL)
		if why == "" {
			return nil
		}
		what := moved
		if r := req.Response; r != nil && (r.StatusCode == http.StatusTemporaryRedirect || r.StatusCode == http.StatusPermanentRedirect) {
			what = resent
		}
		return &RedirectError{To: shownURL(req.URL), Why: why, What: what}
	}
}

// CheckRedirect is the redirect policy of the clients that send load: it
// follows up to 10 redirects, as Go's default does, but a redirect that
// leaves the first request's server (see RedirectError) loses the headers
// that may carry credentials (targets.SecretHeader), so a token never follows the
// load to another host, nor in clear text from https to http. (Go itself
// drops only Authorization and Cookie, and only for another host name:
// not for another port, nor from https to http.) RedirectPolicy also drops
// the headers a scenario marks secret.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	return checkRedirect(req, via, nil)
}

// RedirectPolicy is CheckRedirect that also drops the headers named in
// extra (compared case-insensitively: a scenario's secret_headers) when a
// redirect leaves the server.
func RedirectPolicy(extra ...string) func(*http.Request, []*http.Request) error {
	extra = slices.Clone(extra)
	return func(req *http.Request, via []*http.Request) error {
		return checkRedirect(req, via, extra)
	}
}

func checkRedirect(req *http.Request, via []*http.Request, extra []string) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if leaves(via[0].URL, req.URL) != "" {
		for k := range req.Header {
			if targets.SecretHeader(k) || slices.ContainsFunc(extra, func(x string) bool { return strings.EqualFold(x, k) }) {
				delete(req.Header, k)
			}
		}
	}
	return nil
}

// RefuseOtherHosts returns a copy of client that refuses redirects to
// another server (see RedirectError); what says what following one would
// do, e.g. "the password would go there".
func RefuseOtherHosts(client *http.Client, what string) *http.Client {
	cl := *client
	cl.CheckRedirect = sameServer(what, what)
	return &cl
}

// leaves says how a redirect from from to to leaves from's server: ""
// when it does not.
func leaves(from, to *url.URL) string {
	switch {
	case from.Scheme == "https" && to.Scheme != "https":
		return "from https to http"
	case !strings.EqualFold(from.Hostname(), to.Hostname()):
		return "another host"
	case from.Scheme == to.Scheme && port(from) == port(to):
		return ""
	case from.Scheme == "http" && to.Scheme == "https" && port(to) == "443":
		return "" // an upgrade to TLS on the same host
	}
	return "another host"
}

// port is u's port, or its scheme's default.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch u.Scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// shownURL is u for a message: userinfo redacted, query and fragment
// left out (they may hold secrets of their own).
func shownURL(u *url.URL) string {
	cp := *u
	query := cp.RawQuery != "" || cp.ForceQuery
	cp.RawQuery, cp.ForceQuery, cp.Fragment, cp.RawFragment = "", false, "", ""
	s := results.RedactURL(cp.String())
	if query {
		s += "?…"
	}
	return s
}

// CleartextWarning returns a warning when credentials sent to the API at
// base would cross the network in clear text (an http:// URL whose host is
// not loopback), and "" otherwise. Host names other than localhost are not
// resolved: a name is not loopback.
func CleartextWarning(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || loopback(u.Hostname()) {
		return ""
	}
	return fmt.Sprintf("credentials go over plain HTTP to %s, which is not loopback: anyone on the way can read the passwords and tokens (use https://)", u.Host)
}

// loopback reports whether host names this machine: localhost (and
// *.localhost), 127.0.0.0/8 or ::1.
func loopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// lookup follows a dotted path through nested JSON objects.
func lookup(doc map[string]any, path string) any {
	var cur any = doc
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// jwtExpiry reads the exp claim of a JWT without verifying it (the client
// only needs to know when to log in again); zero if t is not a JWT.
func jwtExpiry(t string) time.Time {
	parts := strings.Split(t, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp <= 0 {
		return time.Time{}
	}
	sec := int64(claims.Exp)
	return time.Unix(sec, int64((claims.Exp-float64(sec))*1e9))
}

// BodyExcerpt is the start of a response body for a message: trimmed, cut
// after 200 bytes, with the secrets masked (see Mask).
func BodyExcerpt(body []byte, secrets ...string) string {
	s := strings.TrimSpace(Mask(string(body), secrets...))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
