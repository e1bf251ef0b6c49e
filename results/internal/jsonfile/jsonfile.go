// Package jsonfile writes and reads the JSON files ragload keeps beside
// its results (run.json, summary.json, sweep.json): written whole through
// an atomic rename, read whole under a cap.
package jsonfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/ragload/ragload/internal/atomicfile"
	"github.com/ragload/ragload/internal/input"
)

// MaxBytes caps the JSON files ragload writes next to its results and
// reads back (run.json, summary.json, sweep.json) at 64 MiB. They hold a
// run's description, one compressed histogram per endpoint, or the steps
// of a sweep: KiBs, a few MiB with hundreds of endpoints. The cap keeps a
// folder that holds something else under those names (a FIFO, a link to
// /dev/zero) from exhausting memory.
const MaxBytes = 64 << 20

// Read reads the file at path whole, failing when it is larger than
// MaxBytes with an error that names it and the cap. Errors opening the
// file are returned as they are (fs.ErrNotExist for a missing one).
func Read(path, what string) ([]byte, error) {
	f, err := input.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := input.ReadAll(f, MaxBytes, what)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// Write writes v as indented JSON to dir/name through a temporary file
// (mode 0600) renamed into place, so a reader never sees half a file;
// what names it in errors.
func Write(dir, name, what string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	if _, err := atomicfile.Write(filepath.Join(dir, name), 0o600, buf.WriteTo); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}
