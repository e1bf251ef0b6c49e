// Package checks judges responses by what they say, not only by their
// status: a RAG service under load rarely answers 500, it answers 200 with
// no sources, a canned "I couldn't find that", or a stream cut after three
// tokens. A scenario declares checks per endpoint (Spec, as written);
// Compile turns them into a Set, whose Evaluate runs on every response as
// it is read and returns the indexes of the checks that failed and a short,
// masked excerpt of what made the first one fail.
//
// JSON paths are gjson paths (github.com/tidwall/gjson: "answer",
// "sources.0.title", "data.items.#"), read from the raw body without
// unmarshalling it.
//
// Where things live:
//
//	checks.go    Spec, Check, Compile, the display names
//	evaluate.go  Response, Set.Evaluate, Outcome, the excerpts
//	size.go      ParseSize ("1MB", "512KiB", "4096")
//	result.go    Record, Recorded: the failed checks in a result's headers
package checks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/ragload/ragload/internal/input"
)

// Spec is a check as a scenario writes it: one kind (Status, JSON,
// BodyContains, BodyNotContains, MaxBody, StreamDone or MinTokens) and,
// with JSON, at most one of Present, NotEmpty, MinItems and Matches
// (none means Present). A nil field is one the scenario did not write.
type Spec struct {
	// Name overrides the derived display name (see Check.Name).
	Name string

	// Status is a status code ("200") or class ("2xx").
	Status *string

	// JSON is a gjson path into the body ("answer", "sources.0.id").
	JSON *string
	// Present: the path exists (true, the default) or does not (false).
	Present *bool
	// NotEmpty: the value exists and is not null, "", [] or {}.
	NotEmpty *bool
	// MinItems: the value is a list of at least that many items.
	MinItems *int
	// Matches: the value (a string's text, or the raw JSON of any other
	// value) matches this regular expression (Go's RE2 syntax).
	Matches *string

	// BodyContains and BodyNotContains: the body (as read, up to the
	// attacker's cap) holds, or does not hold, this text.
	BodyContains, BodyNotContains *string
	// MaxBody is the largest body allowed: "4096", "1MB", "512KiB".
	MaxBody *string

	// StreamDone: a streamed response ended with its done event ("data:
	// [DONE]", or an event named done, response.completed or
	// message_stop); a chunked stream, with its end.
	StreamDone *bool
	// MinTokens: a streamed response carried at least that many tokens.
	MinTokens *int
}

// Kinds are the keys that start a check, in the order the scenario
// documentation lists them; JSONPredicates the keys that go with json.
var (
	Kinds          = []string{"status", "json", "body_contains", "body_not_contains", "max_body", "stream_done", "min_tokens"}
	JSONPredicates = []string{"present", "not_empty", "min_items", "matches"}
)

type kind uint8

const (
	kindStatus kind = iota + 1
	kindPresent
	kindAbsent
	kindNotEmpty
	kindMinItems
	kindMatches
	kindContains
	kindLacks
	kindMaxBody
	kindStreamDone
	kindMinTokens
)

// Check is a compiled check. The zero value is not useful; use Compile.
type Check struct {
	name string
	kind kind
	code int // kindStatus: the code, or the class (2 for 2xx)
	path string
	n    int64 // min_items, max_body, min_tokens
	re   *regexp.Regexp
	text []byte // body_contains, body_not_contains
}

// Name is the check's display name: Spec.Name, or one derived from the
// check such as "status 2xx", "answer not empty", "sources ≥ 1 item",
// `body lacks "I couldn't find"`, "stream done" or "≥ 5 tokens".
func (c *Check) Name() string { return c.name }

// Stream reports whether the check is about a stream (stream_done,
// min_tokens), so it needs the stream's facts.
func (c *Check) Stream() bool { return c.kind == kindStreamDone || c.kind == kindMinTokens }

// maxNameText is how much of a path or text a derived name quotes.
const maxNameText = 32

