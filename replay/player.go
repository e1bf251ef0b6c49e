package replay

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Player replays a recording: it is the vegeta.Pacer that sends each entry
// at its offset and, through Targeter, the vegeta.Targeter that fills in
// the request. It also satisfies plan.Schedule (Due, Count, Duration) and
// has Forget, so the open-model driver measures the schedule lag of a
// replay as of any plan.
//
// Pace, called by vegeta's one pacing goroutine before each request, reads
// the next entry from the source, records when it is due and queues it;
// the targeter, called by vegeta's workers, takes the queue's head. The
// queue holds the requests between their tick and their send (about one a
// busy worker), so memory stays flat however long the recording.
//
// Requests leave in the order Pace scheduled them. Which vegeta Seq a
// worker's request gets is decided apart from the targeter call, so two
// requests launched within the same instant may swap Seqs; their due
// times are that close too.
type Player struct {
	open  Opener
	count uint64
	dur   time.Duration

	// Pace's state; srcMu also lets Close stop a source mid-read.
	srcMu sync.Mutex
	src   Source
	next  uint64        // entries read so far
	last  time.Duration // due time of entry next-1
	done  bool

	mu     sync.Mutex
	dues   map[uint64]time.Duration // scheduled, not yet forgotten
	queue  []Entry                  // scheduled, not yet handed to a worker
	head   int
	err    error
	recent [rateWindow]time.Duration // due times of the last entries, a ring
	nrec   uint64
}

// rateWindow is how many recent due times Rate looks at.
const rateWindow = 1024

// NewPlayer returns a Player of the recording that open reads; info (as a
// constructor or Scaled returned it) gives Count and Duration. The source
// is opened at the first Pace.
func NewPlayer(open Opener, info Info) *Player {
	return &Player{open: open, count: uint64(max(info.Count, 0)), dur: info.Duration, dues: map[uint64]time.Duration{}}
}

var _ vegeta.Pacer = (*Player)(nil)

// Pace implements vegeta.Pacer: it schedules request hits at its entry's
// offset. It stops at the end of the recording, after Count entries, or at
// a source error, which Err then returns.
func (p *Player) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	p.srcMu.Lock()
	defer p.srcMu.Unlock()
	for p.next <= hits {
		if p.done {
			return 0, true
		}
		e, err := p.read()
		if err != nil {
			p.finish(err)
			return 0, true
		}
		e.Offset = max(e.Offset, p.last) // a source's offsets never decrease; keep Due honest if one did
		p.mu.Lock()
		p.dues[p.next] = e.Offset
		p.push(e)
		p.recent[p.nrec%rateWindow] = e.Offset
		p.nrec++
		p.mu.Unlock()
		p.last = e.Offset
		p.next++
	}
	due := p.last
	if hits+1 < p.next { // asked again about an earlier request
		due, _ = p.Due(hits)
	}
	if due <= elapsed {
		return 0, false // behind schedule: send now; the lag is measured
	}
	return due - elapsed, false
}

// Next returns the next entry of the replay to a driver that paces it
// itself instead of vegeta (a stream with sessions: see attack's
// ReplayJob); io.EOF after the last, or at a source error, which Err then
// returns. Rate follows the entries it returned. Do not mix it with Pace.
func (p *Player) Next() (Entry, error) {
	p.srcMu.Lock()
	defer p.srcMu.Unlock()
	if p.done {
		return Entry{}, io.EOF
	}
	e, err := p.read()
	if err != nil {
		p.finish(err)
		return Entry{}, io.EOF
	}
	e.Offset = max(e.Offset, p.last)
	p.mu.Lock()
	p.recent[p.nrec%rateWindow] = e.Offset
	p.nrec++
	p.mu.Unlock()
	p.last = e.Offset
	p.next++
	return e, nil
}

// read returns the next entry, opening the source first if need be.
// Called with srcMu held.
func (p *Player) read() (Entry, error) {
	if p.count > 0 && p.next >= p.count {
		return Entry{}, io.EOF
	}
	if p.src == nil {
		src, err := p.open()
		if err != nil {
			return Entry{}, err
		}
		p.src = src
	}
	return p.src.Next()
}

