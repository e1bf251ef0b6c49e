package targets

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ragload/ragload/results"
)

// A Token, a Session and a Pool print and log without the token's value (nor the
// session's password), whatever the verb: their fields are secrets a
// debugging Printf("%+v") or a slog call must not leak. The value can only
// be read on purpose, as Token.Value.

// Format prints the token with its value redacted, for every verb.
func (t Token) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "targets.Token{Value: %s, Obtained: %s, Expires: %s}", redacted(t.Value), stamp(t.Obtained), stamp(t.Expires))
		return
	}
	fmt.Fprintf(f, "{Value:%s Obtained:%s Expires:%s}", redacted(t.Value), stamp(t.Obtained), stamp(t.Expires))
}

// LogValue logs the token's times, not its value.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("value", redacted(t.Value)), slog.Time("obtained", t.Obtained), slog.Time("expires", t.Expires))
}

// Format prints the session's user and token, without the password or the
// token's value, for every verb.
func (s *Session) Format(f fmt.State, verb rune) {
	if s == nil {
		io.WriteString(f, "<nil>")
		return
	}
	tok := "<none>"
	if t := s.Token(); t != nil {
		tok = fmt.Sprintf("%v", *t)
	}
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "&targets.Session{User: %q, Token: %s}", s.cred.Username, tok)
		return
	}
	fmt.Fprintf(f, "&{User:%s Token:%s}", s.cred.Username, tok)
}

// LogValue logs the session's user and when its token expires.
func (s *Session) LogValue() slog.Value {
	if s == nil {
		return slog.StringValue("<nil>")
	}
	attrs := []slog.Attr{slog.String("user", s.cred.Username)}
	if t := s.Token(); t != nil {
		attrs = append(attrs, slog.Time("expires", t.Expires))
	}
	return slog.GroupValue(attrs...)
}

// Format prints where the pool logs in and its sessions, for every verb
// (its sessions print as above).
func (p *Pool) Format(f fmt.State, verb rune) {
	if p == nil {
		io.WriteString(f, "<nil>")
		return
	}
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "&targets.Pool{LoginURL: %q, Sessions: %#v}", results.RedactURL(p.loginURL), p.sessions)
		return
	}
	fmt.Fprintf(f, "&{LoginURL:%s Sessions:%v}", results.RedactURL(p.loginURL), p.sessions)
}

// redacted stands for a secret: only whether there is one and its length.
func redacted(secret string) string {
	if secret == "" {
		return `""`
	}
	return fmt.Sprintf("[redacted %d bytes]", len(secret))
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return t.Format(time.RFC3339)
}

// Mask replaces every secret in s with "***", in each form a server may echo
// it back in: as is, URL-encoded (form and path escaping, so "a b&c!"
// also as "a+b%26c%21" and "a%20b&c%21"), and JSON-escaped (with and
// without Go's HTML escaping, so "a<b" also as "a\u003cb"). It is the one
// place that masks passwords and tokens in messages; empty secrets are
// ignored. Longer forms are replaced first, so that no form is left half
// masked by a shorter one.
func Mask(s string, secrets ...string) string {
	var forms []string
	for _, secret := range secrets {
		if secret != "" {
			forms = append(forms, secretForms(secret)...)
		}
	}
	if len(forms) == 0 {
		return s
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	for _, f := range slices.Compact(forms) {
		s = strings.ReplaceAll(s, f, "***")
	}
	return s
}

// secretForms are the ways secret can be written in a message (see Mask).
func secretForms(secret string) []string {
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret)}
	for _, html := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(secret) == nil { // a string always encodes
			q := strings.TrimSpace(b.String())
			forms = append(forms, q[1:len(q)-1]) // without the quotes
		}
	}
	// Lower-case percent escapes ("%2f") are as valid as upper-case ones.
	for _, f := range forms[1:3] {
		if l := lowerEscapes(f); l != f {
			forms = append(forms, l)
		}
	}
	return forms
}

// lowerEscapes writes the hex digits of s's percent escapes in lower case.
func lowerEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerHex(b[i+1]), lowerHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// SecretHeader reports whether a request header of this name may carry a
// credential. The rule, case-insensitive: a name that contains "auth"
// (Authorization, Proxy-Authorization, X-Auth-Token, X-Auth-Key),
// "cookie" (Cookie, Set-Cookie), "token" (X-Access-Token, X-Csrf-Token,
// X-Amz-Security-Token), "secret", "passw", "credential", "api-key",
// "apikey" or "api_key" (X-Api-Key, Api-Key). Recordings drop such
// headers, and a redirect to another host loses them.
func SecretHeader(name string) bool {
	for _, w := range secretWords {
		if containsFold(name, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word w,
// in any case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

var secretWords = []string{"auth", "cookie", "token", "secret", "passw", "credential", "api-key", "apikey", "api_key"}
