package results

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"sync"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Writer appends results to a new file in vegeta's gob format. A gob
// stream cannot be appended to once closed, so Create refuses an existing
// file. Write, Flush and Close are for one goroutine; Abort may be called
// from any.
type Writer struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	enc  vegeta.Encoder

	mu      sync.Mutex // Abort against Write: the file ends between records
	n       uint64
	aborted bool
}

// errAborted refuses writes after Abort.
var errAborted = errors.New("the results file was closed in a hurry (the process is exiting)")

// Create makes a new results file at path, readable by its owner only as
// run.json and recordings are (with --keep-bodies it holds the API's
// answers; check excerpts quote them); it fails if the file exists.
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create results: %w", err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	return &Writer{path: path, f: f, bw: bw, enc: vegeta.NewEncoder(bw)}, nil
}

// Write encodes one result.
func (w *Writer) Write(r *vegeta.Result) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.aborted {
		return fmt.Errorf("write %s: %w", w.path, errAborted)
	}
	if err := w.enc.Encode(r); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	w.n++
	return nil
}

// Count is the number of results written.
func (w *Writer) Count() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Abort flushes the results written so far, ending the file after the
// last whole record, refuses any further write, and returns how many
// results the file holds. It is for a process about to exit at once (a
// second Ctrl-C): the file then decodes to its end, and Close is not
// needed.
func (w *Writer) Abort() (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.aborted {
		return w.n, nil
	}
	w.aborted = true
	err := w.bw.Flush()
	if err != nil {
		err = fmt.Errorf("write %s: %w", w.path, err)
	}
	return w.n, err
}

// Flush pushes buffered results to the file, so that a reader (or a crash)
// sees every result written so far.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return nil
}

// Close flushes, syncs and closes the file.
func (w *Writer) Close() error {
	err := w.Flush()
	if serr := w.f.Sync(); err == nil && serr != nil {
		err = fmt.Errorf("sync %s: %w", w.path, serr)
	}
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", w.path, cerr)
	}
	return err
}
