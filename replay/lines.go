package replay

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/targets"
)

// Caps on one line of the files replay reads. Those files are read line by
// line and may be many GiB long, so their size has no cap; but one line is
// held in memory, and a file without line breaks (or /dev/zero) must fail
// with an error naming the file, the line and the cap rather than grow it
// until memory runs out.
const (
	// MaxStreamLine caps a line of a stream file at 64 MiB: a line holds a
	// recorded request body (in base64 when it is binary), and what ragload
	// sent it must read back; request bodies of a RAG API are KiBs.
	MaxStreamLine = 64 << 20
	// MaxLogLine caps a line of an access log at 1 MiB: a log line holds no
	// body, and nginx or Apache lines stay under 16 KiB even with long URLs.
	MaxLogLine = 1 << 20
)

// lineCap is the cap on a line of one kind of file.
type lineCap struct {
	max  int
	what string // "a stream file"
}

var (
	streamLines = lineCap{MaxStreamLine, "a stream file"}
	logLines    = lineCap{MaxLogLine, "an access log"}
)

func (c lineCap) err(num int) error {
	return &input.LineTooLongError{Line: num, Cap: int64(c.max), What: c.what}
}

// lineReader yields the non-blank lines of a file with their numbers and
// byte positions, reusing one buffer.
type lineReader struct {
	br  *bufio.Reader
	cap lineCap
	buf []byte // holds a line longer than br's buffer
	num int    // number of the last line read
	pos int64  // byte position of the next line
}

func newLineReader(r io.Reader, c lineCap) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), cap: c}
}

// next returns the next non-blank line without its line ending, its
// 1-based number and its byte position; the slice is valid until the next
// call. It returns io.EOF at the end.
func (lr *lineReader) next() ([]byte, int, int64, error) {
	for {
		start := lr.pos
		line, err := lr.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			lr.buf = append(lr.buf[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				if len(lr.buf) > lr.cap.max {
					return nil, lr.num + 1, start, lr.cap.err(lr.num + 1)
				}
				line, err = lr.br.ReadSlice('\n')
				lr.buf = append(lr.buf, line...)
			}
			line = lr.buf
			if len(trimEOL(line)) > lr.cap.max {
				return nil, lr.num + 1, start, lr.cap.err(lr.num + 1)
			}
		}
		lr.pos += int64(len(line))
		if err != nil && (len(line) == 0 || !errors.Is(err, io.EOF)) {
			return nil, 0, 0, err
		}
		lr.num++
		if line = trimEOL(line); len(bytes.TrimSpace(line)) > 0 {
			return line, lr.num, start, nil
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// lineFunc checks one line and returns its sort key (offset or time).
type lineFunc func(line []byte) (key int64, err error)

// scanned is what the checking pass learns about a file.
type scanned struct {
	count, skipped int64
	badLine        string
	sorted         bool
	min, max       int64 // keys
	atMax          int64 // lines whose key is max
	digest         string
}

// openFile opens path, a stream or an access log, which replay reads more
// than once (to check it, then once per loop to send it): a named pipe
// would block or read empty the second time, so it is refused, before it
// is opened (opening it would wait for a writer).
func openFile(path string) (*os.File, error) {
	if st, err := os.Stat(path); err == nil && st.Mode()&fs.ModeNamedPipe != 0 {
		return nil, &targets.FileError{File: path, Err: errNamedPipe}
	}
	return input.Open(path)
}

var errNamedPipe = errors.New("a named pipe: replay reads the file more than once (to check it, then to send it), so give a regular file")

// scan reads every line of path, checks it with fn (a bad line is an error
// naming it, or with skipBad is counted and left out), hashes the file and
// notes whether the keys are in order. Memory does not grow with the file.
func scan(path string, lc lineCap, skipBad bool, fn lineFunc) (scanned, error) {
	f, err := openFile(path)
	if err != nil {
		return scanned{}, err
	}
	defer f.Close()
	h := sha256.New()
	lr := newLineReader(io.TeeReader(f, h), lc)
	s := scanned{sorted: true}
	prev := int64(0)
	for {
		line, num, _, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return scanned{}, lineError(path, num, -1, err)
		}
		key, err := fn(line)
		if err != nil {
			lerr := lineError(path, num, -1, err)
			if !skipBad {
				return scanned{}, lerr
			}
			if s.skipped == 0 {
				s.badLine = lerr.Error()
			}
			s.skipped++
			continue
		}
		switch {
		case s.count == 0:
			s.min, s.max, s.atMax = key, key, 1
		case key < prev:
			s.sorted = false
		}
		switch {
		case key > s.max:
			s.max, s.atMax = key, 1
		case key == s.max && s.count > 0:
			s.atMax++
		}
		s.min = min(s.min, key)
		prev = key
		s.count++
	}
	s.digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// indexEntry places one line of an unsorted file: 16 bytes a line.
type indexEntry struct {
	key, pos int64
}

// buildIndex returns the position of every good line of path, sorted by
// key and then by position (a stable sort).
func buildIndex(path string, lc lineCap, fn lineFunc, count int64) ([]indexEntry, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	idx := make([]indexEntry, 0, count)
	lr := newLineReader(f, lc)
	for {
		line, num, pos, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, lineError(path, num, -1, err)
		}
		if key, err := fn(line); err == nil {
			idx = append(idx, indexEntry{key, pos})
		}
	}
	slices.SortFunc(idx, func(a, b indexEntry) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.pos, b.pos))
	})
	return idx, nil
}

