// Package atomicfile writes a file so that a reader sees either the old
// file or the whole new one: the bytes go to a temporary file in the same
// folder, which is synced, given its mode and renamed over the target; the
// folder is synced after the rename, so the new name survives a crash.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes what write produces to path with mode perm, atomically. It
// returns the number of bytes written. A failed write leaves no temporary
// file and the old file, if any, unchanged.
func Write(path string, perm os.FileMode, write func(io.Writer) (int64, error)) (n int64, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return 0, err
	}
	if n, err = write(f); err != nil {
		return n, err
	}
	if err = f.Sync(); err != nil {
		return n, err
	}
	if err = f.Close(); err != nil {
		return n, err
	}
	if err = os.Rename(tmp, path); err != nil {
		return n, err
	}
	syncDir(dir)
	return n, nil
}

// WriteBytes writes b to path with mode perm, atomically.
func WriteBytes(path string, perm os.FileMode, b []byte) error {
	_, err := Write(path, perm, func(w io.Writer) (int64, error) {
		n, err := w.Write(b)
		return int64(n), err
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// syncDir makes a rename in dir durable; where a folder cannot be synced
// (some file systems, Windows) the rename stands without it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
