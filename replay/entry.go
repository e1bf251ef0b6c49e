package replay

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/results/journey"
	"github.com/ragload/ragload/targets"
)

// Entry is one recorded request. Entries handed out by a Source may share
// their Header map and Body with other entries: treat them as read-only.
type Entry struct {
	// Offset is when the request was sent, from the start of the recording.
	Offset time.Duration
	// Endpoint is the logical name ("/query (basic)"); it may be empty.
	Endpoint string
	// Method is the HTTP method.
	Method string
	// URL is the path and query; replay joins it to the target's base URL.
	URL string
	// Auth says that the original request carried credentials: replay sends
	// its own token with it. The credentials themselves are never stored.
	Auth bool
	// Header holds the request headers without credentials (see
	// StripCredentials; a stream is written without StripSecrets' either).
	Header http.Header
	// Body is the request body; nil when there is none.
	Body []byte

	// Session, when set, is the journey instance the request belongs to,
	// "<journey>/<instance>" ("conversation/17"): replay sends a session's
	// requests in order, each after the previous one's response. Step is
	// the request's step in its journey (from 0, as journey.Header).
	Session string
	Step    int
	// Saves are the values the step saved from its response, with where
	// from; replay saves them again from its own responses.
	Saves []Save
	// Uses are the values of earlier saves of the session the request
	// used, by variable: replay puts its own values in their place.
	Uses map[string]string
	// End is set on the last request of a journey: "ok", or why the journey
	// failed (journey.SetEnd); "" on the others.
	End string
}

// Save is a value a journey step saved from its response: the variable,
// where from (a JSON path, or "header:Name": targets.Save's From) and the
// recorded value ("" when its source looks secret: see SecretSource).
type Save struct{ Var, From, Value string }

var (
	_ json.Marshaler   = Entry{}
	_ json.Unmarshaler = (*Entry)(nil)
)

// wireEntry is an Entry as one line of a stream file.
type wireEntry struct {
	OffsetUS   *int64      `json:"offset_us"`
	Endpoint   string      `json:"endpoint"`
	Method     string      `json:"method"`
	URL        string      `json:"url"`
	Auth       bool        `json:"auth"`
	Header     http.Header `json:"headers,omitempty"`
	Body       *string     `json:"body,omitempty"`
	BodyBase64 *string     `json:"body_base64,omitempty"`

	Session string            `json:"session,omitempty"`
	Step    int               `json:"step,omitempty"`
	Saves   []wireSave        `json:"saves,omitempty"`
	Uses    map[string]string `json:"uses,omitempty"`
	End     string            `json:"end,omitempty"`
}

// wireSave is a Save in a stream file.
type wireSave struct {
	Var   string `json:"var"`
	From  string `json:"from"`
	Value string `json:"value,omitempty"`
}

// Bounds of an entry's journey fields, so that a hand-written stream
// stays small in memory whatever it says.
const (
	maxSession = 256 // bytes of a session, and of an end
	maxUses    = 64  // variables a request uses
	maxFrom    = 1024
)

// maxOffsetUS keeps offset_us × 1000 within a time.Duration.
const maxOffsetUS = math.MaxInt64 / int64(time.Microsecond)

func (e *Entry) wire() wireEntry {
	us := e.Offset.Microseconds()
	w := wireEntry{OffsetUS: &us, Endpoint: e.Endpoint, Method: e.Method, URL: e.URL, Auth: e.Auth, Header: e.Header,
		Session: e.Session, Step: e.Step, Uses: e.Uses, End: e.End}
	if len(w.Header) == 0 {
		w.Header = nil
	}
	if len(w.Uses) == 0 {
		w.Uses = nil
	}
	for _, sv := range e.Saves {
		w.Saves = append(w.Saves, wireSave(sv))
	}
	if len(e.Body) > 0 {
		if utf8.Valid(e.Body) {
			s := string(e.Body)
			w.Body = &s
		} else {
			s := base64.StdEncoding.EncodeToString(e.Body)
			w.BodyBase64 = &s
		}
	}
	return w
}

// MarshalJSON writes e as one line of the stream format (see the package
// documentation), without the newline. The offset is truncated to whole
// microseconds and the headers that may carry secrets are left out
// (StripSecrets), as are the values saved from a secret-looking source
// (StripSecretSaves).
func (e Entry) MarshalJSON() ([]byte, error) {
	e.Header = StripSecrets(e.Header)
	e.Saves = StripSecretSaves(e.Saves)
	if err := e.validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e.wire()); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads one line of the stream format and validates it.
