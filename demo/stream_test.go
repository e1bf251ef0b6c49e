package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
)

const streamPath = "/api/v1/query/stream"

// sseLine is one raw line of an event stream and when it was read.
type sseLine struct {
	text string
	at   time.Duration // since the response headers arrived
}

// sseEvent is one event dispatched by the WHATWG event-stream rules.
type sseEvent struct {
	name, data string
	at         time.Duration
}

// isToken reports whether e is a text delta, the way a correct client
// decides: by event type, never by the mere presence of a data line.
func (e sseEvent) isToken() bool { return e.name == eventDelta }

// openStream posts body to the stream endpoint with a plain client and
// returns the response and the time its headers arrived.
func openStream(ctx context.Context, hs *httptest.Server, tok, body string) (*http.Response, time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hs.URL+streamPath, strings.NewReader(body))
	if err != nil {
		return nil, time.Time{}, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := hs.Client().Do(req)
	return resp, time.Now(), err
}

// readSSE reads the whole stream, timing each line against t0, and parses
// it per the WHATWG rules (comments skipped, one leading space stripped,
// events dispatched on blank lines unless the data buffer is empty).
func readSSE(t *testing.T, body io.Reader, t0 time.Time) ([]sseLine, []sseEvent) {
	t.Helper()
	var (
		lines      []sseLine
		events     []sseEvent
		name, data string
		hasData    bool
	)
	br := bufio.NewReader(body)
	for {
		s, err := br.ReadString('\n')
		at := time.Since(t0)
		if err == io.EOF && s == "" {
			break
		}
		if err != nil && err != io.EOF {
			t.Fatalf("read stream: %v", err)
		}
		s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
		lines = append(lines, sseLine{s, at})
		switch field, value, _ := strings.Cut(s, ":"); {
		case s == "":
			if hasData {
				if name == "" {
					name = "message"
				}
				events = append(events, sseEvent{name, strings.TrimSuffix(data, "\n"), at})
			}
			name, data, hasData = "", "", false
		case field == "": // comment
		case field == "event":
			name = strings.TrimPrefix(value, " ")
		case field == "data":
			data += strings.TrimPrefix(value, " ") + "\n"
			hasData = true
		}
	}
	return lines, events
}

// streamWords returns the words the stream of body's query should carry.
func streamWords(query string, maxResults int) []string {
	return strings.Fields(compose(query, retrieve(query, maxResults)))
}

// deltaLines is the exact three lines of one token event.
func deltaLines(word string) []string {
	enc, _ := json.Marshal(struct {
		Type  string `json:"type"`
		Delta string `json:"delta"`
	}{eventDelta, word + " "})
	return []string{"event: " + eventDelta, "data: " + string(enc), ""}
}

