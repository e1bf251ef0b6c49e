// Package input holds what ragload's file readers share: size caps on what
// they read, so that a device such as /dev/zero, a pipe or a huge file ends
// in a clear error instead of exhausting memory, and short excerpts of the
// input for their error messages, so that pointing a reader at a file that
// holds secrets (/etc/shadow, a .env, a credentials file) never prints more
// than a few bytes of it.
package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// MaxExcerpt is how many bytes of an input value an error message may
// quote: enough to recognise a value, too few to carry a secret of any
// length in full.
const MaxExcerpt = 40

// MaxMessage bounds a message written by another library (see CutMessage).
const MaxMessage = 200

// Excerpt returns s when it is at most MaxExcerpt bytes long, otherwise its
// first bytes, cut on a rune boundary, followed by "…".
func Excerpt(s string) string {
	if len(s) <= MaxExcerpt {
		return s
	}
	return cut(s, MaxExcerpt) + "…"
}

// Quote is Excerpt quoted like %q: what errors use to show an input value.
func Quote(s string) string { return strconv.Quote(Excerpt(s)) }

// cut returns the longest prefix of s of at most n bytes that ends on a
// rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// CutMessage bounds a message written by another library (yaml, vegeta,
// encoding/json, net/url, time) that may quote the input: every quoted
// segment ("…", `…`, and '…' without spaces) longer than MaxExcerpt is cut
// to an excerpt, invalid UTF-8 is dropped (yaml cuts values mid-rune), and
// what is left is cut at MaxMessage bytes.
func CutMessage(msg string) string {
	msg = strings.ToValidUTF8(msg, "")
	var b strings.Builder
	for i := 0; i < len(msg); {
		c := msg[i]
		if c != '"' && c != '`' && c != '\'' {
			b.WriteByte(c)
			i++
			continue
		}
		end := closing(msg, i)
		if end < 0 && c != '\'' { // unterminated: the rest may be a value
			b.WriteString(string(c) + Excerpt(msg[i+1:]))
			break
		}
		if end < 0 || (c == '\'' && strings.ContainsFunc(msg[i+1:end], unicode.IsSpace)) {
			b.WriteByte(c)
			i++
			continue
		}
		inner := msg[i+1 : end]
		switch {
		case len(inner) <= MaxExcerpt:
			b.WriteString(msg[i : end+1])
		case c == '"':
			if s, err := strconv.Unquote(msg[i : end+1]); err == nil {
				b.WriteString(Quote(s))
			} else {
				b.WriteString(`"` + cut(inner, MaxExcerpt) + `…"`)
			}
		default:
			b.WriteString(string(c) + cut(inner, MaxExcerpt) + "…" + string(c))
		}
		i = end + 1
	}
	if out := b.String(); len(out) > MaxMessage {
		return cut(out, MaxMessage) + "…"
	}
	return b.String()
}

// closing returns the index of the quote that closes the one at msg[i]
// (a backslash escapes a double quote), or -1.
func closing(msg string, i int) int {
	q := msg[i]
	for j := i + 1; j < len(msg); j++ {
		switch {
		case q == '"' && msg[j] == '\\':
			j++
		case msg[j] == q:
			return j
		}
	}
	return -1
}

// CutError returns err with its message cut by CutMessage (and, for an
// encoding/json type error, the JSON value it quotes cut to an excerpt);
// errors.Is and errors.As still see err. It returns nil for nil.
func CutError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && len(te.Value) > MaxExcerpt { // "number 1e999…": not quoted
		msg = strings.Replace(msg, te.Value, Excerpt(te.Value), 1)
	}
	if cm := CutMessage(msg); cm != err.Error() {
		return &cutError{cm, err}
	}
	return err
}

type cutError struct {
	msg string
	err error
}

func (e *cutError) Error() string { return e.msg }
func (e *cutError) Unwrap() error { return e.err }

// Size writes a byte count the way the caps are documented: "4 MiB",
// "64 KiB", "100 bytes".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// TooLargeError is an input larger than the cap of its kind. The reader
// that returns it names the file (see targets.FileError):
//
//	/dev/zero: larger than the 4 MiB cap for a scenario file
type TooLargeError struct {
	Cap  int64  // bytes
	What string // "a scenario file"
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("larger than the %s cap for %s", Size(e.Cap), e.What)
}

