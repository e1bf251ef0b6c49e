package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ragload/ragload/demo"
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

// TestMetricsAddrBarePort: --metrics-addr 9464, a port alone as the help
// says, binds loopback; it was refused ("9464" is not host:port).
func TestMetricsAddrBarePort(t *testing.T) {
	_, target := demoAPI(t, demo.Config{})
	port := strings.TrimPrefix(freeLoopbackAddr(t), "127.0.0.1:")
	out, errOut, code := ragload(t, "attack", "-u", target, "--rate", "10", "-d", "300ms", "-o", runDir(t), "--min-samples", "1",
		"--metrics-addr", port)
	if !ranOK(out, code) || !strings.Contains(errOut, "ragload: metrics on http://127.0.0.1:"+port+"/metrics\n") {
		t.Fatalf("exit %d, want the run with metrics on 127.0.0.1:%s:\n%s", code, port, errOut)
	}
	if strings.Contains(errOut, "warning: metrics") {
		t.Errorf("a loopback port was warned about:\n%s", errOut)
	}
}
