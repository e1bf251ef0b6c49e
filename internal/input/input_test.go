package input

import (
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("a", 100)
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{strings.Repeat("x", MaxExcerpt), strings.Repeat("x", MaxExcerpt)},
		{long, strings.Repeat("a", MaxExcerpt) + "…"},
		// A 3-byte rune across the cut is left out whole.
		{strings.Repeat("a", MaxExcerpt-1) + "€tail", strings.Repeat("a", MaxExcerpt-1) + "…"},
	} {
		if got := Excerpt(c.in); got != c.want {
			t.Errorf("Excerpt(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := Excerpt(c.in); !utf8.ValidString(got) || len(got) > MaxExcerpt+len("…") {
			t.Errorf("Excerpt(%q) = %q: invalid or too long", c.in, got)
		}
	}
	if got, want := Quote(long), `"`+strings.Repeat("a", MaxExcerpt)+`…"`; got != want {
		t.Errorf("Quote = %s, want %s", got, want)
	}
}

// secret is a value that must never appear whole in a message.
const secret = "root:x:0:0:root:/root:/bin/bash daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin"

func TestCutMessage(t *testing.T) {
	for _, msg := range []string{
		`threshold "` + secret + `": no comparison`,
		"cannot decode !!binary `" + secret + "` as a !!str",
		"unknown anchor '" + strings.ReplaceAll(secret, " ", "_") + "' referenced",
		"line 1: cannot unmarshal !!str `" + secret + "` into int",
		strings.Repeat(secret, 5), // not quoted at all: cut at MaxMessage
		`"unterminated ` + secret,
	} {
		got := CutMessage(msg)
		if strings.Contains(got, secret[:MaxExcerpt+1]) && !strings.HasPrefix(msg, secret) || len(got) > MaxMessage+len("…") {
			t.Errorf("CutMessage(%q) = %q: quotes more than an excerpt", msg, got)
		}
		if !utf8.ValidString(got) {
			t.Errorf("CutMessage(%q) = %q: invalid UTF-8", msg, got)
		}
	}
	// Short quotes and apostrophes stay as they are.
	for _, msg := range []string{
		`"p99" isn't one of [p50 p95], and doesn't match 'x'`,
		"invalid character 'x' looking for beginning of value",
	} {
		if got := CutMessage(msg); got != msg {
			t.Errorf("CutMessage(%q) = %q, want it unchanged", msg, got)
		}
	}
	// yaml cuts a value at 7 bytes, maybe within a rune: that rune goes.
	if got := CutMessage("cannot unmarshal !!str `ab€"[:26] + "...` into int"); !utf8.ValidString(got) {
		t.Errorf("invalid UTF-8 kept: %q", got)
	}
}

func TestCutError(t *testing.T) {
	_, uerr := url.Parse("http://h/" + secret + "%zz")
	_, derr := time.ParseDuration(secret)
	var n int
	jerr := json.Unmarshal([]byte(`"`+secret+`"`), &n)
	jnum := json.Unmarshal([]byte("1"+strings.Repeat("0", 100)), new(string))
	for _, err := range []error{uerr, derr, jerr, jnum} {
		cut := CutError(err)
		if strings.Contains(cut.Error(), secret[:MaxExcerpt+1]) || strings.Contains(cut.Error(), strings.Repeat("0", MaxExcerpt+1)) {
			t.Errorf("CutError(%v) = %q", err, cut)
		}
		if !errors.Is(cut, err) {
			t.Errorf("CutError(%v) does not wrap it", err)
		}
	}
	if CutError(nil) != nil {
		t.Error("CutError(nil) != nil")
	}
	short := errors.New("short")
	if CutError(short) != short {
		t.Error("a short error was wrapped")
	}
}

func TestReadAllCap(t *testing.T) {
	b, err := ReadAll(strings.NewReader("12345"), 5, "a test file")
	if err != nil || string(b) != "12345" {
		t.Fatalf("at the cap: %q, %v", b, err)
	}
	_, err = ReadAll(strings.NewReader("123456"), 5, "a test file")
	var tl *TooLargeError
	if !errors.As(err, &tl) || err.Error() != "larger than the 5 bytes cap for a test file" {
		t.Fatalf("past the cap: %v", err)
	}
	// A reader that never ends (like /dev/zero) stops one byte past the cap.
	_, err = ReadAll(endless{}, 4<<20, "a scenario file")
	if err == nil || err.Error() != "larger than the 4 MiB cap for a scenario file" {
		t.Fatalf("endless reader: %v", err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'z'
	}
	return len(p), nil
}

func TestReaderLines(t *testing.T) {
	for _, c := range []struct {
		in       string
		line     int // 0: no error
		passed   string
		maxBytes int64
	}{
		{in: "abc\nabcd\n\nab", passed: "abc\nabcd\n\nab"},
		{in: "abc\nabcde\n", line: 2, passed: "abc\nabcd"},
		{in: "abcde", line: 1, passed: "abcd"},
		{in: "a\nb\nc\nabcdefgh", line: 4, passed: "a\nb\nc\nabcd"},
		{in: "abcd\nabcd\n", line: 0, passed: "abcd\nabcd\n"},
		{in: "abcd\nabcd\nabcd\n", maxBytes: 12, passed: "abcd\nabcd\nab"},
	} {
		maxBytes := c.maxBytes
		if maxBytes == 0 {
			maxBytes = 1 << 20
		}
		// One byte at a time and all at once must agree.
		for _, r := range []io.Reader{strings.NewReader(c.in), &oneByte{c.in}} {
			got, err := io.ReadAll(NewReader(r, maxBytes, 4, "a test file"))
			var le *LineTooLongError
			var tl *TooLargeError
			switch {
			case c.line > 0 && (!errors.As(err, &le) || le.Line != c.line):
				t.Errorf("%q: error %v, want a line %d too long", c.in, err, c.line)
			case c.maxBytes > 0 && !errors.As(err, &tl):
				t.Errorf("%q: error %v, want too large", c.in, err)
			case c.line == 0 && c.maxBytes == 0 && err != nil:
				t.Errorf("%q: %v", c.in, err)
			}
			if string(got) != c.passed {
				t.Errorf("%q: passed on %q, want %q", c.in, got, c.passed)
			}
		}
	}
	if got := (&LineTooLongError{Line: 3, Cap: 1 << 20, What: "a queries file"}).Error(); got != "longer than the 1 MiB cap for a line of a queries file" {
		t.Errorf("message %q", got)
	}
}

type oneByte struct{ s string }

func (o *oneByte) Read(p []byte) (int, error) {
	if o.s == "" {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = o.s[0]
	o.s = o.s[1:]
	return 1, nil
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{4 << 20: "4 MiB", 64 << 10: "64 KiB", 100: "100 bytes", 1<<20 + 1: "1048577 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