// finish closes the source and keeps err unless it is io.EOF. Called with
// srcMu held.
func (p *Player) finish(err error) {
	p.done = true
	if p.src != nil {
		if cerr := p.src.Close(); err == nil || errors.Is(err, io.EOF) {
			err = cerr
		}
		p.src = nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		p.mu.Lock()
		if p.err == nil {
			p.err = err
		}
		p.mu.Unlock()
	}
}

// Close stops the replay and closes the source; call it when an attack
// ends before the recording does. Pace then stops.
func (p *Player) Close() error {
	p.srcMu.Lock()
	defer p.srcMu.Unlock()
	p.done = true
	if p.src == nil {
		return nil
	}
	err := p.src.Close()
	p.src = nil
	return err
}

// Err returns the source error that stopped the replay, if any.
func (p *Player) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// push appends e to the queue, moving it down when its dead head is at
// least half of it (amortized O(1), bounded by the entries in flight).
// Called with mu held.
func (p *Player) push(e Entry) {
	if p.head > 0 && p.head >= len(p.queue)/2 {
		n := copy(p.queue, p.queue[p.head:])
		clear(p.queue[n:])
		p.queue, p.head = p.queue[:n], 0
	}
	p.queue = append(p.queue, e)
}

// pop takes the queue's head. Called with mu held.
func (p *Player) pop() (Entry, bool) {
	if p.head >= len(p.queue) {
		return Entry{}, false
	}
	e := p.queue[p.head]
	p.queue[p.head] = Entry{}
	p.head++
	if p.head == len(p.queue) {
		p.queue, p.head = p.queue[:0], 0
	}
	return e, true
}

// Due returns when request n was due, as an offset from the start. It
// knows the requests that Pace has scheduled and Forget has not dropped.
// Safe for concurrent use.
func (p *Player) Due(n uint64) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.dues[n]
	return d, ok
}

// Forget drops request n's due time once its result is in, so memory
// follows the requests in flight, not the length of the replay.
func (p *Player) Forget(n uint64) {
	p.mu.Lock()
	delete(p.dues, n)
	p.mu.Unlock()
}

// Count is the number of requests of the replay.
func (p *Player) Count() uint64 { return p.count }

// Duration is the offset of the replay's last request.
func (p *Player) Duration() time.Duration { return p.dur }

// Rate implements vegeta.Pacer: the number of requests due in the second
// before elapsed, estimated from the last scheduled ones (over a shorter
// span at rates above rateWindow/s); before any, the mean rate.
func (p *Player) Rate(elapsed time.Duration) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nrec == 0 {
		if p.dur <= 0 {
			return 0
		}
		return float64(p.count) / p.dur.Seconds()
	}
	n := min(p.nrec, rateWindow)
	in, oldest := 0, time.Duration(-1)
	for i := range n {
		d := p.recent[(p.nrec-1-i)%rateWindow]
		if d <= elapsed && d > elapsed-time.Second {
			in++
			oldest = d
		}
	}
	if in == rateWindow && elapsed > oldest { // the window is full before a second is
		return float64(in) / (elapsed - oldest).Seconds()
	}
	return float64(in)
}

// Targeter returns the vegeta.Targeter of the replay: each call takes the
// next entry Pace scheduled and sends it to base (the run's URL, to which
// the entry's path and query are joined) with its method, body and
// headers. For an entry with Auth, stamp adds the current credentials to
// a copy of the headers (Authorization: Bearer …); stamp may be nil when no
// entry needs them. Safe for concurrent use; it must be used with p as the
// attack's pacer.
func (p *Player) Targeter(base string, stamp func(h http.Header)) vegeta.Targeter {
	base = strings.TrimRight(base, "/")
	return func(tgt *vegeta.Target) error {
		p.mu.Lock()
		e, ok := p.pop()
		p.mu.Unlock()
		if !ok {
			return ErrNotScheduled
		}
		tgt.Method, tgt.URL, tgt.Body, tgt.Header = e.Method, base+e.URL, e.Body, e.Header
		if e.Auth && stamp != nil {
			h := e.Header.Clone()
			if h == nil {
				h = make(http.Header, 1)
			}
			stamp(h)
			tgt.Header = h
		}
		return nil
	}
}

// ErrNotScheduled is the targeter's error when it runs without an entry
// scheduled: the Player was not the attack's pacer, or the targeter was
// called more often than vegeta does.
var ErrNotScheduled = errors.New("replay: the targeter ran with no request scheduled (the Player must pace the attack it targets)")
