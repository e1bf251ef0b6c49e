package targets

import (
	"fmt"
	"io"
	"log/slog"
	"time"
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
		fmt.Fprintf(f, "&targets.Pool{LoginURL: %q, Sessions: %#v}", p.loginURL, p.sessions)
		return
	}
	fmt.Fprintf(f, "&{LoginURL:%s Sessions:%v}", p.loginURL, p.sessions)
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
