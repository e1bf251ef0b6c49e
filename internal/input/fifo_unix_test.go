//go:build unix

package input_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/internal/testtool"
)

// TestOpenFIFO: Open reads a named pipe once a program writes to it, as
// os.Open does; while none does, Interrupt ends the wait with
// ErrInterrupted. (Interrupt is for the whole process: this test calls it
// last, and no other test of the package opens a FIFO.)
func TestOpenFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := func(name string) string {
		p := filepath.Join(dir, name)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		return p
	}
	type opened struct {
		f   *os.File
		err error
	}
	open := func(p string) chan opened {
		ch := make(chan opened, 1)
		go func() {
			f, err := input.Open(p)
			ch <- opened{f, err}
		}()
		return ch
	}

	// A writer that comes later: the open waits for it, then reads.
	p := fifo("written")
	ch := open(p)
	select {
	case o := <-ch:
		t.Fatalf("Open of a FIFO without a writer returned at once: %v", o.err)
	case <-time.After(100 * time.Millisecond):
	}
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString("q1\nq2\n")
	w.Close()
	o := <-ch
	if o.err != nil {
		t.Fatal(o.err)
	}
	b, err := io.ReadAll(o.f)
	o.f.Close()
	if err != nil || string(b) != "q1\nq2\n" {
		t.Errorf("read %q, %v", b, err)
	}

	// No writer: Interrupt ends the wait, now and for later opens. Where
	// /proc tells, the interrupt comes once the open is blocked in the
	// kernel, not at a guessed time after it began.
	ch = open(fifo("silent"))
	if _, err := os.Stat("/proc/self/task"); err == nil {
		testtool.WaitFor(t, 10*time.Second, "the open to block on the FIFO", blockedOnFIFO)
	} else {
		t.Log("no /proc: Interrupt may come before the open blocks (the same result, the other path)")
	}
	input.Interrupt()
	select {
	case o := <-ch:
		var pe *fs.PathError
		if !errors.Is(o.err, input.ErrInterrupted) || !errors.As(o.err, &pe) || o.f != nil {
			t.Errorf("Open after Interrupt: %v, %v", o.f, o.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Interrupt did not end the wait")
	}
	if _, err := input.Open(fifo("later")); !errors.Is(err, input.ErrInterrupted) {
		t.Errorf("Open after Interrupt: %v", err)
	}
	// A regular file opens as ever.
	reg := filepath.Join(dir, "regular")
	os.WriteFile(reg, []byte("x"), 0o600)
	if f, err := input.Open(reg); err != nil {
		t.Errorf("Open(regular): %v", err)
	} else {
		f.Close()
	}
}

// blockedOnFIFO reports whether a thread of this process waits in the
// kernel for a writer of a FIFO (Linux: its wchan is wait_for_partner), as
// cmd/ragload's waitBlockedOnFIFO reads it of a child.
func blockedOnFIFO() bool {
	ws, _ := filepath.Glob("/proc/self/task/*/wchan")
	for _, w := range ws {
		if b, err := os.ReadFile(w); err == nil && strings.Contains(string(b), "wait_for_partner") {
			return true
		}
	}
	return false
}
