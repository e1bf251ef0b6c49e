package sweepfile

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/results"
)

// Write redacts the target's userinfo, and Read gives back what was
// written.
func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	good := 40.0
	in := &Sweep{Name: "s", Target: "http://admin:" + testtool.Secret + "@api.test", Status: results.StatusComplete,
		Plan:  Plan{From: 10, To: 80, StepDuration: results.Duration(30 * time.Second), Precision: 0.1, Growth: 2},
		Steps: []Step{{Rate: 40, Dir: "step-01-40", Goodput: &good, Requests: 1200, Verdict: StepPass}}, Found: true, Capacity: 40}
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		t.Fatal(err)
	}
	testtool.CheckNoLeak(t, string(b), testtool.Secret)
	out, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if out.Schema != "ragload.sweep/v1" || out.Target != "http://admin:xxxxx@api.test" || out.Plan.StepDuration != in.Plan.StepDuration ||
		len(out.Steps) != 1 || *out.Steps[0].Goodput != good || out.Steps[0].Verdict != StepPass || out.Capacity != 40 {
		t.Errorf("read back %+v", out)
	}
}

// Read quotes at most an excerpt of a bad value.
func TestReadQuotesExcerpts(t *testing.T) {
	dir := t.TempDir()
	bad := `{"plan":{"step_duration":"` + testtool.Secret + `"},"steps":[{"rate":"` + testtool.Secret + `"}]}`
	if err := os.WriteFile(filepath.Join(dir, File), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(dir); err == nil {
		t.Error("bad sweep read")
	} else {
		testtool.CheckNoLeak(t, err.Error(), testtool.Secret)
	}
}

// A sweep.json that never ends (here a link to /dev/zero) fails with the
// file and the cap instead of exhausting memory.
func TestReadCap(t *testing.T) {
	if runtime.GOOS != "linux" || testing.Short() {
		t.Skip("needs /dev/zero; reads 64 MiB of it")
	}
	dir := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, File)); err != nil {
		t.Skip(err)
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "64 MiB cap for a sweep.json") {
		t.Errorf("Read: %v", err)
	}
}