// Compile checks a Spec and compiles it. Its errors start with the field
// they are about ("min_items: want an integer ≥ 1, got 0"), so a parser
// can place them at that field's line; they quote at most an excerpt.
func Compile(s Spec) (Check, error) {
	var c Check
	var set []string
	for _, k := range []struct {
		name string
		on   bool
	}{{"status", s.Status != nil}, {"json", s.JSON != nil}, {"body_contains", s.BodyContains != nil},
		{"body_not_contains", s.BodyNotContains != nil}, {"max_body", s.MaxBody != nil},
		{"stream_done", s.StreamDone != nil}, {"min_tokens", s.MinTokens != nil}} {
		if k.on {
			set = append(set, k.name)
		}
	}
	var preds []string
	for _, p := range []struct {
		name string
		on   bool
	}{{"present", s.Present != nil}, {"not_empty", s.NotEmpty != nil}, {"min_items", s.MinItems != nil}, {"matches", s.Matches != nil}} {
		if p.on {
			preds = append(preds, p.name)
		}
	}
	switch {
	case len(set) == 0 && len(preds) > 0:
		return c, fmt.Errorf("%s: goes with json (json: PATH)", preds[0])
	case len(set) == 0:
		return c, fmt.Errorf("empty check; want one of %s", strings.Join(Kinds, ", "))
	case len(set) > 1:
		return c, fmt.Errorf("%s: one check per item; %s is set too (write two items)", set[1], set[0])
	case set[0] != "json" && len(preds) > 0:
		return c, fmt.Errorf("%s: goes with json, not %s", preds[0], set[0])
	case len(preds) > 1:
		return c, fmt.Errorf("%s: one of %s per check; %s is set too", preds[1], strings.Join(JSONPredicates, ", "), preds[0])
	}
	var err error
	switch set[0] {
	case "status":
		err = c.status(*s.Status)
	case "json":
		err = c.json(s)
	case "body_contains", "body_not_contains":
		text, field := s.BodyContains, set[0]
		c.kind, c.name = kindContains, "body has "
		if s.BodyNotContains != nil {
			text, c.kind, c.name = s.BodyNotContains, kindLacks, "body lacks "
		}
		if *text == "" {
			return c, fmt.Errorf("%s: empty; want the text to look for", field)
		}
		c.text = []byte(*text)
		c.name += strconv.Quote(cut(*text, maxNameText))
	case "max_body":
		n, perr := ParseSize(*s.MaxBody)
		if perr != nil {
			return c, fmt.Errorf("max_body: %w", perr)
		}
		c.kind, c.n, c.name = kindMaxBody, n, "body ≤ "+cut(strings.TrimSpace(*s.MaxBody), maxNameText)
	case "stream_done":
		if !*s.StreamDone {
			return c, fmt.Errorf("stream_done: false checks nothing; leave it out")
		}
		c.kind, c.name = kindStreamDone, "stream done"
	case "min_tokens":
		if *s.MinTokens < 1 {
			return c, fmt.Errorf("min_tokens: want an integer ≥ 1, got %d", *s.MinTokens)
		}
		c.kind, c.n, c.name = kindMinTokens, int64(*s.MinTokens), fmt.Sprintf("≥ %d tokens", *s.MinTokens)
	}
	if err != nil {
		return c, err
	}
	if s.Name != "" {
		if i := strings.IndexFunc(s.Name, unicode.IsControl); i >= 0 {
			return c, fmt.Errorf("name: holds the control character %U; a name is one line of plain text", []rune(s.Name[i:])[0])
		}
		c.name = s.Name
	}
	// A derived name quotes a path or a size as written: no control
	// character may reach a terminal or break a report's line.
	c.name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, c.name)
	return c, nil
}

// status compiles "200" or "2xx" (any case).
func (c *Check) status(v string) error {
	c.kind = kindStatus
	v = strings.ToLower(strings.TrimSpace(v))
	if len(v) == 3 && v[1:] == "xx" && v[0] >= '1' && v[0] <= '5' {
		c.code, c.name = int(v[0]-'0'), "status "+v
		return nil
	}
	code, err := strconv.Atoi(v)
	if err != nil || code < 100 || code > 599 {
		return fmt.Errorf("status: want a code (200) or class (2xx), got %s", input.Quote(v))
	}
	c.code, c.name = code, "status "+v
	return nil
}

// json compiles a json check and its predicate.
func (c *Check) json(s Spec) error {
	c.path = strings.TrimSpace(*s.JSON)
	if c.path == "" {
		return fmt.Errorf("json: empty; want a path such as answer or sources.0.title")
	}
	p := cut(c.path, maxNameText)
	switch {
	case s.NotEmpty != nil:
		if !*s.NotEmpty {
			return fmt.Errorf("not_empty: false checks nothing; leave it out (or present: true)")
		}
		c.kind, c.name = kindNotEmpty, p+" not empty"
	case s.MinItems != nil:
		n := *s.MinItems
		if n < 1 {
			return fmt.Errorf("min_items: want an integer ≥ 1, got %d", n)
		}
		c.kind, c.n, c.name = kindMinItems, int64(n), fmt.Sprintf("%s ≥ %d item", p, n)
		if n > 1 {
			c.name += "s"
		}
	case s.Matches != nil:
		re, err := regexp.Compile(*s.Matches)
		if err != nil {
			return fmt.Errorf("matches: %w", input.CutError(err))
		}
		c.kind, c.re, c.name = kindMatches, re, p+" matches /"+cut(*s.Matches, maxNameText)+"/"
	case s.Present != nil && !*s.Present:
		c.kind, c.name = kindAbsent, p+" absent"
	default:
		c.kind, c.name = kindPresent, p+" present"
	}
	return nil
}

// cut is input.Excerpt at n bytes.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