// TestStreamTiming is not parallel: it checks time-to-first-token to a few
// milliseconds, so it runs before the parallel tests compete for the CPU.
func TestStreamTiming(t *testing.T) {
	cfg := fastConfig()
	cfg.Sigma, cfg.StreamFirstToken, cfg.StreamTokenRate, cfg.StreamTokens = -1, 100*time.Millisecond, 100, 5
	s, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	const query = "How do I rotate Kubernetes secrets?"
	resp, t0, err := openStream(context.Background(), hs, tok, `{"query":"`+query+`","max_results":3}`)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" ||
		resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
	}
	lines, events := readSSE(t, resp.Body, t0)

	// The exact wire format.
	want := []string{"event: " + eventCreated, `data: {"type":"response.created","id":"resp_1"}`, ""}
	words := streamWords(query, 3)[:5]
	for _, w := range words {
		want = append(want, deltaLines(w)...)
	}
	want = append(want, "event: "+eventCompleted, `data: {"type":"response.completed"}`, "", "data: [DONE]", "")
	got := make([]string, len(lines))
	for i, l := range lines {
		got[i] = l.text
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("stream:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	if lines[3].text != "event: response.output_text.delta" ||
		!strings.HasPrefix(lines[4].text, `data: {"type":"response.output_text.delta","delta":"`) {
		t.Errorf("first token event: %q %q", lines[3].text, lines[4].text)
	}

	// The order and content as a client sees them.
	if len(events) != 1+5+2 || events[0].name != eventCreated || events[6].name != eventCompleted ||
		events[7].name != "message" || events[7].data != "[DONE]" {
		t.Fatalf("events: %+v", events)
	}
	var text strings.Builder
	for _, e := range events[1:6] {
		var d struct{ Type, Delta string }
		mustJSON(t, []byte(e.data), &d)
		if !e.isToken() || d.Type != eventDelta {
			t.Fatalf("not a token: %+v", e)
		}
		text.WriteString(d.Delta)
	}
	if text.String() != strings.Join(words, " ")+" " {
		t.Errorf("text %q, want the first 5 words of the answer", text.String())
	}

	// The timing truth: first token 100ms after the headers, then 10ms apart.
	first, last, done := events[1].at, events[5].at, events[7].at
	t.Logf("created %v, first token %v, last token %v (span %v), [DONE] %v",
		events[0].at, first, last, last-first, done)
	if first < 85*time.Millisecond || first > 115*time.Millisecond {
		t.Errorf("first token after %v, want 100ms ± 15ms", first)
	}
	if span := last - first; span < 30*time.Millisecond || span > 70*time.Millisecond {
		t.Errorf("5 tokens spanned %v, want about 40ms", span)
	}
	if done < 125*time.Millisecond || done > 200*time.Millisecond {
		t.Errorf("stream took %v, want about 140ms", done)
	}
	st := s.Stats()
	if st.Requests["stream"] != 1 || st.Authorized["stream"] != 1 || st.InFlight != 0 || st.MaxInFlight != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestStreamKeepAlive(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Sigma, cfg.StreamFirstToken, cfg.StreamKeepAlive = -1, 100*time.Millisecond, 20*time.Millisecond
	cfg.StreamTokens, cfg.StreamTokenRate = 3, 1000
	_, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	resp, t0, err := openStream(context.Background(), hs, tok, `{"query":"keep alive"}`)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines, events := readSSE(t, resp.Body, t0)
	var comments, emptyData int
	var firstTok time.Duration
	for _, l := range lines {
		if l.text == "event: "+eventDelta {
			firstTok = l.at
			break
		}
		switch {
		case l.text == ": keep-alive":
			comments++
		case l.text == "data: ":
			emptyData++
		}
	}
	// Keep-alives are scheduled at 20, 40, 60 and 80ms: exactly four.
	if comments != 4 || emptyData != 4 {
		t.Errorf("%d keep-alive comments and %d empty data lines before the first token, want 4 each", comments, emptyData)
	}
	var tokens, empty int
	for _, e := range events {
		switch {
		case e.isToken():
			tokens++
			if e.at < firstTok {
				t.Errorf("token before the first delta line")
			}
		case e.data == "":
			empty++ // WHATWG clients dispatch "data: " as an empty message
			if e.name != "message" || e.at > firstTok {
				t.Errorf("empty event %+v", e)
			}
		}
	}
	if tokens != 3 || empty != 4 || events[0].name != eventCreated || events[len(events)-1].data != "[DONE]" {
		t.Errorf("%d tokens, %d empty events: %+v", tokens, empty, events)
	}
	if firstTok < 80*time.Millisecond || firstTok > 500*time.Millisecond {
		t.Errorf("first token after %v, want about 100ms", firstTok)
	}
}

func TestStreamWholeAnswer(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.StreamFirstToken, cfg.StreamTokenRate = -1, -1 // everything at once
	_, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	const query = "What is the data retention period?"
	resp, t0, err := openStream(context.Background(), hs, tok, `{"query":"`+query+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, events := readSSE(t, resp.Body, t0)
	var text strings.Builder
	var n int
	for _, e := range events {
		if e.isToken() {
			var d struct{ Delta string }
			mustJSON(t, []byte(e.data), &d)
			text.WriteString(d.Delta)
			n++
		}
	}
	words := streamWords(query, defaultMaxResults)
	if n != len(words) || text.String() != strings.Join(words, " ")+" " {
		t.Errorf("%d tokens %q, want the whole %d-word answer", n, text.String(), len(words))
	}
	if d := events[len(events)-1].at; d > time.Second {
		t.Errorf("unthrottled stream took %v", d)
	}
}

func TestStreamErrors(t *testing.T) {
	t.Parallel()
	s, hs := start(t, fastConfig())
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	for _, bad := range []string{"", "garbage"} {
		resp, b := call(t, hs, http.MethodPost, streamPath, bad, "application/json", strings.NewReader(`{"query":"x"}`))
		wantDetail(t, resp, b, http.StatusUnauthorized, "Could not validate credentials")
		if resp.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("missing WWW-Authenticate")
		}
	}
	for _, body := range []string{``, `{`, `{}`, `{"query":""}`, `{"query":"   "}`, `{"query":5}`, `{"query":"x","max_results":"many"}`} {
		resp, b := call(t, hs, http.MethodPost, streamPath, tok, "application/json", strings.NewReader(body))
		wantDetail(t, resp, b, http.StatusUnprocessableEntity, "")
	}
	resp, b := call(t, hs, http.MethodGet, streamPath, tok, "", nil)
	wantDetail(t, resp, b, http.StatusMethodNotAllowed, "Method Not Allowed")
	st := s.Stats()
	if st.Unauthorized != 2 || st.Requests["stream"] != 9 || st.Authorized["stream"] != 7 || st.InFlight != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestStreamQueueing(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Workers, cfg.Sigma, cfg.StreamFirstToken, cfg.StreamTokens = 1, -1, 100*time.Millisecond, 1
	s, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	first, _, err := openStream(context.Background(), hs, tok, `{"query":"one"}`)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Body.Close()
	sent := time.Now() // the first stream holds the only slot for 100ms
	second, t0, err := openStream(context.Background(), hs, tok, `{"query":"two"}`)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Body.Close()
	wait := t0.Sub(sent)
	_, events := readSSE(t, second.Body, t0)
	t.Logf("second stream queued %v, then first token after %v", wait, events[1].at)
	if wait < 70*time.Millisecond || wait > 2*time.Second {
		t.Errorf("second stream waited %v for the slot, want about 100ms", wait)
	}
	if events[1].at < 80*time.Millisecond {
		t.Errorf("first token %v after the slot, want about 100ms", events[1].at)
	}
	if st := s.Stats(); st.MaxInFlight != 1 {
		t.Errorf("MaxInFlight %d", st.MaxInFlight)
	}
}

func TestStreamDisconnect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		first, rate float64 // seconds, tokens per second
		readEvents  int
	}{
		{"waiting for the first token", 10, 50, 1},
		{"between tokens", -1, 0.1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := fastConfig()
			cfg.Workers, cfg.Sigma, cfg.StreamTokenRate = 1, -1, tc.rate
			cfg.StreamFirstToken = time.Duration(tc.first * float64(time.Second))
			cfg.StreamKeepAlive = 50 * time.Millisecond
			s, hs := start(t, cfg)
			tok := login(t, hs, DefaultUsername, DefaultPassword)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			resp, _, err := openStream(ctx, hs, tok, `{"query":"disconnect"}`)
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(resp.Body)
			for n := 0; n < tc.readEvents; {
				l, err := br.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(l, "event: ") {
					n++
				}
			}
			if st := s.Stats(); st.InFlight != 1 {
				t.Fatalf("InFlight %d while streaming", st.InFlight)
			}
			began := time.Now()
			cancel()
			resp.Body.Close()
			testtool.WaitFor(t, 5*time.Second, "the slot to be released", func() bool { return s.Stats().InFlight == 0 })
			if d := time.Since(began); d > time.Second {
				t.Errorf("slot released %v after the disconnect", d)
			}
			resp, b := call(t, hs, http.MethodPost, "/api/v1/query/", tok, "application/json", strings.NewReader(queryBody))
			if resp.StatusCode != 200 {
				t.Errorf("query after disconnect: %d %s", resp.StatusCode, b)
			}
		})
	}
}

func TestStreamDefaults(t *testing.T) {
	t.Parallel()
	c := Config{}.withDefaults()
	if c.StreamFirstToken != 200*time.Millisecond || c.StreamTokenRate != 50 || c.StreamTokens != 0 ||
		c.StreamKeepAlive != 0 || c.StallEvery != 0 || c.StallFor != 0 {
		t.Errorf("zero defaults: %+v", c)
	}
	c = Config{StreamFirstToken: -1, StreamTokenRate: -1, StreamTokens: -3, StreamKeepAlive: -time.Second,
		StallEvery: time.Second, StallFor: -1}.withDefaults()
	if c.StreamFirstToken != 0 || !math.IsInf(c.StreamTokenRate, 1) || c.StreamTokens != 0 ||
		c.StreamKeepAlive != 0 || c.StallEvery != 0 || c.StallFor != 0 {
		t.Errorf("negative values: %+v", c)
	}
	if c = (Config{StreamTokenRate: math.NaN()}).withDefaults(); c.StreamTokenRate != 50 {
		t.Errorf("NaN rate: %v", c.StreamTokenRate)
	}
	if n := len(streamWords("x", 1)); n < 20 || n > 80 {
		t.Errorf("answers have %d words; update the StreamTokens doc", n)
	}
}