// LineTooLongError is a line longer than the cap of its kind. Its message
// leaves the line number to the reader's error, which places it:
//
//	questions.txt:7: longer than the 1 MiB cap for a line of a queries file
type LineTooLongError struct {
	Line int   // 1-based
	Cap  int64 // bytes, without the line break
	What string
}

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("longer than the %s cap for a line of %s", Size(e.Cap), e.What)
}

// NewReader returns a reader of r that fails with a *TooLargeError once more
// than maxBytes have arrived (so that a device or a pipe is bounded like a
// file), and, when maxLine > 0, with a *LineTooLongError as soon as a line
// runs past maxLine bytes, its line break not counted. what names the kind
// of file in those errors ("a queries file").
func NewReader(r io.Reader, maxBytes, maxLine int64, what string) io.Reader {
	return &reader{r: io.LimitReader(r, maxBytes+1), max: maxBytes, maxLine: maxLine, what: what, line: 1}
}

type reader struct {
	r       io.Reader
	max     int64 // bytes allowed
	read    int64 // bytes passed on so far
	maxLine int64
	what    string
	line    int   // of the next byte
	inLine  int64 // bytes of that line read so far
	err     error // sticky
}

func (c *reader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	if c.read+int64(n) > c.max {
		n, c.err = int(c.max-c.read), &TooLargeError{Cap: c.max, What: c.what}
	}
	if c.maxLine > 0 {
		if k, lerr := c.lines(p[:n]); lerr != nil {
			n, c.err = k, lerr
		}
	}
	c.read += int64(n)
	if c.err != nil {
		return n, c.err
	}
	return n, err
}

// lines advances the line count over b. On a line too long it returns
// how many bytes of b to pass on (up to the cap, as a reader that gets b
// byte by byte would), and the error.
func (c *reader) lines(b []byte) (int, error) {
	done := 0
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		n := i // bytes of the current line in b
		if i < 0 {
			n = len(b)
		}
		if c.inLine+int64(n) > c.maxLine {
			return done + int(c.maxLine-c.inLine), &LineTooLongError{Line: c.line, Cap: c.maxLine, What: c.what}
		}
		if i < 0 {
			c.inLine += int64(n)
			return done + n, nil
		}
		c.line++
		c.inLine = 0
		done += i + 1
		b = b[i+1:]
	}
	return done, nil
}

// ReadAll reads r to its end, failing with a *TooLargeError when it holds
// more than maxBytes (see NewReader).
func ReadAll(r io.Reader, maxBytes int64, what string) ([]byte, error) {
	return io.ReadAll(NewReader(r, maxBytes, 0, what))
}

// ErrInterrupted is the cause of an Open that Interrupt ended.
var ErrInterrupted = errors.New("interrupted while waiting for a program to write to the named pipe")

// interrupted is closed by Interrupt.
var interrupted = struct {
	once sync.Once
	ch   chan struct{}
}{ch: make(chan struct{})}

// Interrupt ends every Open waiting on a named pipe, now and later, with
// ErrInterrupted: the process is stopping (a first Ctrl-C or SIGTERM).
// It is for the whole process and cannot be undone.
func Interrupt() { interrupted.once.Do(func() { close(interrupted.ch) }) }

// Open opens name for reading, as os.Open does, except that waiting for a
// named pipe (a FIFO) ends on Interrupt: opening a FIFO blocks until a
// program opens it for writing, in a system call no context can end, so
// that a reader pointed at one would otherwise ignore a first Ctrl-C. The
// error then is an *fs.PathError holding ErrInterrupted. A pipe that gets
// a writer reads as usual.
func Open(name string) (*os.File, error) {
	if st, err := os.Stat(name); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		return os.Open(name) // not a FIFO: does not block
	}
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.Open(name)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		return o.f, o.err
	case <-interrupted.ch:
		go func() { // the open returns if a writer comes after all
			if o := <-done; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrInterrupted}
	}
}
