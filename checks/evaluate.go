package checks

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Response is what a check sees of a response.
type Response struct {
	Code int
	// Body is the body as read: all of it, or its first bytes up to the
	// attacker's cap (attack.MaxBody).
	Body []byte
	// Size is the size of the whole body; 0 means len(Body).
	Size int64
	// Stream holds a streamed response's facts; nil when it did not
	// stream.
	Stream *Stream
}

// Stream is what a check sees of a streamed response.
type Stream struct {
	// Done: the stream ended with its done event ("data: [DONE]", or an
	// event named done, response.completed or message_stop); for a
	// chunked stream, the body was read to its end.
	Done   bool
	Tokens int
}

// Set is the checks of an endpoint, in the scenario's order: the indexes
// an Outcome names are indexes into it.
type Set []Check

// Names returns the display names of s, in order.
func (s Set) Names() []string {
	if len(s) == 0 {
		return nil
	}
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i].name
	}
	return out
}

// Outcome is the verdict of a Set on one response.
type Outcome struct {
	// Failed are the indexes of the checks that failed, in order; nil
	// when every check passed.
	Failed []int
	// Excerpt is a short excerpt of what made Failed[0] fail (the value
	// at its path, the body from the unwanted text, the status code…):
	// at most MaxExcerpt bytes of it, masked, control characters and
	// invalid UTF-8 replaced.
	Excerpt string
}

// OK reports whether every check passed.
func (o Outcome) OK() bool { return len(o.Failed) == 0 }

// MaxExcerpt is how many bytes of an offending value an Outcome quotes
// (input.MaxExcerpt), an ellipsis after them when cut.
const MaxExcerpt = 40

// maskWindow is how much of an offending value is masked before it is cut
// to an excerpt: a secret that starts within the excerpt is masked whole
// if it is shorter than this.
const maskWindow = 4096

// Evaluate runs every check of s on r. mask, when not nil, masks the
// secrets of the run (passwords, tokens) in the excerpt: it sees at most a
// few KiB of the offending value, never the whole body. Evaluate keeps no
// reference to r.Body. It allocates only when a check fails.
func (s Set) Evaluate(r *Response, mask func(string) string) Outcome {
	var o Outcome
	// The body as a string without a copy: gjson then returns values that
	// point into it, and only the excerpt, copied, outlives this call.
	body := unsafe.String(unsafe.SliceData(r.Body), len(r.Body))
	valid := -1 // whether body is JSON: unknown yet
	for i := range s {
		if s[i].pass(r, body, &valid) {
			continue
		}
		if o.Failed == nil {
			o.Failed = make([]int, 0, len(s)-i)
			o.Excerpt = excerpt(s[i].offending(r, body, valid == 1), mask)
		}
		o.Failed = append(o.Failed, i)
	}
	return o
}

// pass runs c on r, whose body is body; valid caches whether body is JSON
// (-1 unknown, 0 no, 1 yes).
func (c *Check) pass(r *Response, body string, valid *int) bool {
	switch c.kind {
	case kindStatus:
		code := r.Code
		if c.code < 10 {
			code /= 100
		}
		return code == c.code
	case kindContains:
		return bytes.Contains(r.Body, c.text)
	case kindLacks:
		return !bytes.Contains(r.Body, c.text)
	case kindMaxBody:
		return r.size() <= c.n
	case kindStreamDone:
		return r.Stream != nil && r.Stream.Done
	case kindMinTokens:
		return r.Stream != nil && int64(r.Stream.Tokens) >= c.n
	}
	// A JSON path.
	if *valid < 0 {
		*valid = 0
		if gjson.Valid(body) {
			*valid = 1
		}
	}
	if *valid == 0 {
		return false // not JSON, or cut by the cap
	}
	v := gjson.Get(body, c.path)
	switch c.kind {
	case kindPresent:
		return v.Exists()
	case kindAbsent:
		return !v.Exists()
	case kindNotEmpty:
		return notEmpty(v)
	case kindMinItems:
		if !v.IsArray() {
			return false
		}
		var n int64
		v.ForEach(func(_, _ gjson.Result) bool { n++; return n < c.n })
		return n >= c.n
	case kindMatches:
		if v.Type == gjson.String {
			return c.re.MatchString(v.Str)
		}
		return v.Exists() && c.re.MatchString(v.Raw)
	}
	return true
}

// offending returns what made c fail on r: the value at its path, the body
// from the unwanted text, the status code… valid says whether body is JSON.
func (c *Check) offending(r *Response, body string, valid bool) string {
	switch c.kind {
	case kindStatus:
		return strconv.Itoa(r.Code)
	case kindContains:
		return body
	case kindLacks:
		return body[max(bytes.Index(r.Body, c.text), 0):]
	case kindMaxBody:
		return strconv.FormatInt(r.size(), 10) + " bytes"
	case kindStreamDone, kindMinTokens:
		switch {
		case r.Stream == nil:
			return "not streamed"
		case c.kind == kindStreamDone:
			return "no done event after " + tokens(r.Stream.Tokens)
		}
		return tokens(r.Stream.Tokens)
	}
	if !valid {
		if r.size() > int64(len(r.Body)) {
			// The body was cut by the read cap: its start would look like
			// the answer the check wanted, not like why it failed.
			return "not JSON: cut at " + strconv.Itoa(len(r.Body)) + " of " + strconv.FormatInt(r.size(), 10) + " B"
		}
		return body
	}
	v := gjson.Get(body, c.path)
	switch {
	case !v.Exists():
		return body
	case v.Type == gjson.String && c.kind == kindMatches:
		return v.Str
	}
	return v.Raw
}

// size is the size of r's whole body.
func (r *Response) size() int64 {
	if r.Size > 0 {
		return r.Size
	}
	return int64(len(r.Body))
}

// notEmpty reports whether v exists and is not null, "", [] or {}.
func notEmpty(v gjson.Result) bool {
	switch v.Type {
	case gjson.Null:
		return false // also a missing path
	case gjson.String:
		return v.Str != ""
	case gjson.JSON:
		inner := strings.TrimSpace(v.Raw[1 : len(v.Raw)-1])
		return inner != ""
	}
	return true
}

func tokens(n int) string {
	if n == 1 {
		return "1 token"
	}
	return strconv.Itoa(n) + " tokens"
}

// excerpt masks the start of s, cuts it to MaxExcerpt bytes and replaces
// what would break a report line; the result is a copy.
func excerpt(s string, mask func(string) string) string {
	if len(s) > maskWindow {
		s = s[:maskWindow]
	}
	if mask != nil {
		s = mask(s)
	}
	s = cut(s, MaxExcerpt)
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.Clone(s))
}