// lines yields lines of a file: all of them in order (seqLines) or those
// of an index (indexLines, where num is 0).
type lines interface {
	next() (line []byte, num int, pos int64, err error)
	Close() error
}

type seqLines struct {
	*lineReader
	f *os.File
}

// openLines opens path's lines in file order, or in idx's order when the
// file had to be indexed (idx non-nil: its lines are out of order).
func openLines(path string, lc lineCap, idx []indexEntry) (lines, error) {
	if idx != nil {
		return openIndex(path, lc, idx)
	}
	return openSeq(path, lc)
}

func openSeq(path string, lc lineCap) (*seqLines, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	return &seqLines{newLineReader(f, lc), f}, nil
}

func (s *seqLines) Close() error { return s.f.Close() }

// indexLines reads the lines of an index with ReadAt through a window, so
// that a nearly sorted file (the usual case) costs few reads.
type indexLines struct {
	f    *os.File
	cap  lineCap
	idx  []indexEntry
	i    int
	buf  []byte
	at   int64 // file position of buf[0]
	size int   // bytes of buf that hold file data
	eof  bool  // the window reaches the end of the file
}

func openIndex(path string, lc lineCap, idx []indexEntry) (*indexLines, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	return &indexLines{f: f, cap: lc, idx: idx, buf: make([]byte, 64<<10)}, nil
}

func (il *indexLines) Close() error { return il.f.Close() }

func (il *indexLines) next() ([]byte, int, int64, error) {
	if il.i >= len(il.idx) {
		return nil, 0, 0, io.EOF
	}
	pos := il.idx[il.i].pos
	il.i++
	for fresh := false; ; fresh = true {
		if rel := pos - il.at; rel >= 0 && rel < int64(il.size) {
			w := il.buf[rel:il.size]
			if j := bytes.IndexByte(w, '\n'); j >= 0 {
				return trimEOL(w[:j+1]), 0, pos, nil
			}
			if il.eof {
				return trimEOL(w), 0, pos, nil
			}
			if fresh { // the line is longer than the window
				if len(il.buf) > il.cap.max {
					return nil, 0, pos, il.cap.err(0)
				}
				il.buf = make([]byte, 2*len(il.buf))
			}
		}
		n, err := il.f.ReadAt(il.buf, pos)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, pos, err
		}
		if n == 0 {
			return nil, 0, pos, io.ErrUnexpectedEOF
		}
		il.at, il.size, il.eof = pos, n, n < len(il.buf)
	}
}

// lineError places err at line num of path (or, when num is 0, at byte
// pos unless it is negative), keeping a field name apart.
func lineError(path string, num int, pos int64, err error) *targets.FileError {
	fe := &targets.FileError{File: path, Line: num, Err: err}
	var ferr *fieldError
	if errors.As(err, &ferr) {
		fe.Field, fe.Err = ferr.Field, ferr.Err
	}
	if num == 0 && pos >= 0 {
		fe.Err = fmt.Errorf("line at byte %d: %w", pos, fe.Err)
	}
	return fe
}
