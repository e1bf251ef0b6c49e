//go:build unix

package input

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
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
			f, err := Open(p)
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

	// No writer: Interrupt ends the wait, now and for later opens.
	ch = open(fifo("silent"))
	time.Sleep(50 * time.Millisecond)
	Interrupt()
	select {
	case o := <-ch:
		var pe *fs.PathError
		if !errors.Is(o.err, ErrInterrupted) || !errors.As(o.err, &pe) || o.f != nil {
			t.Errorf("Open after Interrupt: %v, %v", o.f, o.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Interrupt did not end the wait")
	}
	if _, err := Open(fifo("later")); !errors.Is(err, ErrInterrupted) {
		t.Errorf("Open after Interrupt: %v", err)
	}
	// A regular file opens as ever.
	reg := filepath.Join(dir, "regular")
	os.WriteFile(reg, []byte("x"), 0o600)
	if f, err := Open(reg); err != nil {
		t.Errorf("Open(regular): %v", err)
	} else {
		f.Close()
	}
}
