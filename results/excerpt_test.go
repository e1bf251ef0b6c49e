package results

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ragload/ragload/internal/testtool"
)

// secret and checkNoLeak are internal/testtool's, under the names this
// package's tests use.
const secret = testtool.Secret

func checkNoLeak(t *testing.T, msg, s string) { t.Helper(); testtool.CheckNoLeak(t, msg, s) }

// The readers of run.json and summary.json (sweep.json's is
// results/sweepfile's) quote at most an excerpt of a bad value (before,
// time.ParseDuration's error quoted a duration whole, and the summary its
// schema).
func TestJSONReadersQuoteExcerpts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{
		`{"plan":{"duration":"` + testtool.Secret + `"}}`,
		`{"plan":{"duration":1` + strings.Repeat("0", 80) + `}}`,
		`{"plan":{"duration":[` + strings.Repeat("1", 80) + `]}}`,
		`{"status":` + strings.Repeat("1", 80) + `}`,
	} {
		write(ManifestFile, s)
		_, err := ReadManifest(dir)
		if err == nil {
			t.Errorf("%s: read", s)
			continue
		}
		testtool.CheckNoLeak(t, err.Error(), testtool.Secret)
		testtool.CheckNoLeak(t, err.Error(), strings.Repeat("0", 80))
		testtool.CheckNoLeak(t, err.Error(), strings.Repeat("1", 80))
	}
	write("results.bin", "x")
	write(SummaryFile, `{"schema":"`+testtool.Secret+`","results_file":"results.bin"}`)
	if _, err := readSummary(filepath.Join(dir, "results.bin"), -1); err == nil {
		t.Error("bad summary read")
	} else {
		testtool.CheckNoLeak(t, err.Error(), testtool.Secret)
	}
}

// A run.json or summary.json (sweep.json: results/sweepfile) that never
// ends (here a link to /dev/zero) fails with the file and the cap instead
// of exhausting memory.
func TestJSONReadersCap(t *testing.T) {
	if runtime.GOOS != "linux" || testing.Short() {
		t.Skip("needs /dev/zero; reads 64 MiB of it")
	}
	dir := t.TempDir()
	for _, name := range []string{ManifestFile, SummaryFile} {
		if err := os.Symlink("/dev/zero", filepath.Join(dir, name)); err != nil {
			t.Skip(err)
		}
	}
	_, err := ReadManifest(dir)
	want := filepath.Join(dir, ManifestFile) + ": larger than the 64 MiB cap for a run.json"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ReadManifest: %v, want %q", err, want)
	}
	if _, err := readSummary(filepath.Join(dir, "results.bin"), -1); err == nil || !strings.Contains(err.Error(), "64 MiB cap for a summary.json") {
		t.Errorf("readSummary: %v", err)
	}
}
