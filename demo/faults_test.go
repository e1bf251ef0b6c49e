package demo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseFault(t *testing.T) {
	t.Parallel()
	const s = time.Second
	for _, tc := range []struct {
		spec string
		want Fault
		back string // String(); "" means spec itself
	}{
		{"503,every=10s,for=2s", Fault{Kind: FaultStatus, Status: 503, Every: 10 * s, For: 2 * s}, ""},
		{"500,for=1s", Fault{Kind: FaultStatus, Status: 500, For: s}, ""},
		{"429,every=5s,for=1s,start=2s", Fault{Kind: FaultRateLimit, Every: 5 * s, For: s, Start: 2 * s}, ""},
		{"401, for=1s ,every=3s", Fault{Kind: FaultUnauthorized, Every: 3 * s, For: s}, "401,every=3s,for=1s"},
		{"slow=5s,every=20s,for=3s,start=5s", Fault{Kind: FaultSlow, Delay: 5 * s, Every: 20 * s, For: 3 * s, Start: 5 * s}, ""},
		{"reset,every=1s,for=300ms", Fault{Kind: FaultReset, Every: s, For: 300 * time.Millisecond}, ""},
		{"close,for=1s", Fault{Kind: FaultClose, For: s}, ""},
		{"trickle,for=1s", Fault{Kind: FaultTrickle, For: s}, "trickle=50ms,for=1s"},
		{"trickle=100ms,every=5s,for=1s,bytes=32", Fault{Kind: FaultTrickle, Delay: 100 * time.Millisecond, Every: 5 * s, For: s, Bytes: 32}, ""},
	} {
		got, err := ParseFault(tc.spec)
		if err != nil {
			t.Errorf("ParseFault(%q): %v", tc.spec, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseFault(%q) = %+v, want %+v", tc.spec, got, tc.want)
		}
		back := tc.back
		if back == "" {
			back = tc.spec
		}
		if got.String() != back {
			t.Errorf("ParseFault(%q).String() = %q, want %q", tc.spec, got.String(), back)
		}
	}
	for _, tc := range []struct{ spec, want string }{
		{"", "isn't a kind"},
		{"404,for=1s", "isn't a kind"},
		{"boom,for=1s", "isn't a kind"},
		{"503", "for=D is required"},
		{"503,every=1s", "for=D is required"},
		{"slow,for=1s", "slow needs its delay"},
		{"slow=fast,for=1s", "want a positive duration"},
		{"reset=1s,for=1s", "reset takes no value"},
		{"503,for=soon", "want a duration"},
		{"503,for=-1s", "want a duration"},
		{"503,for=1s,often=2s", `"often" isn't one of`},
		{"503,for=1s,bytes=3", "with trickle"},
		{"trickle,for=1s,bytes=0", "positive number of bytes"},
		{"503,for", "want key=value"},
	} {
		if _, err := ParseFault(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseFault(%q) = %v, want an error containing %q", tc.spec, err, tc.want)
		}
	}
}

func TestFaultWindows(t *testing.T) {
	t.Parallel()
	const ms = time.Millisecond
	periodic := Fault{Start: 100 * ms, Every: 400 * ms, For: 150 * ms}
	once := Fault{Start: 100 * ms, For: 150 * ms}
	for _, tc := range []struct {
		f       Fault
		elapsed time.Duration
		want    time.Duration
	}{
		{periodic, 0, 0},
		{periodic, 99 * ms, 0},
		{periodic, 100 * ms, 150 * ms},
		{periodic, 200 * ms, 50 * ms},
		{periodic, 250 * ms, 0},
		{periodic, 500 * ms, 150 * ms},
		{periodic, 100*ms + 4*400*ms + 149*ms, ms},
		{once, 120 * ms, 130 * ms},
		{once, 500 * ms, 0},
		{once, time.Hour, 0},
		{Fault{Every: time.Second}, 0, 0}, // no For: off
	} {
		if got := tc.f.left(tc.elapsed); got != tc.want {
			t.Errorf("%+v.left(%v) = %v, want %v", tc.f, tc.elapsed, got, tc.want)
		}
	}
}

// always is a fault window open for the whole test.
func always(f Fault) Config {
	cfg := fastConfig()
	f.For = time.Hour
	cfg.Faults = []Fault{f}
	return cfg
}

func TestFaultStatus(t *testing.T) {
	t.Parallel()
	s, hs := start(t, always(Fault{Kind: FaultStatus, Status: 502}))
	tok := login(t, hs, DefaultUsername, DefaultPassword) // the login is spared
	resp, b := call(t, hs, http.MethodPost, "/api/v1/query/", tok, "application/json", strings.NewReader(queryBody))
	wantDetail(t, resp, b, http.StatusBadGateway, "Bad Gateway")
	resp, b = call(t, hs, http.MethodGet, "/health", "", "", nil)
	wantDetail(t, resp, b, http.StatusBadGateway, "Bad Gateway")
	st := s.Stats()
	if st.Faults["status"] != 2 || st.Requests["query"] != 1 || st.Requests["health"] != 1 || st.Logins != 1 {
		t.Errorf("stats: faults %v, requests %v, logins %d", st.Faults, st.Requests, st.Logins)
	}
	if len(st.Faults) != len(faultKinds) {
		t.Errorf("Stats.Faults = %v, want every kind", st.Faults)
	}

	// A default status, and a window that has not opened yet.
	if f := (Fault{Kind: FaultStatus}).withDefaults(); f.Status != 503 {
		t.Errorf("default status %d", f.Status)
	}
	cfg := fastConfig()
	cfg.Faults = []Fault{{Kind: FaultStatus, Start: time.Hour, For: time.Hour}}
	_, hs = start(t, cfg)
	if resp, b := call(t, hs, http.MethodGet, "/health", "", "", nil); resp.StatusCode != 200 {
		t.Errorf("health before the window: %d %s", resp.StatusCode, b)
	}
}

func TestFaultRateLimit(t *testing.T) {
	t.Parallel()
	s, hs := start(t, always(Fault{Kind: FaultRateLimit}))
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	resp, b := call(t, hs, http.MethodGet, "/api/v1/documents/", tok, "", nil)
	wantDetail(t, resp, b, http.StatusTooManyRequests, "Rate limit exceeded")
	// The window lasts an hour: Retry-After says how much of it is left.
	if ra := resp.Header.Get("Retry-After"); ra != "3600" && ra != "3599" {
		t.Errorf("Retry-After = %q, want about 3600", ra)
	}
	if st := s.Stats(); st.RateLimited != 1 || st.Faults["rate-limit"] != 1 {
		t.Errorf("rate limited %d, faults %v", st.RateLimited, st.Faults)
	}
}

func TestFaultUnauthorized(t *testing.T) {
	t.Parallel()
	s, hs := start(t, always(Fault{Kind: FaultUnauthorized}))
	old, err := s.tokens.issue(DefaultUsername, s.Created().Add(-5*time.Second)) // before the window
	if err != nil {
		t.Fatal(err)
	}
	resp, b := call(t, hs, http.MethodGet, "/api/v1/documents/", old, "", nil)
	wantDetail(t, resp, b, http.StatusUnauthorized, "Could not validate credentials")
	if resp.Header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
	}
	// Logging in again cures it: the new token is from inside the window.
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	if resp, b := call(t, hs, http.MethodGet, "/api/v1/documents/", tok, "", nil); resp.StatusCode != 200 {
		t.Errorf("fresh token: %d %s", resp.StatusCode, b)
	}
	// Routes without auth are not struck.
	if resp, b := call(t, hs, http.MethodGet, "/health", old, "", nil); resp.StatusCode != 200 {
		t.Errorf("health: %d %s", resp.StatusCode, b)
	}
	if st := s.Stats(); st.Unauthorized != 1 || st.Faults["unauthorized"] != 1 {
		t.Errorf("unauthorized %d, faults %v", st.Unauthorized, st.Faults)
	}
}

