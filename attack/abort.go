package attack

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/ragload/ragload/results"
)

// aborts are what the runs in progress do when the process must exit at
// once (Abort): save what they can in a hurry.
var aborts struct {
	mu   sync.Mutex
	next int
	fns  map[int]func() string
}

// OnAbort registers fn to run on Abort, which shows the line fn returns
// (none when empty); the returned func unregisters it.
func OnAbort(fn func() string) (remove func()) {
	aborts.mu.Lock()
	defer aborts.mu.Unlock()
	if aborts.fns == nil {
		aborts.fns = map[int]func() string{}
	}
	id := aborts.next
	aborts.next++
	aborts.fns[id] = fn
	return func() {
		aborts.mu.Lock()
		defer aborts.mu.Unlock()
		delete(aborts.fns, id)
	}
}

// Abort is for a process about to exit without waiting for its runs (a
// second Ctrl-C): every run in progress flushes its results file up to the
// last whole result, refuses further results, and marks its manifest
// interrupted with the requests sent and the results written (requests in
// flight are abandoned); a sweep marks its summary interrupted. It returns
// a line per run saying what was kept. It does not wait for requests and
// takes milliseconds; the caller exits right after.
func Abort() []string {
	aborts.mu.Lock()
	fns := make([]func() string, 0, len(aborts.fns))
	for _, fn := range aborts.fns {
		fns = append(fns, fn)
	}
	aborts.mu.Unlock()
	var notes []string
	for _, fn := range fns {
		if n := fn(); n != "" {
			notes = append(notes, n)
		}
	}
	return notes
}

// ErrAborted is what a run returns after Abort saved it.
var ErrAborted = errors.New("the run was abandoned: the process is exiting at once")

// abort saves the run in a hurry: see Abort. It leaves the manifest the
// driver is still using alone and writes a copy.
func (rc *recorder) abort() string {
	rc.abortMu.Lock()
	defer rc.abortMu.Unlock()
	if rc.finished {
		return ""
	}
	rc.aborted = true
	path := filepath.Join(rc.dir, results.ResultsFile)
	written, err := rc.w.Abort()
	if err != nil {
		return fmt.Sprintf("%s: %v", path, err)
	}
	m := *rc.m
	m.Generator = nil // the monitor may be appending to it
	m.Status, m.Ended, m.Completed = results.StatusInterrupted, time.Now(), written
	if m.SendEnded.IsZero() {
		m.SendEnded = m.Ended
	}
	if rc.started != nil {
		m.Sent = max(rc.started(), written)
	} else {
		m.Sent = written
	}
	abandoned := m.Sent - written
	m.Error = fmt.Sprintf("exited at once on a second signal: %d requests in flight have no result", abandoned)
	recording := ""
	if rc.rec != nil {
		// The --record stream: what it buffered, in order past the gaps of
		// the abandoned requests (Close is safe against a concurrent Add).
		if err := rc.rec.Close(); err != nil {
			recording = fmt.Sprintf("; the recording: %v", err)
		} else {
			recording = fmt.Sprintf("; the recording keeps %d requests", rc.rec.Count())
		}
	}
	if err := results.WriteManifest(rc.dir, &m); err != nil {
		return fmt.Sprintf("%s: %d results kept; %v%s", path, written, err, recording)
	}
	return fmt.Sprintf("%s: kept the %d results received; %d requests in flight were abandoned%s", path, written, abandoned, recording)
}