// Credential headers, should a hand-written file hold any, are dropped.
func (e *Entry) UnmarshalJSON(data []byte) error {
	d, err := decodeEntry(data)
	if err != nil {
		return err
	}
	*e = d
	return nil
}

// decodeEntry parses and validates one line of a stream file. Its errors
// are *fieldError values where a field is at fault.
func decodeEntry(line []byte) (Entry, error) {
	var w wireEntry
	if err := json.Unmarshal(line, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Entry{}, &fieldError{input.Excerpt(te.Field), fmt.Errorf("%s is not a valid %s", input.Excerpt(te.Value), te.Type)}
		}
		return Entry{}, fmt.Errorf("invalid JSON: %w", input.CutError(err))
	}
	if w.OffsetUS == nil {
		return Entry{}, &fieldError{"offset_us", errors.New("missing")}
	}
	switch us := *w.OffsetUS; {
	case us < 0:
		return Entry{}, &fieldError{"offset_us", fmt.Errorf("%d is negative", us)}
	case us > maxOffsetUS:
		return Entry{}, &fieldError{"offset_us", fmt.Errorf("%d is too large", us)}
	}
	e := Entry{
		Offset: time.Duration(*w.OffsetUS) * time.Microsecond, Endpoint: w.Endpoint,
		Method: w.Method, URL: w.URL, Auth: w.Auth,
		Session: w.Session, Step: w.Step, End: w.End,
	}
	if len(w.Uses) > 0 {
		e.Uses = w.Uses
	}
	for _, sv := range w.Saves {
		e.Saves = append(e.Saves, Save(sv))
	}
	switch {
	case w.Body != nil && w.BodyBase64 != nil:
		return Entry{}, &fieldError{"body", errors.New("body and body_base64 are mutually exclusive")}
	case w.Body != nil && *w.Body != "":
		e.Body = []byte(*w.Body)
	case w.BodyBase64 != nil && *w.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(*w.BodyBase64)
		if err != nil {
			return Entry{}, &fieldError{"body_base64", err}
		}
		e.Body = b
	}
	if len(w.Header) > 0 {
		e.Header = make(http.Header, len(w.Header))
		for _, k := range slices.Sorted(maps.Keys(w.Header)) { // sorted: "a" and "A" merge in one order
			ck := http.CanonicalHeaderKey(k)
			e.Header[ck] = append(e.Header[ck], w.Header[k]...)
		}
		e.Header = StripCredentials(e.Header)
	}
	if err := e.validate(); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// validate checks what a request needs to be sent again.
func (e *Entry) validate() error {
	switch {
	case e.Offset < 0:
		return &fieldError{"offset_us", fmt.Errorf("%d is negative", e.Offset.Microseconds())}
	case e.Method == "":
		return &fieldError{"method", errors.New("missing")}
	case !isToken(e.Method):
		return &fieldError{"method", fmt.Errorf("%s is not a valid HTTP method", input.Quote(e.Method))}
	case e.URL == "":
		return &fieldError{"url", errors.New("missing")}
	case !strings.HasPrefix(e.URL, "/"):
		return &fieldError{"url", fmt.Errorf("%s must start with /", input.Quote(e.URL))}
	case strings.IndexFunc(e.URL, isControl) >= 0:
		return &fieldError{"url", fmt.Errorf("%s holds a control character", input.Quote(e.URL))}
	}
	if _, err := url.Parse(e.URL); err != nil {
		return &fieldError{"url", fmt.Errorf("%s: %w", input.Quote(e.URL), input.CutError(errors.Unwrap(err)))}
	}
	if err := e.validateJourney(); err != nil {
		return err
	}
	for k, vs := range e.Header {
		if !isToken(k) {
			return &fieldError{"headers", fmt.Errorf("%s is not a valid header name", input.Quote(k))}
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return &fieldError{"headers", fmt.Errorf("%s: the value holds a line break or NUL", input.Excerpt(k))}
			}
		}
	}
	return nil
}