func TestFaultSlow(t *testing.T) {
	t.Parallel()
	const hold = 300 * time.Millisecond
	s, hs := start(t, always(Fault{Kind: FaultSlow, Delay: hold}))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := callCtx(ctx, hs, http.MethodGet, "/health", "", "", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a client that waits 100ms: %v, want its deadline", err)
	}
	began := time.Now()
	resp, b := call(t, hs, http.MethodGet, "/health", "", "", nil)
	if took := time.Since(began); resp.StatusCode != 200 || took < hold || took > hold+time.Second {
		t.Errorf("a patient client: %d %s after %v, want 200 after %v", resp.StatusCode, b, took, hold)
	}
	// A POST whose client leaves is dropped: the held request is not
	// handled after its hold (net/http sees the client leave only once the
	// body has been read, so the fault reads it first).
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := callCtx(ctx, hs, http.MethodPost, "/api/v1/query/", tok, "application/json", strings.NewReader(queryBody)); err == nil {
		t.Error("a held query answered within 50ms")
	}
	time.Sleep(hold + 200*time.Millisecond)
	if st := s.Stats(); st.Faults["slow"] != 3 || st.Requests["query"] != 0 {
		t.Errorf("faults %v, requests %v: want the query that was left dropped", st.Faults, st.Requests)
	}
}

