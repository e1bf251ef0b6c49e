// Package journey follows the journeys of a run through its results: which
// instances are still open, and per journey how many started, completed,
// failed (by reason) or were left unfinished. A journey's results are
// ordinary results of its steps' endpoints that carry a mark (SetMark
// writes it, MarkOf reads it): the journey, its instance, the step, and
// on the last result how it ended. results.Aggregator feeds a Tracker
// every marked result and keeps the durations of the completed journeys in
// the same HDR histograms as the endpoints' latencies; this package knows
// neither results files nor histograms (only the headers of a
// vegeta.Result), so that results can import it.
//
// Instances are unique within one results file only: call Tracker.EndFile
// between files, so that two files' instance 7 are two journeys.
package journey

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds on what a Tracker keeps, so that a long run or a damaged or
// hand-made file cannot make it grow without bound.
const (
	// MaxOpen is how many journeys a Tracker follows at once: about 24
	// bytes each in the map, some 40 MB at the bound. A journey that
	// starts while MaxOpen are open is counted in Started and Untracked,
	// and its later results are ignored.
	MaxOpen = 1_000_000
	// MaxNames is how many distinct journey names a Tracker counts (a
	// scenario has at most 64); the results of others are ignored.
	MaxNames = 256
	// MaxReasons is how many distinct failure reasons a journey counts
	// by name; failures with other reasons count in OtherReasons.
	MaxReasons = 100
	// MaxReasonBytes is how much of a failure reason is kept.
	MaxReasonBytes = 200
)

// Mark is what one result says of its journey (MarkOf).
type Mark struct {
	Journey  string
	Instance uint64
	Step     int    // the index of the step in the journey's steps
	End      string // "" unless the journey's last result: "ok", or why it failed
}

// Ok is the End of a journey that completed.
const Ok = "ok"

// Counts is what the results of one journey say of it. Started is the sum
// of Completed, Failed, Unfinished and Untracked.
type Counts struct {
	Name      string `json:"name"`
	Started   uint64 `json:"started"`
	Completed uint64 `json:"completed"`
	// Failed ended with a failure reason (a step's request failed, its
	// checks failed, a saved value was missing, a poll timed out).
	Failed uint64 `json:"failed"`
	// Unfinished started and had no end in their results file: the end of
	// the run cut them.
	Unfinished uint64 `json:"unfinished"`
	// Untracked started while MaxOpen journeys were open: how they ended
	// was not followed.
	Untracked uint64 `json:"untracked,omitempty"`
	// Reasons counts the failures by reason, in order of first
	// appearance, at most MaxReasons; OtherReasons, the failures whose
	// reasons came after those.
	Reasons      []ReasonCount `json:"reasons,omitempty"`
	OtherReasons uint64        `json:"other_reasons,omitempty"`
}

// ReasonCount is how many journeys failed for one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  uint64 `json:"count"`
}

// FailureRate is Failed / (Completed + Failed): the share of the journeys
// that ended which failed (0 when none ended). Unfinished ones are not
// judged.
func (c *Counts) FailureRate() float64 {
	if n := c.Completed + c.Failed; n > 0 {
		return float64(c.Failed) / float64(n)
	}
	return 0
}

// fail counts n failures for reason (cut and cleaned by Reason).
func (c *Counts) fail(reason string, n uint64) {
	c.Failed += n
	c.countReason(Reason(reason), n)
}

// countReason adds n to reason's count; reason is already Reason's.
// Reasons are few (MaxReasons), and only failures look them up.
func (c *Counts) countReason(reason string, n uint64) {
	for i := range c.Reasons {
		if c.Reasons[i].Reason == reason {
			c.Reasons[i].Count += n
			return
		}
	}
	if len(c.Reasons) < MaxReasons {
		c.Reasons = append(c.Reasons, ReasonCount{Reason: cloneString(reason), Count: n})
		return
	}
	c.OtherReasons += n
}

// Merge adds o's counts to c, as if o's journeys had been followed after
// c's: o's reasons in their order, past MaxReasons in OtherReasons. It is
// exact unless o counted OtherReasons that c has by name (Mergeable).
func (c *Counts) Merge(o *Counts) {
	c.Started += o.Started
	c.Completed += o.Completed
	c.Failed += o.Failed
	c.Unfinished += o.Unfinished
	c.Untracked += o.Untracked
	for _, r := range o.Reasons {
		c.countReason(r.Reason, r.Count)
	}
	c.OtherReasons += o.OtherReasons
}

