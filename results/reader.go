package results

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"unicode/utf8"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/results/internal/gobdec"
)

// DamagedError reports a results file that could be read only up to a
// point: cut short (a crash, a full disk) or with garbage after the valid
// part. The results before Offset were delivered.
type DamagedError struct {
	Path   string
	Offset int64  // bytes of the file that decoded cleanly
	Read   uint64 // results delivered before the damage
	Err    error
}

func (e *DamagedError) Error() string {
	what := "unreadable"
	if errors.Is(e.Err, io.ErrUnexpectedEOF) {
		what = "cut short"
	}
	return fmt.Sprintf("%s: %s at byte %d after %d results: %v", e.Path, what, e.Offset, e.Read, e.Err)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// NotResultsError reports a file that is not a results file at all (a
// README, a scenario, a JSON document), told from a damaged one by how it
// starts: Why says what it looks like instead.
type NotResultsError struct {
	Path string
	Why  string
}

func (e *NotResultsError) Error() string {
	return fmt.Sprintf("%s is not a results file: %s; give a run directory or a results file (ragload's results.bin, or vegeta's binary, JSON or CSV results)", e.Path, e.Why)
}

// countingReader counts the bytes its consumer has taken. It implements
// io.ByteReader so that gob reads through it without buffering on its own,
// which makes the count land exactly on record boundaries.
type countingReader struct {
	r    *bufio.Reader
	n    int64
	last byte // the last byte taken
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if n > 0 {
		c.last = p[n-1]
	}
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
		c.last = b
	}
	return b, err
}

