package auth

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ragload/ragload/results"
)

// A Token, a Session and a Pool print and log without the token's value (nor the
// session's password), whatever the verb: their fields are secrets a
// debugging Printf("%+v") or a slog call must not leak. The value can only
// be read on purpose, as Token.Value.

// Format prints the token with its value redacted, for every verb.
func (t Token) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "auth.Token{Value: %s, Obtained: %s, Expires: %s}", redacted(t.Value), stamp(t.Obtained), stamp(t.Expires))
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
		fmt.Fprintf(f, "&auth.Session{User: %q, Token: %s}", s.cred.Username, tok)
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
		fmt.Fprintf(f, "&auth.Pool{LoginURL: %q, Sessions: %#v}", results.RedactURL(p.loginURL), p.sessions)
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
// it back in, character by character and in any mix: as is; URL-encoded
// (%XX in either case for any byte, "+" for a space: Go's, Python's and
// JavaScript's encoders); JSON-escaped (\" \\ \/ \n… and \uXXXX in
// either case for any character, with surrogate pairs: Go's, Python's
// ensure_ascii, .NET's and PHP's); and HTML entities (&amp; &lt; &gt; &quot;
// &apos; and numeric ones such as &#39; &#039; &#x27;). So "naïve+1" is
// also masked as "na\u00efve\u002B1", "na%C3%AFve%2b1" and "na&#239;ve+1".
// It is the one place that masks passwords and tokens in messages; empty
// secrets are ignored. At each place the longest secret is tried first.
// It reads s once, trying the secrets only where one may start, and
// allocates only when it masks something. (An echo crafted so that many
// escapes may also stand for themselves, "%25" where the secret holds
// "%25" over and over, is left as is beyond a bounded amount of work.)
func Mask(s string, secrets ...string) string {
	secrets = slices.DeleteFunc(slices.Clone(secrets), func(x string) bool { return x == "" })
	if len(secrets) == 0 {
		return s
	}
	slices.SortStableFunc(secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	ms := make([]matcher, len(secrets))
	for k, secret := range secrets {
		ms[k] = matcher{s: s, secret: secret}
	}
	var starts [256]bool // the bytes a match can start with
	for _, c := range []byte("%\\&+") {
		starts[c] = true
	}
	for _, secret := range secrets {
		starts[secret[0]] = true
	}
	var b strings.Builder
	done := 0 // s[:done] is in b
	for i := 0; i < len(s); {
		end := -1
		if starts[s[i]] {
			for k := range ms {
				if end = ms[k].match(i); end > i {
					break
				}
			}
		}
		if end <= i {
			i++
			continue
		}
		b.WriteString(s[done:i])
		b.WriteString("***")
		i, done = end, end
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// matcher matches secret, in any of Mask's encodings, in s.
type matcher struct {
	s, secret string
	// steps is what is left of the work allowed for one match: an escape
	// that may also stand for itself ("%25" in s where the secret holds
	// "%25") makes match try both readings, and an echo crafted for it
	// could make that exponential.
	steps int
}

// match returns where the secret ends in s when it starts at byte i, or -1.
func (m *matcher) match(i int) int {
	m.steps = 4*len(m.secret) + 256
	return m.from(i, 0)
}

// from returns where the rest of the secret, from byte j on, ends in s
// when it is at byte i, or -1.
func (m *matcher) from(i, j int) int {
	for ; j < len(m.secret); m.steps-- {
		if i >= len(m.s) || m.steps <= 0 {
			return -1
		}
		c := m.s[i]
		d := decodeAt(m.s, i)
		switch {
		case c == '+' && (m.secret[j] == ' ' || m.secret[j] == '+'): // "+" is a space in forms
			i, j = i+1, j+1
			continue
		case d.width == 0: // a plain byte: only itself
			if c != m.secret[j] {
				return -1
			}
			i, j = i+1, j+1
			continue
		case c != m.secret[j]: // an escape, not standing for itself
			if !d.prefixOf(m.secret[j:]) {
				return -1
			}
			i, j = i+d.width, j+d.n
			continue
		}
		// An escape that may also stand for itself: try both.
		if d.prefixOf(m.secret[j:]) {
			if end := m.from(i+d.width, j+d.n); end >= 0 {
				return end
			}
		}
		i, j = i+1, j+1
	}
	return i
}

// decoded is the bytes an escape stands for (a character at most) and how
// long the escape is; width 0 when there is no escape.
type decoded struct {
	b        [utf8.UTFMax]byte
	n, width int
}

func (d decoded) prefixOf(s string) bool {
	return len(s) >= d.n && string(d.b[:d.n]) == s[:d.n]
}

func decodedRune(r rune, width int) decoded {
	d := decoded{width: width}
	d.n = utf8.EncodeRune(d.b[:], r)
	return d
}

func decodedByte(c byte, width int) decoded {
	return decoded{b: [utf8.UTFMax]byte{c}, n: 1, width: width}
}

// decodeAt decodes the escape that starts at s[i] (see Mask).
func decodeAt(s string, i int) decoded {
	rest := s[i:]
	switch rest[0] {
	case '%':
		if len(rest) >= 3 {
			if v, ok := hexValue(rest[1:3]); ok {
				return decodedByte(byte(v), 3)
			}
		}
	case '\\':
		if len(rest) < 2 {
			break
		}
		switch rest[1] {
		case '"', '\\', '/':
			return decodedByte(rest[1], 2)
		case 'b':
			return decodedByte('\b', 2)
		case 'f':
			return decodedByte('\f', 2)
		case 'n':
			return decodedByte('\n', 2)
		case 'r':
			return decodedByte('\r', 2)
		case 't':
			return decodedByte('\t', 2)
		case 'u':
			r, ok := u4(rest)
			if !ok {
				break
			}
			if utf16.IsSurrogate(r) {
				if r2, ok := u4(rest[min(6, len(rest)):]); ok {
					if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
						return decodedRune(p, 12)
					}
				}
				break
			}
			return decodedRune(r, 6)
		}
	case '&':
		end := strings.IndexByte(rest[:min(len(rest), 12)], ';')
		if end < 0 {
			break
		}
		name := rest[1:end]
		if c, ok := htmlEntities[name]; ok {
			return decodedByte(c, end+1)
		}
		if len(name) < 2 || name[0] != '#' {
			break
		}
		var v uint64
		var err error
		if name[1] == 'x' || name[1] == 'X' {
			v, err = strconv.ParseUint(name[2:], 16, 32)
		} else {
			v, err = strconv.ParseUint(name[1:], 10, 32)
		}
		if err == nil && v <= unicode.MaxRune && utf8.ValidRune(rune(v)) {
			return decodedRune(rune(v), end+1)
		}
	}
	return decoded{}
}

// u4 decodes the \uXXXX at the start of s.
func u4(s string) (rune, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	hi, ok1 := hexValue(s[2:4])
	lo, ok2 := hexValue(s[4:6])
	return rune(hi)<<8 | rune(lo), ok1 && ok2
}

// hexValue is the value of two hex digits, in either case.
func hexValue(s string) (int, bool) {
	v := 0
	for i := range 2 {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | int(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// htmlEntities are the named entities HTML escapers write.
var htmlEntities = map[string]byte{"amp": '&', "lt": '<', "gt": '>', "quot": '"', "apos": '\''}
