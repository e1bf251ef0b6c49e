package attack

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ragload/ragload/results"
)

// Progress is a snapshot of a running load test.
type Progress struct {
	Elapsed, Duration time.Duration
	Planned           uint64        // requests planned (0 for closed-loop users)
	Done, Failures    uint64        // results so far
	InFlight          int64         // requests sent and not yet answered
	P95               time.Duration // response time so far, from the scheduled send where there is one
	Users             int           // virtual users running (closed-loop users only)
	Dropped           uint64        // requests dropped instead of sent (open model)
}

// Rate is the achieved rate of results so far.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done) / p.Elapsed.Seconds()
}

// String is the progress in one line: "12s/1m0s · 600/3000 done · 50.0/s
// · 14 in flight · 2 errors · p95 312.4 ms".
func (p Progress) String() string {
	var b strings.Builder
	step := progressStep(max(p.Duration, p.Elapsed))
	elapsed, planned := p.Elapsed.Round(step), p.Duration.Round(step)
	// Past the plan nothing new is sent: the run waits for the answers
	// still in flight (up to the timeout), which "25s/20s" did not say.
	draining := planned > 0 && elapsed > planned
	if draining {
		fmt.Fprintf(&b, "%s, past the %s planned: ", elapsed, planned)
		if p.InFlight > 0 {
			fmt.Fprintf(&b, "draining %d in flight", p.InFlight)
		} else {
			b.WriteString("finishing")
		}
	} else {
		fmt.Fprintf(&b, "%s/%s", elapsed, planned)
	}
	if p.Planned > 0 {
		fmt.Fprintf(&b, " · %d/%d done", p.Done, p.Planned)
	} else {
		fmt.Fprintf(&b, " · %d done", p.Done)
	}
	if p.Users > 0 {
		fmt.Fprintf(&b, " · %d users", p.Users)
	}
	fmt.Fprintf(&b, " · %.1f/s", p.Rate())
	if !draining {
		fmt.Fprintf(&b, " · %d in flight", p.InFlight)
	}
	fmt.Fprintf(&b, " · %d errors", p.Failures)
	if p.Dropped > 0 {
		fmt.Fprintf(&b, " · %d dropped (ragload behind)", p.Dropped)
	}
	if p.Done > 0 {
		fmt.Fprintf(&b, " · p95 %s ms", results.FormatMillis(p.P95))
	}
	return b.String()
}

// progressStep is how finely a progress line shows the times of a run
// that lasts d: whole seconds from 10 s, tenths below (a replay's length
// is 11.989443593s, and reads 12s).
func progressStep(d time.Duration) time.Duration {
	if d >= 10*time.Second {
		return time.Second
	}
	return 100 * time.Millisecond
}

// ProgressPrinter writes a running load test's progress to W, each line
// after Prefix: on a terminal (TTY) one line redrawn in place at most
// twice a second, else a plain line every 5 s (a CI log). Update is a
// Setup.Progress, Every its ProgressEvery.
type ProgressPrinter struct {
	W      io.Writer
	TTY    bool
	Prefix string

	mu      sync.Mutex
	printed bool
}

// Every is how often the progress is worth a line.
func (v *ProgressPrinter) Every() time.Duration {
	if v.TTY {
		return 500 * time.Millisecond
	}
	return 5 * time.Second
}

// Update writes p.
func (v *ProgressPrinter) Update(p Progress) {
	line := v.Prefix + p.String()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.TTY {
		fmt.Fprintf(v.W, "\r\x1b[K%s", line) // carriage return, clear to the end of the line
	} else {
		fmt.Fprintln(v.W, line)
	}
	v.printed = true
}

// Finish clears the live line, so what follows starts on a clean line.
func (v *ProgressPrinter) Finish() {
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.TTY && v.printed {
		fmt.Fprint(v.W, "\r\x1b[K")
	}
}