// ReadFile decodes every result in the file at path and calls fn with each,
// in file order; fn may keep the result. The encoding (vegeta gob, JSON or
// CSV) is detected from the first byte. A damaged file delivers what it can
// and returns a *DamagedError; an error from fn stops the read and is
// returned as is.
func ReadFile(path string, fn func(*vegeta.Result) error) error {
	d, err := openDecoder(path)
	if d == nil {
		return err
	}
	defer d.f.Close()
	for {
		r := new(vegeta.Result) // never reuse: gob leaves stale fields
		if done, err := d.next(r); done {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

// decoder reads the results of one file and tells a clean end from damage.
type decoder struct {
	path  string
	f     *os.File
	cr    *countingReader
	dec   vegeta.Decoder
	fast  *gobdec.Reader // gob streams, until it leaves one to dec
	lines bool           // JSON: every record ends with '\n'
	n     uint64         // results decoded
	good  int64          // bytes of the file that decoded cleanly
}

// openDecoder opens path and detects its encoding. It returns a nil
// decoder and a nil error for an empty file (an attack interrupted before
// its first result).
func openDecoder(path string) (*decoder, error) {
	f, err := input.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open results: %w", err)
	}
	d := &decoder{path: path, f: f, cr: &countingReader{r: bufio.NewReaderSize(f, 256<<10)}}
	first, err := d.cr.r.Peek(1)
	if err != nil {
		f.Close()
		if err == io.EOF {
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	head, _ := d.cr.r.Peek(sniffBytes) // fewer at the end of the file
	if why := notResults(head); why != "" {
		f.Close()
		return nil, &NotResultsError{Path: path, Why: why}
	}
	switch c := first[0]; {
	case c == '{':
		d.dec, d.lines = vegeta.NewJSONDecoder(d.cr), true
	case c >= '0' && c <= '9':
		d.dec = vegeta.NewCSVDecoder(d.cr)
	default:
		d.fast = gobdec.NewReader(d.cr.r)
	}
	return d, nil
}

// sniffBytes is how much of a file notResults looks at: a result's
// timestamp comes well before it in every encoding.
const sniffBytes = 4096

var (
	// gobResultType is how a vegeta gob stream starts: the definition of
	// its type, "Result", in its first bytes.
	gobResultType = []byte("\x06Result")
	// csvResult is how a line of vegeta's CSV starts: timestamp, code,
	// latency, bytes out, bytes in.
	csvResult = regexp.MustCompile(`^-?[0-9]+,[0-9]+,-?[0-9]+,[0-9]+,[0-9]+,`)
)

// notResults says why head, the start of a file, cannot be the start of a
// results file, or "" when it can (damaged or not). It quotes nothing of
// the file, which may be anything (a credentials file). A file cut short in
// its first bytes (a crash) still reads as damaged: the verdict needs the
// first line whole, or the gob header's first 16 bytes, unless the file
// is text.
func notResults(head []byte) string {
	line, _, whole := bytes.Cut(head, []byte("\n"))
	whole = whole || len(head) == sniffBytes
	switch c := head[0]; {
	case c == '{':
		if whole && !bytes.Contains(line, []byte(`"timestamp"`)) {
			return `its first line is JSON without a result's "timestamp"`
		}
	case c >= '0' && c <= '9':
		if whole && !csvResult.Match(line) {
			return "its first line is not a result in vegeta's CSV"
		}
	default:
		n := min(len(head), 64)
		if bytes.Contains(head[:n], gobResultType) {
			return ""
		}
		if isText(head) {
			return "it is text, not vegeta's binary results"
		}
		if len(head) >= 16 {
			return "it does not start as vegeta's binary results do"
		}
	}
	return ""
}

// isText says whether b is UTF-8 text without control characters but tab,
// newline and carriage return (a rune cut at the end of b is allowed).
func isText(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			if !utf8.FullRune(b) {
				return true
			}
			return false
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
			return false
		}
		b = b[size:]
	}
	return true
}

// next decodes the next result into r, which must be a zero Result (gob
// leaves the fields a record omits as they were) but for an empty
// Headers map, which the decoder fills. At the end of the file it returns
// done, with a nil error for a clean end or else a *DamagedError.
func (d *decoder) next(r *vegeta.Result) (done bool, err error) {
	if d.fast != nil {
		h := r.Headers
		switch err := d.fast.Next(r); err {
		case nil:
			d.n++
			d.good = d.fast.Offset()
			return false, nil
		case io.EOF:
			return true, nil
		case io.ErrUnexpectedEOF:
			return true, &DamagedError{Path: d.path, Offset: d.good, Read: d.n, Err: err}
		}
		if err := d.slow(); err != nil {
			return true, err
		}
		clear(h)
		*r = vegeta.Result{Headers: h}
	}
	err = d.dec.Decode(r)
	// vegeta's JSON decoder reports a last line cut short as a clean EOF;
	// only the missing newline tells.
	if err == io.EOF && d.cr.n == d.good && (!d.lines || d.cr.last == '\n') {
		return true, nil
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return true, &DamagedError{Path: d.path, Offset: d.good, Read: d.n, Err: err}
	}
	d.n++
	d.good = d.cr.n
	return false, nil
}

// slow hands a gob stream that gobdec does not decode over to
// encoding/gob: it decodes the file again from the start, skipping the
// results already delivered, so that what follows (and any damage) reads
// exactly as encoding/gob reads it.
func (d *decoder) slow() error {
	d.fast = nil
	if _, err := d.f.Seek(0, io.SeekStart); err != nil { // a pipe
		return &DamagedError{Path: d.path, Offset: d.good, Read: d.n,
			Err: fmt.Errorf("a record that does not decode, in a file that cannot be read again: %w", err)}
	}
	d.cr = &countingReader{r: bufio.NewReaderSize(d.f, 256<<10)}
	d.dec = vegeta.NewDecoder(d.cr)
	delivered := d.n
	d.n, d.good = 0, 0
	for d.n < delivered {
		var r vegeta.Result
		if done, err := d.next(&r); done {
			if err == nil {
				err = &DamagedError{Path: d.path, Offset: d.good, Read: d.n, Err: io.ErrUnexpectedEOF}
			}
			return err
		}
	}
	return nil
}

// Batches of scanFile: how many results a batch holds, and how many
// batches the decoder may fill ahead of fn.
const (
	scanBatch = 256
	scanAhead = 4
)

// batch is a slice of decoded results; end is set on the last batch of a
// file, with err nil for a clean end.
type batch struct {
	rs  []vegeta.Result
	hs  []map[string][]string // a reused Headers map per result
	n   int
	end bool
	err error
}

// scanFile reads path like ReadFile, but decodes in a goroutine of its own,
// ahead of fn, into batches of results that are recycled: fn must not keep
// r or its Headers past its return (the strings and Body it points to are
// its own). Decoding runs on one core while fn (the aggregation) runs on
// another, and reusing the results spares the garbage collector most of a
// result's allocations.
func scanFile(path string, fn func(*vegeta.Result) error) error {
	d, err := openDecoder(path)
	if d == nil {
		return err
	}
	defer d.f.Close()
	free, full := make(chan *batch, scanAhead), make(chan *batch, scanAhead)
	for range scanAhead {
		b := &batch{rs: make([]vegeta.Result, scanBatch), hs: make([]map[string][]string, scanBatch)}
		for i := range b.hs {
			b.hs[i] = map[string][]string{}
		}
		free <- b
	}
	stop := make(chan struct{})
	go func() {
		defer close(full)
		for {
			var b *batch
			select {
			case b = <-free:
			case <-stop:
				return
			}
			for b.n = 0; b.n < len(b.rs); b.n++ {
				h := b.hs[b.n]
				clear(h)
				r := &b.rs[b.n]
				*r = vegeta.Result{Headers: h}
				if b.end, b.err = d.next(r); b.end {
					break
				}
			}
			full <- b // never blocks: full has room for every batch
			if b.end {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for range full { // wait for the decoder to let go of the file
		}
	}()
	for b := range full {
		for i := range b.n {
			if err := fn(&b.rs[i]); err != nil {
				return err
			}
		}
		if b.end {
			return b.err
		}
		free <- b
	}
	return nil
}
