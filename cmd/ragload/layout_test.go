package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestLayoutDocumented keeps the code's maps in step with the tree: every
// package but internal ones and scripts is named in docs/development.md's
// layout, and a doc.go with a "Where things live:" map names every non-test
// file of its package and no file that is gone (they had drifted: results'
// map named stream.go after it moved to results/tokens, and missed
// checks.go; prepare's missed summary.go).
func TestLayoutDocumented(t *testing.T) {
	const root = "../.."
	dev, err := os.ReadFile(filepath.Join(root, "docs/development.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, layout, ok := strings.Cut(string(dev), "Layout: ")
	if !ok {
		t.Fatal("docs/development.md has no Layout: paragraph")
	}
	layout, _, _ = strings.Cut(layout, "\n\n")
	layout = strings.Join(strings.Fields(layout), " ")
	fileName := regexp.MustCompile(`\b[a-z0-9_]+\.go\b`)
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" {
			return filepath.SkipDir
		}
		code, _ := filepath.Glob(filepath.Join(path, "*.go"))
		code = slices.DeleteFunc(code, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
		if len(code) == 0 {
			return nil
		}
		// internal/ and results/internal/ are summed up in a word; scripts
		// are not packages of ragload.
		unnamed := strings.HasPrefix(rel, "internal/") || strings.HasPrefix(rel, "results/internal/") || strings.HasPrefix(rel, "scripts/")
		if !unnamed && !strings.Contains(layout, "`"+rel+"`") {
			t.Errorf("docs/development.md's layout does not name `%s`", rel)
		}
		doc, err := os.ReadFile(filepath.Join(path, "doc.go"))
		if err != nil {
			return nil
		}
		_, where, ok := strings.Cut(string(doc), "Where things live:")
		if !ok {
			return nil
		}
		named := fileName.FindAllString(where, -1)
		for _, f := range code {
			if b := filepath.Base(f); b != "doc.go" && !slices.Contains(named, b) {
				t.Errorf("%s/doc.go: its map does not name %s", rel, b)
			}
		}
		for _, n := range named {
			if _, err := os.Stat(filepath.Join(path, n)); err != nil {
				t.Errorf("%s/doc.go: its map names %s, which is not in the package", rel, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
