package results

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ragload/ragload/internal/input"
)

// secret stands for a value a file holds that no error may show whole.
const secret = "S3cretValue-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ"

func checkNoLeak(t *testing.T, msg, s string) {
	t.Helper()
	for i := 0; i+input.MaxExcerpt < len(s); i++ {
		if strings.Contains(msg, s[i:i+input.MaxExcerpt+1]) {
			t.Errorf("error quotes more than %d bytes of the input: %s", input.MaxExcerpt, msg)
			return
		}
	}
}

// The readers of run.json, summary.json and sweep.json quote at most an
// excerpt of a bad value (before, time.ParseDuration's error quoted a
// duration whole, and the summary its schema).
func TestJSONReadersQuoteExcerpts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{
		`{"plan":{"duration":"` + secret + `"}}`,
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
		checkNoLeak(t, err.Error(), secret)
		checkNoLeak(t, err.Error(), strings.Repeat("0", 80))
		checkNoLeak(t, err.Error(), strings.Repeat("1", 80))
	}
	write(SweepFile, `{"plan":{"step_duration":"`+secret+`"},"steps":[{"rate":"`+secret+`"}]}`)
	if _, err := ReadSweep(dir); err == nil {
		t.Error("bad sweep read")
	} else {
		checkNoLeak(t, err.Error(), secret)
	}
	write("results.bin", "x")
	write(SummaryFile, `{"schema":"`+secret+`","results_file":"results.bin"}`)
	if _, err := readSummary(filepath.Join(dir, "results.bin"), -1); err == nil {
		t.Error("bad summary read")
	} else {
		checkNoLeak(t, err.Error(), secret)
	}
}

// A run.json, sweep.json or summary.json that never ends (here a link to
// /dev/zero) fails with the file and the cap instead of exhausting memory.
func TestJSONReadersCap(t *testing.T) {
	if runtime.GOOS != "linux" || testing.Short() {
		t.Skip("needs /dev/zero; reads 64 MiB of it")
	}
	dir := t.TempDir()
	for _, name := range []string{ManifestFile, SweepFile, SummaryFile} {
		if err := os.Symlink("/dev/zero", filepath.Join(dir, name)); err != nil {
			t.Skip(err)
		}
	}
	_, err := ReadManifest(dir)
	want := filepath.Join(dir, ManifestFile) + ": larger than the 64 MiB cap for a run.json"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ReadManifest: %v, want %q", err, want)
	}
	if _, err := ReadSweep(dir); err == nil || !strings.Contains(err.Error(), "64 MiB cap for a sweep.json") {
		t.Errorf("ReadSweep: %v", err)
	}
	if _, err := readSummary(filepath.Join(dir, "results.bin"), -1); err == nil || !strings.Contains(err.Error(), "64 MiB cap for a summary.json") {
		t.Errorf("readSummary: %v", err)
	}
}