// validateJourney checks the journey fields: all of them belong to a
// session; each is bounded.
func (e *Entry) validateJourney() error {
	if e.Session == "" {
		switch {
		case e.Step != 0:
			return &fieldError{"step", errors.New("needs a session")}
		case len(e.Saves) > 0:
			return &fieldError{"saves", errors.New("needs a session")}
		case len(e.Uses) > 0:
			return &fieldError{"uses", errors.New("needs a session")}
		case e.End != "":
			return &fieldError{"end", errors.New("needs a session")}
		}
		return nil
	}
	if err := checkText(e.Session); err != nil {
		return &fieldError{"session", err}
	}
	if name := SessionJourney(e.Session); !journey.ValidName(name) {
		return &fieldError{"session", fmt.Errorf("%s is not a journey's name (1 to %d bytes before the first /)", input.Quote(name), journey.MaxNameBytes)}
	}
	if e.End != "" {
		if err := checkText(e.End); err != nil {
			return &fieldError{"end", err}
		}
	}
	if e.Step < 0 || e.Step >= targets.MaxSteps {
		return &fieldError{"step", fmt.Errorf("%d is not in [0, %d)", e.Step, targets.MaxSteps)}
	}
	if len(e.Saves) > targets.MaxSaves {
		return &fieldError{"saves", fmt.Errorf("%d saves, at most %d", len(e.Saves), targets.MaxSaves)}
	}
	for _, sv := range e.Saves {
		switch {
		case !targets.ValidVarName(sv.Var):
			return &fieldError{"saves", fmt.Errorf("%s is not a variable name", input.Quote(sv.Var))}
		case sv.From == "" || len(sv.From) > maxFrom:
			return &fieldError{"saves", fmt.Errorf("%s: from must hold 1 to %d bytes", sv.Var, maxFrom)}
		case len(sv.Value) > targets.MaxVarValue:
			return &fieldError{"saves", fmt.Errorf("%s: the value is longer than %d bytes", sv.Var, targets.MaxVarValue)}
		}
	}
	if len(e.Uses) > maxUses {
		return &fieldError{"uses", fmt.Errorf("%d variables, at most %d", len(e.Uses), maxUses)}
	}
	for k, v := range e.Uses {
		switch {
		case !targets.ValidVarName(k):
			return &fieldError{"uses", fmt.Errorf("%s is not a variable name", input.Quote(k))}
		case len(v) > targets.MaxVarValue:
			return &fieldError{"uses", fmt.Errorf("%s: the value is longer than %d bytes", k, targets.MaxVarValue)}
		}
	}
	return nil
}

// checkText checks a session or an end: at most maxSession bytes, no
// control character.
func checkText(s string) error {
	switch {
	case len(s) > maxSession:
		return fmt.Errorf("longer than %d bytes", maxSession)
	case strings.IndexFunc(s, isControl) >= 0:
		return fmt.Errorf("%s holds a control character", input.Quote(s))
	}
	return nil
}

// fieldError is a problem with one field of a line.
type fieldError struct {
	Field string
	Err   error
}

func (e *fieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *fieldError) Unwrap() error { return e.Err }

// isToken reports whether s is an HTTP token (RFC 9110): a method or a
// header name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// StripCredentials returns h without the headers that carry credentials or
// belong to vegeta: Authorization, Proxy-Authorization, Cookie and X-Vegeta-*
// (compared case-insensitively). h itself is not modified; it is returned
// as is when there is nothing to drop.
func StripCredentials(h http.Header) http.Header { return without(h, isCredential) }

// StripSecrets returns h without the headers StripCredentials drops, the
// headers whose name says they may carry a secret (targets.SecretHeader:
// X-Api-Key, X-Auth-Token, Set-Cookie, ...) and the headers named in
// extra (compared case-insensitively). A stream is written without them.
// h itself is not modified; it is returned as is when there is nothing to
// drop.
func StripSecrets(h http.Header, extra ...string) http.Header {
	return without(h, func(k string) bool {
		return isCredential(k) || targets.SecretHeader(k) || slices.ContainsFunc(extra, func(x string) bool { return strings.EqualFold(x, k) })
	})
}

// without returns h without the headers drop says to drop; h itself is not
// modified, and is returned as is when there is nothing to drop.
func without(h http.Header, drop func(string) bool) http.Header {
	n := 0
	for k := range h {
		if drop(k) {
			n++
		}
	}
	if n == 0 {
		return h
	}
	out := make(http.Header, len(h)-n)
	for k, vs := range h {
		if !drop(k) {
			out[k] = vs
		}
	}
	return out
}

func isCredential(k string) bool {
	return strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Proxy-Authorization") ||
		strings.EqualFold(k, "Cookie") || len(k) >= 9 && strings.EqualFold(k[:9], "X-Vegeta-")
}
