package replay

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// Recorder writes entries to a stream file in sequence order although they
// arrive out of order (results complete out of order). Entries wait in a
// reorder buffer until every lower sequence number has been added or
// skipped, so memory follows what is out of order, not the length of the
// run. It is safe for concurrent use.
//
// The stream is sorted by offset when offsets grow with the sequence
// numbers, as vegeta's do (a result's Seq and Timestamp are taken together).
type Recorder struct {
	mu      sync.Mutex
	bw      *bufio.Writer
	enc     *json.Encoder
	next    uint64            // the lowest sequence number not yet written or skipped
	pending map[uint64]*Entry // nil: skipped
	count   int64
	err     error // sticky: the first write error
	closed  bool
	drop    []string // more headers to leave out (DropHeaders)
}

// NewRecorder returns a Recorder that writes to w. Call Close to flush.
func NewRecorder(w io.Writer) *Recorder {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &Recorder{bw: bw, enc: enc, pending: map[uint64]*Entry{}}
}

// SecretSource reports whether the recording leaves out the values saved
// from a save's From (SecretSource, with the headers of DropHeaders).
func (r *Recorder) SecretSource(from string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return SecretSource(from, r.drop...)
}

// DropHeaders adds headers the recording leaves out (compared
// case-insensitively), besides those StripSecrets always drops: the ones a
// scenario marks secret. It applies to the entries added after it.
func (r *Recorder) DropHeaders(names ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drop = append(r.drop, names...)
}

// Add records e as request seq (counting from 0 without gaps). It drops
// the headers that may carry secrets from e (StripSecrets, and
// DropHeaders'), and the values its journey step saved from such a source
// (StripSecretSaves), whatever the caller did. An invalid entry is not written:
// Add returns why and counts seq as skipped, so later entries still flow.
func (r *Recorder) Add(seq uint64, e Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.Header = StripSecrets(e.Header, r.drop...)
	e.Saves = StripSecretSaves(e.Saves, r.drop...)
	verr := e.validate()
	if verr != nil {
		if err := r.put(seq, nil); err != nil {
			return err
		}
		return fmt.Errorf("record request %d: %w", seq, verr)
	}
	return r.put(seq, &e)
}

// Skip says that seq has no request (its target failed, say), so the
// entries after it need not wait for it.
func (r *Recorder) Skip(seq uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.put(seq, nil) // a write error stays in r.err for Close
}

// put writes e (nil: skip) if seq is next, with whatever it unblocks, or
// buffers it. Called with r.mu held.
func (r *Recorder) put(seq uint64, e *Entry) error {
	switch {
	case r.closed:
		return errors.New("record: the recorder is closed")
	case seq < r.next:
		return fmt.Errorf("record: request %d was already recorded", seq)
	case seq > r.next:
		if _, dup := r.pending[seq]; dup {
			return fmt.Errorf("record: request %d was already recorded", seq)
		}
		r.pending[seq] = e
		return r.err
	}
	r.write(e)
	r.next++
	for {
		e, ok := r.pending[r.next]
		if !ok {
			break
		}
		delete(r.pending, r.next)
		r.write(e)
		r.next++
	}
	return r.err
}

func (r *Recorder) write(e *Entry) {
	if e == nil || r.err != nil {
		return
	}
	if err := r.enc.Encode(e.wire()); err != nil {
		r.err = fmt.Errorf("record: %w", err)
		return
	}
	r.count++
}

// Count is the number of entries written so far; after Close, of all the
// entries added.
func (r *Recorder) Count() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Close writes the entries still buffered, in sequence order, past any gap
// of sequence numbers that never came (an interrupted run), and flushes.
// It does not close the underlying writer. It returns the first write
// error.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.err
	}
	r.closed = true
	seqs := make([]uint64, 0, len(r.pending))
	for s := range r.pending {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	for _, s := range seqs {
		r.write(r.pending[s])
	}
	r.pending = nil
	if err := r.bw.Flush(); err != nil && r.err == nil {
		r.err = fmt.Errorf("record: %w", err)
	}
	return r.err
}
