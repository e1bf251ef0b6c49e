package results

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Input is one argument of report and friends: a run directory with its
// manifest, or a results file on its own (its directory's manifest, if
// any, still applies).
type Input struct {
	Path     string
	Manifest *Manifest // nil for a bare vegeta file
	Files    []string
}

// Span is where the input's run started and how long it sent: from the
// manifest, or else from a first pass over the results (the span of send
// times stretched by one interval, as a report's window).
func (in Input) Span() (time.Time, time.Duration, error) {
	if m := in.Manifest; m != nil && !m.Started.IsZero() && m.SendEnded.After(m.Started) {
		return m.Started, m.SendEnded.Sub(m.Started), nil
	}
	var first, last time.Time
	var n int
	if _, err := ReadInputs([]Input{in}, func(r *vegeta.Result) error {
		if first.IsZero() || r.Timestamp.Before(first) {
			first = r.Timestamp
		}
		if r.Timestamp.After(last) {
			last = r.Timestamp
		}
		n++
		return nil
	}); err != nil {
		return first, 0, err
	}
	if n < 2 {
		return first, 0, nil
	}
	return first, time.Duration(float64(last.Sub(first)) * float64(n) / float64(n-1)), nil
}

// SharedFile returns a results file that inputs a and b both read (the
// same file, whatever the path that names it), or "" if none: a
// comparison of a run with itself.
func SharedFile(a, b []Input) string {
	for _, x := range a {
		for _, fx := range x.Files {
			sx, err := os.Stat(fx)
			if err != nil {
				continue
			}
			for _, y := range b {
				for _, fy := range y.Files {
					if sy, err := os.Stat(fy); err == nil && os.SameFile(sx, sy) {
						return fx
					}
				}
			}
		}
	}
	return ""
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
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Input{}, noRunError{p}
	case errors.As(err, &pe):
		return Input{}, fmt.Errorf("read run %q: %w", p, pe.Err)
	case err != nil:
		return Input{}, fmt.Errorf("read run %q: %w", p, err)
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

// noRunError is a path where there is no run directory or results file at
// all; it is fs.ErrNotExist.
type noRunError struct{ path string }

func (e noRunError) Error() string {
	return fmt.Sprintf("no run at %q: no such directory or results file", e.path)
}

func (e noRunError) Is(target error) bool { return target == fs.ErrNotExist }

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
	return readInputs(inputs, ReadFile, fn)
}

// ScanInputs is ReadInputs on the fast path of a read that keeps nothing:
// fn must not keep the result, which the next one reuses.
func ScanInputs(inputs []Input, fn func(*vegeta.Result) error) (damaged []error, err error) {
	return readInputs(inputs, scanFile, fn)
}

func readInputs(inputs []Input, read func(string, func(*vegeta.Result) error) error, fn func(*vegeta.Result) error) (damaged []error, err error) {
	for _, in := range inputs {
		for _, f := range in.Files {
			err := read(f, fn)
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
