// Package stream times streamed responses as they are read: when the
// headers came, the first and last token, the gaps between tokens, and
// whether the stream ended with its done event.
package stream

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/results/tokens"
	"github.com/ragload/ragload/targets"
)

// streamTiming is what a streamed response's timing looked like.
type streamTiming struct {
	mode       string
	headers    time.Time // response headers received (time to first byte)
	firstToken time.Time
	lastToken  time.Time
	maxGap     time.Duration // longest wait between two tokens
	gaps       tokens.GapHistogram
	tokens     int
	eof        bool // the body was read to its end
	sse        sseParser
}

// token notes a token seen at now.
func (st *streamTiming) token(now time.Time) {
	if st.tokens == 0 {
		st.firstToken = now
	} else {
		gap := now.Sub(st.lastToken)
		st.maxGap = max(st.maxGap, gap)
		st.gaps.Add(gap)
	}
	st.lastToken = now
	st.tokens++
}

// Transport times the responses of streaming endpoints: when the
// headers came, when the first token came, and the gaps between tokens.
// It finds each request's result by the X-Vegeta-Seq header (vegeta sets
// it; virtual users set it too) and keeps a timing until take collects it.
type Transport struct {
	base   http.RoundTripper
	routes map[string]string // path -> mode

	mu    sync.Mutex
	bySeq map[uint64]*streamTiming
}

func NewTransport(base http.RoundTripper, routes map[string]string) *Transport {
	return &Transport{base: base, routes: routes, bySeq: map[uint64]*streamTiming{}}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	mode := t.routes[req.URL.Path]
	if mode == "" {
		return t.base.RoundTrip(req)
	}
	seq, err := strconv.ParseUint(req.Header.Get("X-Vegeta-Seq"), 10, 64)
	if err != nil {
		return t.base.RoundTrip(req)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	st := &streamTiming{mode: mode, headers: time.Now()}
	t.mu.Lock()
	t.bySeq[seq] = st
	t.mu.Unlock()
	resp.Body = &timedBody{ReadCloser: resp.Body, st: st}
	return resp, nil
}

// take returns and forgets the timing of request seq, if it streamed. The
// body must have been read (vegeta and the users read it before they
// return a result).
func (t *Transport) take(seq uint64) *streamTiming {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.bySeq[seq]
	delete(t.bySeq, seq)
	return st
}

// Record moves r's streaming timing, if any, into its headers, and
// returns what response checks see of the stream (nil when r did not
// stream).
func (t *Transport) Record(r *vegeta.Result) *checks.Stream {
	st := t.take(r.Seq)
	if st == nil {
		return nil
	}
	s := tokens.Stream{TTFB: st.headers.Sub(r.Timestamp), Tokens: st.tokens, MaxGap: st.maxGap}
	if st.tokens > 0 {
		s.TTFT = st.firstToken.Sub(r.Timestamp)
	}
	tokens.SetStream(r, s)
	if st.tokens > 0 {
		tokens.Set(r, tokens.Timing{Last: st.lastToken.Sub(r.Timestamp), Gaps: st.gaps.Counts()})
	}
	return &checks.Stream{Done: st.done(), Tokens: st.tokens}
}

// done reports whether the stream ended as it should: an SSE stream with
// its done event, a chunked one with the end of its body.
func (st *streamTiming) done() bool {
	if st.mode == targets.StreamChunked {
		return st.eof
	}
	return st.sse.done
}

// timedBody notes the time of every read of a streamed body.
type timedBody struct {
	io.ReadCloser
	st *streamTiming
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.st.eof = true
	}
	if n > 0 {
		now := time.Now()
		if b.st.mode == targets.StreamChunked {
			b.st.token(now)
		} else {
			for range b.st.sse.feed(p[:n]) {
				b.st.token(now) // every token completed by this read arrived now
			}
		}
	}
	return n, err
}

// sseParser splits a byte stream into Server-Sent Events, says which
// carry a token, and notes the done event.
type sseParser struct {
	line  []byte // an incomplete line
	data  []byte // the data of the event being read
	event []byte // the name of the event being read
	// done: an event said the stream is complete: data "[DONE]" (OpenAI
	// and most RAG APIs), or an event named in doneEvents.
	done bool
}

// doneEvents are the event names that end a stream: OpenAI Responses'
// (the demo's too), Anthropic's, and a plain "done".
var doneEvents = []string{"done", "response.completed", "message_stop"}

// feed consumes bytes and returns the number of token events completed.
func (p *sseParser) feed(b []byte) (tokens int) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.line = append(p.line, b...)
			return tokens
		}
		line := b[:i]
		if len(p.line) > 0 {
			line = append(p.line, line...)
			p.line = p.line[:0]
		}
		b = b[i+1:]
		line = bytes.TrimSuffix(line, []byte{'\r'})
		switch {
		case len(line) == 0: // the end of an event
			switch {
			case isDone(p.event, p.data): // before isToken: a final event may repeat the whole text
				p.done = true
			case isToken(p.data):
				tokens++
			}
			p.data, p.event = p.data[:0], p.event[:0]
		case bytes.HasPrefix(line, []byte("event:")):
			p.event = append(p.event[:0], bytes.TrimSpace(line[6:])...)
		case bytes.HasPrefix(line, []byte("data:")):
			d := bytes.TrimPrefix(line[5:], []byte{' '})
			if len(p.data) > 0 {
				p.data = append(p.data, '\n')
			}
			p.data = append(p.data, d...)
		}
		// "id:", "retry:" and ":" comments do not decide.
	}
	return tokens
}

// isDone reports whether an event (its name and data) ends the stream.
func isDone(event, data []byte) bool {
	if bytes.Equal(bytes.TrimSpace(data), []byte("[DONE]")) {
		return true
	}
	for _, e := range doneEvents {
		if string(event) == e {
			return true
		}
	}
	return false
}

// contentKeys are the JSON fields in which streaming LLM APIs put generated
// text: OpenAI Responses ("delta"), Chat Completions ("choices[].delta.
// content"), Anthropic ("delta.text"), and common RAG shapes.
var contentKeys = map[string]bool{"delta": true, "content": true, "text": true, "token": true, "answer": true, "output_text": true}

// isToken reports whether an event's data carries generated text: not
// empty, not the "[DONE]" sentinel, and, when it is JSON, with a non-empty
// string under one of the content keys. Control events such as
// response.created, role-only deltas and keep-alives are not tokens.
func isToken(data []byte) bool {
	d := bytes.TrimSpace(data)
	if len(d) == 0 || bytes.Equal(d, []byte("[DONE]")) {
		return false
	}
	if d[0] != '{' && d[0] != '[' {
		return true // plain-text tokens
	}
	var v any
	if json.Unmarshal(d, &v) != nil {
		return true // not JSON after all: text that starts with a brace
	}
	return hasContent(v, false)
}

func hasContent(v any, underKey bool) bool {
	switch t := v.(type) {
	case string:
		return underKey && t != ""
	case map[string]any:
		for k, x := range t {
			if hasContent(x, contentKeys[k]) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if hasContent(x, underKey) {
				return true
			}
		}
	}
	return false
}
