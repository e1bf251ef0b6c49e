package web

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ragload/ragload/targets"
)

// loadScenario loads the scenario the page names: a regular file inside the
// scenarios folder, by a path relative to it (or an absolute path inside
// it). Any other path (outside, through a symlink out, missing, a folder, a
// device, a FIFO) gets one message, which says where scenarios may come
// from and nothing about the path: the page must not learn what exists
// outside the folder. targets.LoadIn confines what the file refers to.
func (s *Server) loadScenario(p string) (*targets.Scenario, error) {
	refuse := fmt.Errorf("scenario %q: only files inside %s can be loaded from the page", excerpt(p, 80), s.scenDir)
	name := p
	if filepath.IsAbs(name) {
		rel, err := filepath.Rel(s.scenDir, name)
		if err != nil {
			return nil, refuse
		}
		name = rel
	}
	if !filepath.IsLocal(name) {
		return nil, refuse
	}
	root, err := os.OpenRoot(s.scenDir)
	if err != nil {
		return nil, fmt.Errorf("scenarios folder: %w", err)
	}
	defer root.Close()
	// Stat, not Open: opening a FIFO would block. LoadIn checks again on
	// what it opens.
	if fi, err := root.Stat(name); err != nil || !fi.Mode().IsRegular() {
		return nil, refuse
	}
	sc, err := targets.LoadIn(s.scenDir, name)
	if err != nil {
		// The words ragload attack --scenario prints, but cut: a parse
		// error may quote the file's text.
		return nil, errors.New(cutMessage(err.Error()))
	}
	return sc, nil
}
