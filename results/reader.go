package results

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
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
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open results: %w", err)
	}
	defer f.Close()
	cr := &countingReader{r: bufio.NewReaderSize(f, 256<<10)}
	first, err := cr.r.Peek(1)
	if err == io.EOF {
		return nil // an attack interrupted before its first result
	} else if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	var dec vegeta.Decoder
	lines := false // JSON: every record ends with '\n'
	switch c := first[0]; {
	case c == '{':
		dec, lines = vegeta.NewJSONDecoder(cr), true
	case c >= '0' && c <= '9':
		dec = vegeta.NewCSVDecoder(cr)
	default:
		dec = vegeta.NewDecoder(cr)
	}
	var n uint64
	good := int64(0)
	for {
		r := new(vegeta.Result) // never reuse: gob leaves stale fields
		err := dec.Decode(r)
		// vegeta's JSON decoder reports a last line cut short as a
		// clean EOF; only the missing newline tells.
		if err == io.EOF && cr.n == good && (!lines || cr.last == '\n') {
			return nil
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return &DamagedError{Path: path, Offset: good, Read: n, Err: err}
		}
		if err := fn(r); err != nil {
			return err
		}
		n++
		good = cr.n
	}
}

// Input is one argument of report and friends: a run directory with its
// manifest, or a results file on its own (its directory's manifest, if
// any, still applies).
type Input struct {
	Path     string
	Manifest *Manifest // nil for a bare vegeta file
	Files    []string
}

// Resolve turns paths (run directories, results files, or glob patterns of
// either) into inputs.
func Resolve(paths []string) ([]Input, error) {
	var out []Input
	for _, p := range paths {
		matches := []string{p}
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("pattern %q: %w", p, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("pattern %q matches nothing", p)
			}
			matches = m
		}
		for _, m := range matches {
			in, err := resolveOne(m)
			if err != nil {
				return nil, err
			}
			out = append(out, in)
		}
	}
	return out, nil
}

func resolveOne(p string) (Input, error) {
	st, err := os.Stat(p)
	if err != nil {
		return Input{}, fmt.Errorf("open run: %w", err)
	}
	if !st.IsDir() {
		in := Input{Path: p, Files: []string{p}}
		if m, err := ReadManifest(filepath.Dir(p)); err == nil && containsFile(m, filepath.Dir(p), p) {
			in.Manifest = m
		}
		return in, nil
	}
	in := Input{Path: p}
	m, err := ReadManifest(p)
	switch {
	case err == nil:
		in.Manifest = m
		for _, f := range m.Results {
			in.Files = append(in.Files, filepath.Join(p, f))
		}
	case errors.Is(err, os.ErrNotExist):
		files, _ := filepath.Glob(filepath.Join(p, "*.bin"))
		sort.Strings(files)
		in.Files = files
	default:
		return Input{}, err
	}
	if len(in.Files) == 0 {
		return Input{}, fmt.Errorf("%s: no results file (want %s or *.bin)", p, ResultsFile)
	}
	return in, nil
}

func containsFile(m *Manifest, dir, p string) bool {
	for _, f := range m.Results {
		if filepath.Clean(filepath.Join(dir, f)) == filepath.Clean(p) {
			return true
		}
	}
	return false
}

// ReadInputs reads every file of inputs with ReadFile and calls fn with
// each result. A damaged file contributes what it could and the other files
// are still read: damaged lists their *DamagedError. Any other error stops
// the read and is returned as err.
func ReadInputs(inputs []Input, fn func(*vegeta.Result) error) (damaged []error, err error) {
	for _, in := range inputs {
		for _, f := range in.Files {
			err := ReadFile(f, fn)
			var de *DamagedError
			switch {
			case errors.As(err, &de):
				damaged = append(damaged, err)
			case err != nil:
				return damaged, err
			}
		}
	}
	return damaged, nil
}
