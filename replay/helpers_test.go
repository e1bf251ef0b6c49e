package replay

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ragload/ragload/targets"
)

// writeFile writes content to name in a fresh temporary directory and
// returns its path.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeStream records entries (in order) to a stream file and returns its
// path.
func writeStream(t *testing.T, entries []Entry) string {
	t.Helper()
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	for i, e := range entries {
		if err := r.Add(uint64(i), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "stream.jsonl", buf.String())
}

// readAll opens a source and reads it to the end.
func readAll(t testing.TB, open Opener) []Entry {
	t.Helper()
	src, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []Entry
	for {
		e, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("entry %d: %v", len(out), err)
		}
		out = append(out, e)
	}
}

// offsets returns the offsets of entries.
func offsets(es []Entry) []time.Duration {
	var out []time.Duration
	for _, e := range es {
		out = append(out, e.Offset)
	}
	return out
}

// asFileError asserts that err is a *targets.FileError and returns it.
func asFileError(t *testing.T, err error) *targets.FileError {
	t.Helper()
	var fe *targets.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v (%T), want a *targets.FileError", err, err)
	}
	return fe
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}
