package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/attack"
)

func TestProgressLine(t *testing.T) {
	open := attack.Progress{Elapsed: 12 * time.Second, Duration: time.Minute, Planned: 3000, Done: 600, Failures: 2, InFlight: 14, P95: 312400 * time.Microsecond}
	if got, want := progressLine(open), "ragload: 12s/1m0s · 600/3000 done · 50.0/s · 14 in flight · 2 errors · p95 312.4 ms"; got != want {
		t.Errorf("open model:\n got %q\nwant %q", got, want)
	}
	users := attack.Progress{Elapsed: 4 * time.Second, Duration: 10 * time.Second, Done: 0, Users: 100}
	if got, want := progressLine(users), "ragload: 4s/10s · 0 done · 100 users · 0.0/s · 0 in flight · 0 errors"; got != want {
		t.Errorf("users:\n got %q\nwant %q", got, want)
	}
	// Past the plan, nothing new is sent: the line says the run drains what
	// is in flight instead of "25s/20s".
	for _, c := range []struct {
		p    attack.Progress
		want string
	}{
		{attack.Progress{Elapsed: 25 * time.Second, Duration: 20 * time.Second, Planned: 400, Done: 386, InFlight: 14, Failures: 1, P95: 2 * time.Second},
			"ragload: 25s, past the 20s planned: draining 14 in flight · 386/400 done · 15.4/s · 1 errors · p95 2000.0 ms"},
		{attack.Progress{Elapsed: 26 * time.Second, Duration: 20 * time.Second, Planned: 400, Done: 400, P95: time.Second},
			"ragload: 26s, past the 20s planned: finishing · 400/400 done · 15.4/s · 0 errors · p95 1000.0 ms"},
		{attack.Progress{Elapsed: 2500 * time.Millisecond, Duration: 2 * time.Second, Done: 30, Users: 5, InFlight: 3, P95: time.Second},
			"ragload: 2.5s, past the 2s planned: draining 3 in flight · 30 done · 5 users · 12.0/s · 0 errors · p95 1000.0 ms"},
		// The last tick of the plan, a hair past it, is not draining yet.
		{attack.Progress{Elapsed: 20*time.Second + 3*time.Millisecond, Duration: 20 * time.Second, Planned: 400, Done: 380, InFlight: 20, P95: time.Second},
			"ragload: 20s/20s · 380/400 done · 19.0/s · 20 in flight · 0 errors · p95 1000.0 ms"},
	} {
		if got := progressLine(c.p); got != c.want {
			t.Errorf("past the plan:\n got %q\nwant %q", got, c.want)
		}
	}
	// A replay lasts what its stream lasts: times are rounded to seconds
	// from 10 s, to tenths below.
	for _, c := range []struct {
		elapsed, duration time.Duration
		want              string
	}{
		{5 * time.Second, 11989443593, "ragload: 5s/12s · "},
		{5400 * time.Millisecond, 11989443593, "ragload: 5s/12s · "},
		{1500 * time.Millisecond, 2345678901, "ragload: 1.5s/2.3s · "},
		{3 * time.Second, 0, "ragload: 3s/0s · "},
	} {
		p := attack.Progress{Elapsed: c.elapsed, Duration: c.duration, Planned: 10}
		if got := progressLine(p); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s of %s: %q, want it to start %q", c.elapsed, c.duration, got, c.want)
		}
	}
}

// TestProgressViewNotTerminal: into a pipe or a file, progress is plain
// lines, every 5 s, and finish writes nothing.
func TestProgressViewNotTerminal(t *testing.T) {
	var buf bytes.Buffer
	v := newProgressView(&buf)
	if v.TTY || v.Every() != 5*time.Second {
		t.Fatalf("a buffer is a terminal (tty %v, every %s)", v.TTY, v.Every())
	}
	v.Update(attack.Progress{Elapsed: time.Second, Duration: 2 * time.Second, Done: 1, Planned: 2})
	v.Finish()
	if out := buf.String(); strings.Contains(out, "\r") || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "ragload: 1s/2s") {
		t.Errorf("output %q", out)
	}
}

// progressLine is a progress line as ragload prints it.
func progressLine(p attack.Progress) string { return "ragload: " + p.String() }