// Mergeable reports whether c.Merge(o) gives exactly the counts of c's
// journeys followed by o's: it does unless o has failures past
// MaxReasons reasons (OtherReasons) that c may count by name.
func (c *Counts) Mergeable(o *Counts) bool { return c.Failed == 0 || o.OtherReasons == 0 }

// Check returns an error unless c is consistent: a name as MarkOf
// accepts, counts that add up, at most MaxReasons distinct reasons as
// Reason keeps them. It is for counts read from a file.
func (c *Counts) Check() error {
	if !ValidName(c.Name) {
		return fmt.Errorf("journey name %.70q: not 1 to 64 printable bytes without '/'", c.Name)
	}
	if c.Completed+c.Failed+c.Unfinished+c.Untracked != c.Started {
		return fmt.Errorf("journey %q: completed, failed, unfinished and untracked do not add up to started", c.Name)
	}
	if len(c.Reasons) > MaxReasons {
		return fmt.Errorf("journey %q: more than %d failure reasons", c.Name, MaxReasons)
	}
	sum := c.OtherReasons
	for i, r := range c.Reasons {
		if r.Reason == "" || Reason(r.Reason) != r.Reason || r.Count == 0 {
			return fmt.Errorf("journey %q: failure reason %d is empty, too long, or counts nothing", c.Name, i+1)
		}
		for _, o := range c.Reasons[:i] {
			if o.Reason == r.Reason {
				return fmt.Errorf("journey %q: failure reason %.70q twice", c.Name, r.Reason)
			}
		}
		sum += r.Count
	}
	if sum != c.Failed {
		return fmt.Errorf("journey %q: the failures by reason do not add up to failed", c.Name)
	}
	return nil
}

// MaxNameBytes is the longest journey name (a scenario's limit).
const MaxNameBytes = 64

// ValidName reports whether name can be a journey's: 1 to MaxNameBytes
// bytes of UTF-8, printable (unicode.IsPrint, as a scenario's names are:
// no C0 or C1 control, no bidirectional override) and no '/' (the
// separator of the mark).
func ValidName(name string) bool {
	if name == "" || len(name) > MaxNameBytes {
		return false
	}
	for i := 0; i < len(name); {
		if b := name[i]; b < utf8.RuneSelf {
			if b < 0x20 || b == 0x7f || b == '/' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(name[i:])
		if (r == utf8.RuneError && size == 1) || !unicode.IsPrint(r) {
			return false
		}
		i += size
	}
	return true
}

// Reason is a failure reason as Counts keeps it: cut to MaxReasonBytes
// (at a rune boundary) and with what is not printable (C0 and C1
// controls, bidirectional overrides, invalid UTF-8) replaced by spaces,
// so that a hand-made file can neither grow a report nor garble a
// terminal. It returns reason itself when it needs neither.
func Reason(reason string) string {
	if len(reason) > MaxReasonBytes {
		cut := MaxReasonBytes
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut]
	}
	if !strings.ContainsFunc(reason, unprintable) && utf8.ValidString(reason) {
		return reason
	}
	buf := make([]byte, 0, len(reason))
	for i := 0; i < len(reason); {
		r, size := utf8.DecodeRuneInString(reason[i:])
		if unprintable(r) || (r == utf8.RuneError && size == 1) {
			r = ' '
		}
		buf = utf8.AppendRune(buf, r)
		i += size
	}
	return string(buf)
}

// unprintable reports whether r is not printable (a space is).
func unprintable(r rune) bool { return !unicode.IsPrint(r) }

// cloneString copies s, so that a name or reason kept does not hold on to
// the memory of the result it came from.
func cloneString(s string) string { return string([]byte(s)) }

// Tracker follows journeys through their results. The zero value is not
// usable; call NewTracker. Not safe for concurrent use.
type Tracker struct {
	open    map[uint64]openJourney // by instance, in the current file
	byName  map[string]*Counts
	order   []*Counts
	maxOpen int
	// Ignored counts the marked results that were not followed: of a
	// journey past MaxNames, of a step after the first whose instance is
	// not open (its start was skipped, or cut from the file), or of an
	// untracked journey.
	Ignored uint64
}

