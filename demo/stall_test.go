package demo

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
)

func TestStallDelay(t *testing.T) {
	t.Parallel()
	const ms = time.Millisecond
	for _, tc := range []struct {
		elapsed, every, length, want time.Duration
	}{
		{0, 400 * ms, 150 * ms, 150 * ms},
		{100 * ms, 400 * ms, 150 * ms, 50 * ms},
		{150 * ms, 400 * ms, 150 * ms, 0},
		{399 * ms, 400 * ms, 150 * ms, 0},
		{400 * ms, 400 * ms, 150 * ms, 150 * ms},
		{1349 * ms, 400 * ms, 150 * ms, 1 * ms},
		{100 * ms, 0, 150 * ms, 0},
		{100 * ms, 400 * ms, 0, 0},
		{50 * ms, 100 * ms, 200 * ms, 150 * ms}, // held once, to the window end
	} {
		if got := stallDelay(tc.elapsed, tc.every, tc.length); got != tc.want {
			t.Errorf("stallDelay(%v, %v, %v) = %v, want %v", tc.elapsed, tc.every, tc.length, got, tc.want)
		}
	}
}

// TestStall is not parallel: it classifies requests by arrival time to
// within 10ms of the window edges.
func TestStall(t *testing.T) {
	const (
		every    = 400 * time.Millisecond
		length   = 150 * time.Millisecond
		margin   = 10 * time.Millisecond // arrivals this close to an edge are not judged
		fast     = 60 * time.Millisecond
		late     = 60 * time.Millisecond // allowed lag after a window's end
		interval = 20 * time.Millisecond
		n        = 60 // 1.2 s of requests
	)
	cfg := fastConfig()
	cfg.StallEvery, cfg.StallFor = every, length
	s, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword) // held by window 0
	type result struct {
		sent, done time.Time
		err        error
	}
	res := make([]result, n)
	var wg sync.WaitGroup
	base := time.Now()
	for i := range n {
		time.Sleep(time.Until(base.Add(time.Duration(i) * interval)))
		wg.Go(func() {
			path, method, body := "/health", http.MethodGet, ""
			if i%2 == 1 { // pooled and non-pooled alike
				path, method, body = "/api/v1/query/", http.MethodPost, queryBody
			}
			sent := time.Now()
			resp, _, err := callCtx(context.Background(), hs, method, path, tok, "application/json", strings.NewReader(body))
			if err == nil && resp.StatusCode != 200 {
				err = errStatus(resp.StatusCode)
			}
			res[i] = result{sent, time.Now(), err}
		})
	}
	wg.Wait()
	var inside, outside int
	var worstIn, worstOut time.Duration
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("request %d: %v", i, r.err)
		}
		elapsed := r.sent.Sub(s.Created())
		phase := elapsed % every
		took := r.done.Sub(r.sent)
		switch {
		case phase >= margin && phase < length-margin:
			inside++
			end := s.Created().Add(elapsed - phase + length)
			lag := r.done.Sub(end)
			worstIn = max(worstIn, lag)
			if lag < -2*time.Millisecond || lag > late {
				t.Errorf("request %d sent %v into window %d finished %v after its end, want about 0",
					i, phase, elapsed/every, lag)
			}
		case phase >= length+margin && phase < every-margin:
			outside++
			worstOut = max(worstOut, took)
			if took > fast {
				t.Errorf("request %d sent %v after a window start took %v, want fast", i, phase, took)
			}
		}
	}
	st := s.Stats()
	t.Logf("%d requests judged inside a window (worst lag after its end %v), %d outside (slowest %v); Stalled %d",
		inside, worstIn, outside, worstOut, st.Stalled)
	if inside < 10 || outside < 20 {
		t.Errorf("only %d requests inside and %d outside windows", inside, outside)
	}
	if st.Stalled < int64(inside) || st.Stalled > n+1 {
		t.Errorf("Stalled = %d, want between %d and %d", st.Stalled, inside, n+1)
	}
}

func TestStallClientLeaves(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.StallEvery, cfg.StallFor = time.Hour, time.Hour-time.Millisecond
	s, hs := start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := callCtx(ctx, hs, http.MethodGet, "/health", "", "", nil); err == nil {
		t.Fatal("health answered during a stall")
	}
	testtool.WaitFor(t, 5*time.Second, "the held request to count", func() bool { return s.Stats().Stalled == 1 })
	if st := s.Stats(); st.Requests["health"] != 0 || st.InFlight != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestStallPostClientLeaves: a POST held by a stall is let go as soon as
// its client leaves, not at the window's end (net/http notices a client
// that leaves only once the body has been read, so the stall reads it).
func TestStallPostClientLeaves(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.StallEvery, cfg.StallFor = time.Hour, 5*time.Second
	_, hs := start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := callCtx(ctx, hs, http.MethodPost, "/api/v1/query/", "", "application/json", strings.NewReader(`{"query":"q"}`)); err == nil {
		t.Fatal("the query answered during a stall")
	}
	began := time.Now()
	hs.Close() // waits for the held handler
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("the held POST kept the server %s after its client left", took)
	}
}
