//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFIFOReadersStopOnFirstSignal: a named pipe that no program writes to,
// given to any reader, blocks ragload in open(2); a single SIGINT or
// SIGTERM ends the wait, and ragload exits 3 saying why (before, it hung
// until a second signal or a writer). Replay, which reads its file more
// than once, refuses a named pipe at once.
func TestFIFOReadersStopOnFirstSignal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "input")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	url := "http://127.0.0.1:1" // never reached
	for _, c := range []struct {
		name string
		sig  syscall.Signal
		args []string
	}{
		{"queries", syscall.SIGTERM, []string{"attack", "--queries", fifo, "-u", url, "-d", "1s"}},
		{"scenario", syscall.SIGINT, []string{"attack", "-s", fifo, "-u", url, "-d", "1s"}},
		{"credentials", syscall.SIGTERM, []string{"users", "--credentials", fifo, "-u", url, "--run-time", "1s"}},
		{"results", syscall.SIGINT, []string{"report", fifo}},
		{"vegeta targets", syscall.SIGTERM, []string{"replay", "--from-vegeta", fifo, "--rate", "1", "-d", "1s", "-u", url}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := c.args
			if args[0] != "report" {
				args = append(args, "-o", filepath.Join(t.TempDir(), "run"))
			}
			p := startRagload(t, args...)
			waitBlockedOnFIFO(t, p)
			p.signal(t, c.sig)
			code := p.wait(t, 5*time.Second) // fails the test if it hangs
			if code != exitInterrupt || !strings.Contains(p.stderr.String(), "interrupted while waiting for a program to write to the named pipe") {
				t.Errorf("exit %d, want %d and the reason\n%s", code, exitInterrupt, p.stderr.String())
			}
		})
	}
	t.Run("replay stream", func(t *testing.T) {
		t.Parallel()
		p := startRagload(t, "replay", fifo, "-u", url, "-o", filepath.Join(t.TempDir(), "run"))
		if code := p.wait(t, 5*time.Second); code != exitUsage || !strings.Contains(p.stderr.String(), "a named pipe: replay reads the file more than once") {
			t.Errorf("exit %d, want %d and the reason\n%s", code, exitUsage, p.stderr.String())
		}
	})
}

// waitBlockedOnFIFO waits until a thread of p waits in the kernel for a
// writer of a FIFO (Linux: its wchan is wait_for_partner), so that the
// signal comes after ragload set its handler and while it is blocked.
// Without /proc it waits a second.
func waitBlockedOnFIFO(t *testing.T, p *process) {
	t.Helper()
	tasks := filepath.Join("/proc", strconv.Itoa(p.cmd.Process.Pid), "task")
	if _, err := os.Stat(tasks); err != nil {
		time.Sleep(time.Second)
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("ragload exited before it blocked on the FIFO: exit %d\n%s", p.cmd.ProcessState.ExitCode(), p.stderr.String())
		default:
		}
		ws, _ := filepath.Glob(filepath.Join(tasks, "*", "wchan"))
		for _, w := range ws {
			if b, err := os.ReadFile(w); err == nil && strings.Contains(string(b), "wait_for_partner") {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("ragload did not block on the FIFO within 10s\n%s", p.stderr.String())
}
