package demo

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Server-sent event names and fixed frames of POST /api/v1/query/stream.
const (
	eventCreated   = "response.created"
	eventDelta     = "response.output_text.delta"
	eventCompleted = "response.completed"

	frameKeepAlive = ": keep-alive\n\n" + "data: \n\n"
	frameDone      = "event: " + eventCompleted + "\ndata: {\"type\":\"" + eventCompleted + "\"}\n\n" +
		"data: [DONE]\n\n"
)

// handleStream answers POST /api/v1/query/stream with server-sent events:
//
//	event: response.created
//	data: {"type":"response.created","id":"resp_<n>"}
//
//	: keep-alive                     (optional, before the first token)
//	data:
//
//	event: response.output_text.delta
//	data: {"type":"response.output_text.delta","delta":"<word> "}
//	...
//	event: response.completed
//	data: {"type":"response.completed"}
//
//	data: [DONE]
//
// It runs inside the caller's worker slot. The created event is sent at
// once; token i (from 0) at start + first + i/StreamTokenRate, where start
// is when the handler got the slot and first is sampled from
// StreamFirstToken. Every event is scheduled against start, so timer errors
// do not accumulate. It returns as soon as the client goes away.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request, _ string) {
	start := time.Now() // the slot was granted just before
	req, ok := decodeQuery(w, r)
	if !ok {
		return
	}
	s.judgeDocRefs(r, req.Query)
	words := strings.Fields(compose(req.Query, retrieve(req.Query, req.MaxResults)))
	if n := s.cfg.StreamTokens; n > 0 && n < len(words) {
		words = words[:n]
	}
	if len(words) == 0 { // cannot happen: compose always writes sentences
		words = []string{req.Query}
	}
	cut := degraded(r) // FaultDegrade: a few tokens, no done event
	if cut {
		words = words[:min(len(words), DegradedTokens)]
	}
	firstAt := start.Add(s.sampler.sample(s.latency[routeStream]))
	var gap time.Duration
	if rate := s.cfg.StreamTokenRate; !math.IsInf(rate, 1) {
		// Rates below one token a day are treated as one a day.
		gap = time.Duration(min(float64(time.Second)/rate, float64(24*time.Hour)))
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // ask proxies not to buffer
	w.WriteHeader(http.StatusOK)
	sw := &sseWriter{ctx: r.Context(), w: w, rc: http.NewResponseController(w)}

	created, _ := json.Marshal(struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}{eventCreated, "resp_" + strconv.FormatUint(s.respSeq.Add(1), 10)})
	if !sw.emitAt(start, "event: "+eventCreated+"\ndata: "+string(created)+"\n\n") {
		return
	}
	if ka := s.cfg.StreamKeepAlive; ka > 0 {
		for at := start.Add(ka); at.Before(firstAt); at = at.Add(ka) {
			if !sw.emitAt(at, frameKeepAlive) {
				return
			}
		}
	}
	for i, word := range words {
		delta, _ := json.Marshal(struct {
			Type  string `json:"type"`
			Delta string `json:"delta"`
		}{eventDelta, word + " "})
		if !sw.emitAt(firstAt.Add(time.Duration(i)*gap), "event: "+eventDelta+"\ndata: "+string(delta)+"\n\n") {
			return
		}
	}
	if cut {
		s.stats.faults.add(FaultDegrade)
		return
	}
	sw.emitAt(time.Time{}, frameDone)
}

// sseWriter writes and flushes event-stream frames at scheduled times.
type sseWriter struct {
	ctx context.Context
	w   http.ResponseWriter
	rc  *http.ResponseController
}

// emitAt sleeps until at (not at all if it has passed), then writes frame
// and flushes. It reports false if the client went away or the write
// failed, in which case the stream must stop.
func (sw *sseWriter) emitAt(at time.Time, frame string) bool {
	if !sleepCtx(sw.ctx, time.Until(at)) {
		return false
	}
	if _, err := io.WriteString(sw.w, frame); err != nil {
		return false
	}
	if err := sw.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return false
	}
	return true
}
