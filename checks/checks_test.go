package checks

import (
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// issueSet is the example of issue 20: the query endpoint's four checks.
func issueSet(t testing.TB) Set {
	t.Helper()
	specs := []Spec{
		{Status: ptr("2xx")},
		{JSON: ptr("answer"), NotEmpty: ptr(true)},
		{JSON: ptr("sources"), MinItems: ptr(1)},
		{BodyNotContains: ptr("I couldn't find")},
	}
	var s Set
	for i, sp := range specs {
		c, err := Compile(sp)
		if err != nil {
			t.Fatalf("spec %d: %v", i, err)
		}
		s = append(s, c)
	}
	return s
}

func TestCompileNames(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Status: ptr("2xx")}, "status 2xx"},
		{Spec{Status: ptr("2XX")}, "status 2xx"},
		{Spec{Status: ptr("200")}, "status 200"},
		{Spec{JSON: ptr("answer")}, "answer present"},
		{Spec{JSON: ptr("answer"), Present: ptr(true)}, "answer present"},
		{Spec{JSON: ptr("error"), Present: ptr(false)}, "error absent"},
		{Spec{JSON: ptr("answer"), NotEmpty: ptr(true)}, "answer not empty"},
		{Spec{JSON: ptr("sources"), MinItems: ptr(1)}, "sources ≥ 1 item"},
		{Spec{JSON: ptr("sources"), MinItems: ptr(3)}, "sources ≥ 3 items"},
		{Spec{JSON: ptr("model"), Matches: ptr("^gpt-")}, "model matches /^gpt-/"},
		{Spec{BodyContains: ptr("answer")}, `body has "answer"`},
		{Spec{BodyNotContains: ptr("I couldn't find")}, `body lacks "I couldn't find"`},
		{Spec{BodyNotContains: ptr(strings.Repeat("x", 50))}, `body lacks "` + strings.Repeat("x", 32) + `…"`},
		{Spec{MaxBody: ptr("1MB")}, "body ≤ 1MB"},
		{Spec{StreamDone: ptr(true)}, "stream done"},
		{Spec{MinTokens: ptr(5)}, "≥ 5 tokens"},
		{Spec{MinTokens: ptr(5), Name: "long enough"}, "long enough"},
		// A path quoted as written loses its control characters: an
		// escape sequence must not reach a terminal through a report.
		{Spec{JSON: ptr("a\x1b[31m\nb"), NotEmpty: ptr(true)}, "a [31m b not empty"},
	} {
		c, err := Compile(tc.spec)
		if err != nil {
			t.Errorf("%s: %v", tc.want, err)
			continue
		}
		if c.Name() != tc.want {
			t.Errorf("name %q, want %q", c.Name(), tc.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{}, "empty check; want one of status, json, body_contains"},
		{Spec{Name: "x"}, "empty check"},
		{Spec{Status: ptr("2xx"), JSON: ptr("a")}, "json: one check per item; status is set too"},
		{Spec{NotEmpty: ptr(true)}, "not_empty: goes with json"},
		{Spec{Status: ptr("200"), MinItems: ptr(1)}, "min_items: goes with json, not status"},
		{Spec{JSON: ptr("a"), NotEmpty: ptr(true), MinItems: ptr(1)}, "min_items: one of present, not_empty, min_items, matches per check"},
		{Spec{JSON: ptr("a"), MinItems: ptr(0)}, "min_items: want an integer ≥ 1, got 0"},
		{Spec{JSON: ptr(" ")}, "json: empty"},
		{Spec{JSON: ptr("a"), NotEmpty: ptr(false)}, "not_empty: false checks nothing"},
		{Spec{JSON: ptr("a"), Matches: ptr("(")}, "matches: error parsing regexp"},
		{Spec{Status: ptr("2x")}, `status: want a code (200) or class (2xx), got "2x"`},
		{Spec{Status: ptr("600")}, "status: want a code"},
		{Spec{Status: ptr("6xx")}, "status: want a code"},
		{Spec{BodyContains: ptr("")}, "body_contains: empty"},
		{Spec{MaxBody: ptr("1 parsec")}, `max_body: want a size such as 4096, 512KiB or 1MB, got "1 parsec"`},
		{Spec{MaxBody: ptr("0")}, "max_body: want a size"},
		{Spec{StreamDone: ptr(false)}, "stream_done: false checks nothing"},
		{Spec{MinTokens: ptr(-1)}, "min_tokens: want an integer ≥ 1, got -1"},
		{Spec{Status: ptr("2xx"), Name: "ok\x1b[31m red"}, "name: holds the control character U+001B"},
		{Spec{Status: ptr("2xx"), Name: "two\nlines"}, "name: holds the control character U+000A"},
		{Spec{Status: ptr("2xx"), Name: "c1\u009b31m"}, "name: holds the control character U+009B"},
		{Spec{Status: ptr(strings.Repeat("9", 100))}, `got "` + strings.Repeat("9", 40) + `…"`},
	} {
		_, err := Compile(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%+v) = %v, want an error with %q", tc.spec, err, tc.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"4096": 4096, "512B": 512, "1kb": 1000, "1KB": 1000, "64KiB": 64 << 10, "1MB": 1e6,
		"1MiB": 1 << 20, "1.5M": 3 << 19, " 2 GiB ": 2 << 30, "1k": 1024,
	} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1", "0", "0.1", "1XB", "1e3", "9999999999GB", "1..2"} {
		if n, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, n)
		}
	}
}
