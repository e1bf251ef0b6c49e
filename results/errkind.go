package results

import (
	"sort"

	"github.com/ragload/ragload/internal/errkind"
)

// Kinds of transport errors, as the errors table names them (see
// errkind). A response with a failing status is of kind "HTTP <code>".
const (
	KindRefused = errkind.Refused // nothing listening: the server is down
	KindReset   = errkind.Reset   // the peer reset the connection (or a broken pipe)
	KindTimeout = errkind.Timeout // the request timeout, before the headers or in the body
	KindClosed  = errkind.Closed  // EOF: the server closed the connection, mid-body or before answering
)

// KindCount is how often one kind of error occurred at an endpoint, with
// the first message of that kind (the result's error text, e.g.
// "503 Service Unavailable" or the transport error).
type KindCount struct {
	Kind  string `json:"kind"`
	Count uint64 `json:"count"`
	First string `json:"first_message"`
	// Messages is how many distinct messages the kind had, counted up to
	// maxErrorKinds; messages that differ only in the request's URL or in
	// numbers (addresses, ports) count as one.
	Messages int `json:"messages"`
}

// errorKinds counts an endpoint's failures by kind. The zero value is
// ready to use.
type errorKinds struct {
	byKind map[string]*kindEntry
	order  int // numbers kinds in order of first appearance
}

type kindEntry struct {
	KindCount
	seen  map[string]struct{}
	order int
}

// add counts n failures of a kind with a message (as Stats.Errors keys
// it) of the given shape (messageShape).
func (k *errorKinds) add(kind, shape, msg string, n uint64) {
	if k.byKind == nil {
		k.byKind = map[string]*kindEntry{}
	}
	e := k.byKind[kind]
	if e == nil {
		e = &kindEntry{KindCount: KindCount{Kind: kind, First: msg}, seen: map[string]struct{}{}, order: k.order}
		k.order++
		k.byKind[kind] = e
	}
	e.Count += n
	if len(e.seen) < maxErrorKinds {
		e.seen[shape] = struct{}{}
		e.Messages = len(e.seen)
	}
}

// ErrorKinds returns the endpoint's failures by kind, the most frequent
// first (ties in order of first appearance).
func (s *Stats) ErrorKinds() []KindCount {
	es := make([]*kindEntry, 0, len(s.kinds.byKind))
	for _, e := range s.kinds.byKind {
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].Count != es[j].Count {
			return es[i].Count > es[j].Count
		}
		return es[i].order < es[j].order
	})
	out := make([]KindCount, len(es))
	for i, e := range es {
		out[i] = e.KindCount
	}
	return out
}

// ShortFirst is the kind's first message for a table: without the method
// and URL Go's HTTP client puts before a transport error (the endpoint is
// in its own column), and at most 100 characters.
func (k KindCount) ShortFirst() string { return errkind.Short(k.First) }

// FailureRate is Failures/Requests (0 when there were none).
func (s *Stats) FailureRate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Failures) / float64(s.Requests)
}

// TopErrors returns the error messages by descending count.
func (s *Stats) TopErrors() []ErrorCount {
	out := make([]ErrorCount, 0, len(s.Errors))
	for m, n := range s.Errors {
		out = append(out, ErrorCount{Message: m, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Message < out[j].Message
	})
	return out
}

// ErrorCount is how often one error message occurred.
type ErrorCount struct {
	Message string `json:"message"`
	Count   uint64 `json:"count"`
}
