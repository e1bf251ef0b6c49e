package results

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestWriterAbort: Abort ends the file after the last whole result, so it
// decodes to its end, and refuses what comes after.
func TestWriterAbort(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ResultsFile)
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := w.Write(res("GET", "http://h/health", 200, time.Millisecond, time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := w.Abort(); n != 3 || err != nil {
		t.Fatalf("Abort = %d, %v; want 3 results", n, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("results file mode %v (%v), want 0600 as run.json's: it may hold the API's answers", fi.Mode().Perm(), err)
	}
	if err := w.Write(res("GET", "http://h/health", 200, time.Millisecond, 0)); !errors.Is(err, errAborted) {
		t.Errorf("Write after Abort: %v", err)
	}
	if n, err := w.Abort(); n != 3 || err != nil {
		t.Errorf("second Abort = %d, %v", n, err)
	}
	n := 0
	if err := ReadFile(path, func(*vegeta.Result) error { n++; return nil }); err != nil || n != 3 {
		t.Errorf("read %d results, %v; want the 3 written before Abort", n, err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close after Abort: %v", err)
	}
}
