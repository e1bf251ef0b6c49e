package results

import (
	"bufio"
	"fmt"
	"os"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Writer appends results to a new file in vegeta's gob format. A gob
// stream cannot be appended to once closed, so Create refuses an existing
// file. Not safe for concurrent use.
type Writer struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	enc  vegeta.Encoder
	n    uint64
}

// Create makes a new results file at path; it fails if the file exists.
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create results: %w", err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	return &Writer{path: path, f: f, bw: bw, enc: vegeta.NewEncoder(bw)}, nil
}

// Write encodes one result.
func (w *Writer) Write(r *vegeta.Result) error {
	if err := w.enc.Encode(r); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	w.n++
	return nil
}

// Count is the number of results written.
func (w *Writer) Count() uint64 { return w.n }

// Flush pushes buffered results to the file, so that a reader (or a crash)
// sees every result written so far.
func (w *Writer) Flush() error {
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