// TestFaultCut: reset and close send the headers and half the body, then
// cut the connection; the client fails reading the body.
func TestFaultCut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind FaultKind
		want func(error) bool
	}{
		{FaultReset, func(err error) bool { return errors.Is(err, syscall.ECONNRESET) }},
		{FaultClose, func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			t.Parallel()
			cfg := always(Fault{Kind: tc.kind})
			cfg.StreamFirstToken, cfg.StreamTokenRate = -1, -1 // every token at once
			s, hs := start(t, cfg)
			resp, err := hs.Client().Get(hs.URL + "/health")
			if err != nil {
				t.Fatalf("the headers should arrive: %v", err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if !tc.want(err) {
				t.Errorf("read body: %v", err)
			}
			const body = `{"status":"healthy"}`
			if resp.StatusCode != 200 || resp.ContentLength != int64(len(body)) || string(b) != body[:len(body)/2] {
				t.Errorf("status %d, Content-Length %d, body %q; want 200, %d and the first half of %s",
					resp.StatusCode, resp.ContentLength, b, len(body), body)
			}
			if st := s.Stats(); st.Faults[string(tc.kind)] != 1 || st.Requests["health"] != 1 {
				t.Errorf("faults %v, requests %v", st.Faults, st.Requests)
			}

			// A stream goes out as it comes, and is cut after its third event.
			tok := login(t, hs, DefaultUsername, DefaultPassword)
			req, _ := http.NewRequest(http.MethodPost, hs.URL+"/api/v1/query/stream", strings.NewReader(queryBody))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			sresp, err := hs.Client().Do(req)
			if err != nil {
				t.Fatalf("the stream's headers should arrive: %v", err)
			}
			defer sresp.Body.Close()
			b, err = io.ReadAll(sresp.Body)
			if !tc.want(err) || sresp.Header.Get("Content-Type") != "text/event-stream" {
				t.Errorf("read stream: %v (Content-Type %q)", err, sresp.Header.Get("Content-Type"))
			}
			if n := strings.Count(string(b), "\n\n"); n != 3 || !strings.Contains(string(b), eventCreated) {
				t.Errorf("the stream was cut after %d events, want 3 (the created event and 2 tokens):\n%s", n, b)
			}
		})
	}
}

func TestFaultTrickle(t *testing.T) {
	t.Parallel()
	const pause = 20 * time.Millisecond
	s, hs := start(t, always(Fault{Kind: FaultTrickle, Delay: pause, Bytes: 4}))
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	began := time.Now()
	resp, b := call(t, hs, http.MethodGet, "/health", "", "", nil)
	// 20 bytes in 5 writes: 4 pauses.
	if took := time.Since(began); resp.StatusCode != 200 || string(b) != `{"status":"healthy"}` || took < 4*pause {
		t.Errorf("health: %d %q after %v, want the whole body after at least %v", resp.StatusCode, b, took, 4*pause)
	}
	// A client whose timeout is shorter than the trickle fails reading the body.
	c := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/api/v1/query/", strings.NewReader(queryBody))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	r, err := c.Do(req)
	if err != nil {
		t.Fatalf("the headers come with the first bytes: %v", err)
	}
	defer r.Body.Close()
	if _, err := io.ReadAll(r.Body); err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Errorf("reading a trickled answer with a 100ms timeout: %v", err)
	}
	if st := s.Stats(); st.Faults["trickle"] != 2 {
		t.Errorf("faults %v", st.Faults)
	}
}

// TestFaultsFirstApplies: of overlapping windows, the first fault that
// applies strikes; a 401 fault does not apply to a fresh token, so the
// next one does.
func TestFaultsFirstApplies(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Faults = []Fault{{Kind: FaultUnauthorized, For: time.Hour}, {Kind: FaultStatus, Status: 500, For: time.Hour}, {Kind: FaultRateLimit, For: time.Hour}}
	s, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	resp, b := call(t, hs, http.MethodGet, "/api/v1/documents/", tok, "", nil)
	wantDetail(t, resp, b, http.StatusInternalServerError, "Internal Server Error")
	if st := s.Stats(); st.Faults["status"] != 1 || st.Faults["unauthorized"] != 0 || st.Faults["rate-limit"] != 0 {
		t.Errorf("faults %v", st.Faults)
	}
	// New copies the schedule: the caller's slice is not changed.
	if cfg.Faults[1].Status != 500 || cfg.Faults[0].Status != 0 {
		t.Errorf("caller's faults changed: %+v", cfg.Faults)
	}
}
