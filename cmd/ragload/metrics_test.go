package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetricsAddrInUseLeavesNoRecording: a --metrics-addr whose port is
// taken ends the command before it creates the --record file. The empty
// file it left behind (created with O_EXCL) refused the corrected command:
// "--record: open rec.jsonl: file exists".
func TestMetricsAddrInUseLeavesNoRecording(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	rec := filepath.Join(t.TempDir(), "rec.jsonl")
	_, errOut, code := ragload(t, "attack", "-u", "http://127.0.0.1:9", "--rate", "5", "-d", "1s", "-o", runDir(t),
		"--record", rec, "--metrics-addr", ln.Addr().String())
	if code != 2 || !strings.Contains(errOut, "--metrics-addr") {
		t.Fatalf("exit %d, want 2 and the flag named:\n%s", code, errOut)
	}
	if _, err := os.Stat(rec); !os.IsNotExist(err) {
		t.Errorf("the failed command left %s behind (%v): the retry cannot create it", rec, err)
	}
	if strings.Contains(errOut, "writing ") {
		t.Errorf("the run was announced before the port failed:\n%s", errOut)
	}
}
