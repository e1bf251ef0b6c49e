package demo

import (
	"context"
	"net/http"
	"time"
)

// FaultDegrade is the fault of a service that degrades instead of
// failing: a query that arrives while Fault.Load or more requests are in
// flight (holding a worker slot or queued for one) is answered 200 at
// once, without its service time, with no sources and FallbackAnswer
// (the query routes), or its stream is cut after DegradedTokens tokens
// without the done event (the stream route). Other routes are not struck.
// Unlike the other kinds it needs no window: without For it applies all
// the time. Stats.Faults["degrade"] counts the degraded answers sent.
const FaultDegrade FaultKind = "degrade"

// FallbackAnswer is the answer of a degraded query.
const FallbackAnswer = "I couldn't find that in the documents."

// DegradedTokens is how many tokens a degraded stream carries before it
// ends.
const DegradedTokens = 3

// degradeKey marks the context of a request FaultDegrade struck.
type degradeKey struct{}

// degraded reports whether FaultDegrade struck r.
func degraded(r *http.Request) bool {
	v, _ := r.Context().Value(degradeKey{}).(bool)
	return v
}

// withDegrade returns r marked as struck by FaultDegrade.
func withDegrade(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), degradeKey{}, true))
}

// degrades reports whether f, a FaultDegrade, strikes r, which arrived at
// elapsed: a query route, inside f's window if it has one, at a load of
// f.Load or more.
func (s *Server) degrades(r *http.Request, f *Fault, elapsed time.Duration) bool {
	rt, _, ok := lookup(r.URL.Path)
	if !ok || r.Method != rt.method || (rt.id != routeQuery && rt.id != routeEnhanced && rt.id != routeStream) {
		return false
	}
	if f.For > 0 && f.left(elapsed) <= 0 {
		return false
	}
	return s.pool.inFlight.Load()+s.pool.waiting.Load() >= int64(f.Load)
}

// answerDegraded answers a degraded query: 200, no sources, the fallback.
func (s *Server) answerDegraded(w http.ResponseWriter, req queryRequest) {
	s.writeJSON(w, http.StatusOK, queryResponse{Query: req.Query, Answer: FallbackAnswer, Sources: []source{}})
	s.stats.faults.add(FaultDegrade)
}
