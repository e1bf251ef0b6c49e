package targets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/ragload/ragload/internal/input"
)

// LoadIn is Load for a scenario that must stay inside the folder dir, as
// the dashboard loads them: name is a path relative to dir, and the
// scenario and every file it names (queries_file, vegeta_targets and the
// vegeta @body files, relative to the scenario) are opened through
// os.OpenRoot, so that neither ".." nor a symbolic link can lead outside
// dir. Each must be a regular file (not a directory, a device or a pipe)
// and within the caps that Load applies. A name that is outside dir,
// missing, a folder or a device gets one same error, so that the answer
// tells nothing about what exists outside:
//
//	scenario "../x": only regular files inside /srv/scenarios can be loaded
//
// The scenario's Source and the files named in errors are dir joined with
// the name.
func LoadIn(dir, name string) (*Scenario, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("scenario folder: %w", err)
	}
	defer root.Close()
	fsys := &files{root: root, dir: dir}
	data, err := fsys.readFile(name, MaxScenarioBytes, "a scenario file")
	var oe *outsideError
	if errors.As(err, &oe) {
		return nil, fmt.Errorf("scenario %q: %w", name, oe)
	}
	if err != nil {
		return nil, err
	}
	return parse(fsys, name, data)
}

// files opens the files a scenario reads: through the OS when root is nil
// (Load, Parse), or only the regular files inside root (LoadIn).
type files struct {
	root *os.Root
	dir  string // root's folder, for messages
}

var osFiles = &files{}

// outsideError is a file LoadIn may not read. It says the same whatever
// the reason (missing, outside, a folder, a device), and names no cause.
type outsideError struct{ dir string }

func (e *outsideError) Error() string {
	return fmt.Sprintf("only regular files inside %s can be loaded", e.dir)
}

// open opens name for reading. Inside a root, it refuses all but a
// regular file, with an *outsideError.
func (fsys *files) open(name string) (*os.File, error) {
	if fsys.root == nil {
		return input.Open(name) // a FIFO waits for a writer, until Ctrl-C
	}
	refuse := &outsideError{fsys.dir}
	// Stat first, so that a device or a pipe is not even opened; then open
	// without blocking (a pipe swapped in since would block the open) and
	// check again what was opened.
	if st, err := fsys.root.Stat(name); err != nil || !st.Mode().IsRegular() {
		return nil, refuse
	}
	f, err := fsys.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, refuse
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, refuse
	}
	return f, nil
}

// show is the path of name in messages and in Scenario.Source.
func (fsys *files) show(name string) string {
	if fsys.root == nil {
		return name
	}
	return filepath.Join(fsys.dir, name)
}

// readFile reads name whole, failing with a *FileError holding an
// *input.TooLargeError past maxBytes. Open errors are returned as they
// are (an *outsideError inside a root).
func (fsys *files) readFile(name string, maxBytes int64, what string) ([]byte, error) {
	f, err := fsys.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := input.ReadAll(f, maxBytes, what)
	if err != nil {
		return nil, &FileError{File: fsys.show(name), Err: err}
	}
	return data, nil
}

// resolve resolves p, named in the file from, against from's folder.
func (fsys *files) resolve(from, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(from), p)
}
