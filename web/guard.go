package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The page and its API can start load from this machine with the user's
// credentials, so every response is guarded three ways:
//   - Host: only a loopback name or address, the listen address, or a name
//     given in Config.Hosts. A page whose name an attacker rebinds to
//     127.0.0.1 (DNS rebinding) is same-origin in the browser's eyes, but
//     its requests still carry the attacker's name in Host.
//   - a token, per launch, in an Authorization: Bearer header on every API
//     call. Only the page opened from the URL ragload printed knows it; a
//     header (no cookie) means another site can neither read nor replay it.
//   - headers: a strict CSP (no inline script or style), no framing, no
//     sniffing, no referrer, no caching.

// contentSecurityPolicy is what the page may do: its own script, style and
// API, nothing inline, never in a frame.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// MinTokenLen is the shortest token a user may choose.
const MinTokenLen = 16

// EnvToken names the environment variable that can hold the dashboard's
// token (ragload web's --token).
const EnvToken = "RAGLOAD_WEB_TOKEN"

// NewToken returns a fresh random token: 256 bits from crypto/rand, in
// URL-safe base64 (43 characters).
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CheckToken says why a chosen token is unfit, never quoting it.
func CheckToken(tok string) error {
	if n := utf8.RuneCountInString(tok); n < MinTokenLen {
		return fmt.Errorf("want at least %d characters, got %d", MinTokenLen, n)
	}
	for _, c := range tok {
		if c <= ' ' || c > '~' {
			return errors.New("want printable ASCII characters without spaces")
		}
	}
	return nil
}

// securityHeaders are sent with every response, refused ones included.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// hostAllowed reports whether a request's Host names this dashboard: a
// loopback name or address with any port, or one of hosts (an exact
// host:port, or a name with any port).
func hostAllowed(host string, hosts []string) bool {
	host = strings.ToLower(host)
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	if name == "" {
		return false
	}
	if name == "localhost" {
		return true
	}
	if ip := net.ParseIP(name); ip != nil && ip.IsLoopback() {
		return true
	}
	for _, h := range hosts {
		h = strings.ToLower(h)
		if h == host || h == name || strings.Trim(h, "[]") == name {
			return true
		}
	}
	return false
}

// sameOrigin reports whether origin (an Origin header) is this page's:
// http or https on the request's own (already allowed) Host.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		strings.EqualFold(u.Host, host) && u.Path == "" && u.User == nil
}

// tokenSum is what tokens are compared by: equal-length digests compared
// in constant time leak neither the token nor its length.
func tokenSum(tok string) [sha256.Size]byte { return sha256.Sum256([]byte(tok)) }

// bearer returns the token of an Authorization: Bearer header, or "".
func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > len("Bearer ") && strings.EqualFold(a[:len("Bearer ")], "Bearer ") {
		return strings.TrimSpace(a[len("Bearer "):])
	}
	return ""
}

// api guards an API handler: the request comes from this server's own
// page (no foreign Origin, not a cross-site fetch) and carries the token.
func (s *Server) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
			writeError(w, http.StatusForbidden, fmt.Errorf("origin %q is not this dashboard", excerpt(o, 60)))
			return
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			writeError(w, http.StatusForbidden, errors.New("a cross-site request is not this dashboard's page"))
			return
		}
		got := bearer(r)
		sum := tokenSum(got)
		if got == "" || subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ragload web"`)
			what := "missing"
			if got != "" {
				what = "wrong"
			}
			// curl users get here first: say how the API takes the token.
			writeError(w, http.StatusUnauthorized, fmt.Errorf(`%s token: open the URL ragload web printed (it ends in /?token=…); `+
				`a client of the API sends that token as "Authorization: Bearer <token>", as the page does (the API does not read ?token=)`, what))
			return
		}
		h(w, r)
	}
}

// excerpt cuts s to at most n runes, marking the cut with "…".
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// quoted matches a Go-quoted string in an error message.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// maxQuoted and maxMessage bound what an error about a file can quote of
// it: a file's text must not travel back to the page whole.
const (
	maxQuoted  = 24  // runes of each quoted value
	maxMessage = 400 // runes of the whole message
)

// cutMessage shortens every quoted value in msg to a short excerpt, then
// msg itself: errors about a file the page named may quote its text.
func cutMessage(msg string) string {
	msg = quoted.ReplaceAllStringFunc(msg, func(q string) string {
		v, err := strconv.Unquote(q)
		if err != nil {
			v = q[1 : len(q)-1]
		}
		if utf8.RuneCountInString(v) <= maxQuoted {
			return q
		}
		return strconv.Quote(excerpt(v, maxQuoted))
	})
	return excerpt(msg, maxMessage)
}