// openJourney is an instance that started and has not ended: its counts
// and when it was due (Unix nanoseconds, to keep the entry small).
type openJourney struct {
	c   *Counts
	due int64
}

// NewTracker returns a Tracker that lists the journeys named first, in
// their order (the scenario's, so that a journey that never started still
// has a row), then those it meets in results.
func NewTracker(names []string) *Tracker {
	t := &Tracker{open: map[uint64]openJourney{}, byName: map[string]*Counts{}, maxOpen: MaxOpen}
	for _, n := range names {
		t.counts(n)
	}
	return t
}

// counts returns the Counts of name, made on first use; nil past
// MaxNames names.
func (t *Tracker) counts(name string) *Counts {
	if c := t.byName[name]; c != nil {
		return c
	}
	if len(t.order) >= MaxNames {
		return nil
	}
	c := &Counts{Name: cloneString(name)}
	t.byName[c.Name] = c
	t.order = append(t.order, c)
	return c
}

// Add follows the result of one step, marked m, that was due at due (its
// journey's first result: the send less its schedule lag) and ended at end
// (its send plus its latency). When it completes a journey, it returns
// the journey's counts and its duration, from its first result's due
// time to this result's end, with done true.
//
// A journey starts with its step 0. Steps run in sequence, so each
// result of an instance comes after the one of its previous step;
// different instances interleave freely. A later step whose instance is
// not open is ignored, and so is a step 0 whose instance is open already
// (a damaged or hand-made file): the open one stays unfinished and the
// new one starts.
func (t *Tracker) Add(m Mark, due, end time.Time) (c *Counts, d time.Duration, done bool) {
	if m.Step != 0 {
		o, ok := t.open[m.Instance]
		if !ok || o.c.Name != m.Journey {
			t.Ignored++
			return nil, 0, false
		}
		if m.End == "" {
			return nil, 0, false
		}
		delete(t.open, m.Instance)
		return t.end(o.c, m.End, time.Duration(end.UnixNano()-o.due))
	}
	c = t.counts(m.Journey)
	if c == nil {
		t.Ignored++
		return nil, 0, false
	}
	c.Started++
	if m.End != "" {
		c.Unfinished++ // end takes it back
		return t.end(c, m.End, end.Sub(due))
	}
	if len(t.open) >= t.maxOpen {
		if _, reused := t.open[m.Instance]; !reused {
			c.Untracked++
			return nil, 0, false
		}
	}
	c.Unfinished++
	t.open[m.Instance] = openJourney{c: c, due: due.UnixNano()}
	return nil, 0, false
}

// end counts the end of an open journey of c: completed (returning its
// duration d) or failed.
func (t *Tracker) end(c *Counts, how string, d time.Duration) (*Counts, time.Duration, bool) {
	c.Unfinished--
	if how == Ok {
		c.Completed++
		return c, max(d, 0), true
	}
	c.fail(how, 1)
	return nil, 0, false
}

// EndFile ends the results file being followed: its open journeys stay
// unfinished, and instance numbers start afresh for the next file.
func (t *Tracker) EndFile() {
	if len(t.open) > 0 {
		t.open = map[uint64]openJourney{}
	}
}

// Open is the number of journeys open in the current file.
func (t *Tracker) Open() int { return len(t.open) }

// Journeys returns the counts of every journey, in the order of the
// names given to NewTracker, then of first appearance. Their Unfinished
// include the journeys still open. The Counts are the Tracker's: copy
// them to keep them past the next Add.
func (t *Tracker) Journeys() []*Counts { return t.order }

// Merge adds o's counts to the Tracker's journey of its name (made on
// first use), as Counts.Merge. It returns an error past MaxNames names.
func (t *Tracker) Merge(o *Counts) error {
	c := t.counts(o.Name)
	if c == nil {
		return errTooMany
	}
	c.Merge(o)
	return nil
}

// Lookup returns the counts of the journey name, or nil.
func (t *Tracker) Lookup(name string) *Counts { return t.byName[name] }

var errTooMany = fmt.Errorf("more than %d journeys", MaxNames)
