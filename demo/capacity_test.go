package demo

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
)

const queryBody = `{"query":"capacity","max_results":1}`

func TestCapacityQueueing(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Workers, cfg.Sigma, cfg.QueryLatency = 2, -1, 50*time.Millisecond
	s, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	const n = 6
	durs := make([]time.Duration, n)
	errs := make([]error, n)
	begin := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, _, err := callCtx(context.Background(), hs, http.MethodPost, "/api/v1/query/", tok,
				"application/json", strings.NewReader(queryBody))
			if err == nil && resp.StatusCode != 200 {
				err = errStatus(resp.StatusCode)
			}
			durs[i], errs[i] = time.Since(begin), err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	last := slices.Max(durs)
	t.Logf("6 requests, 2 workers, 50ms each: last finished after %v", last)
	if last < 120*time.Millisecond || last > 3*time.Second {
		t.Errorf("last request took %v, want about 150ms", last)
	}
	if st := s.Stats(); st.MaxInFlight > 2 || st.MaxInFlight < 1 || st.InFlight != 0 {
		t.Errorf("MaxInFlight %d InFlight %d", st.MaxInFlight, st.InFlight)
	}
}

type errStatus int

func (e errStatus) Error() string { return "unexpected status " + http.StatusText(int(e)) }

func TestQueueLimit(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Workers, cfg.QueueLimit, cfg.Sigma, cfg.QueryLatency = 1, 1, -1, 10*time.Second
	s, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	send := func() {
		wg.Go(func() {
			callCtx(ctx, hs, http.MethodPost, "/api/v1/query/", tok, "application/json", strings.NewReader(queryBody))
		})
	}
	send()
	testtool.WaitFor(t, 5*time.Second, "a request in flight", func() bool { return s.Stats().InFlight == 1 })
	send()
	testtool.WaitFor(t, 5*time.Second, "a queued request", func() bool { return s.Stats().Queued == 1 })
	start := time.Now()
	resp, b := call(t, hs, http.MethodPost, "/api/v1/query/", tok, "application/json", strings.NewReader(queryBody))
	wantDetail(t, resp, b, http.StatusServiceUnavailable, "Service overloaded")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("503 took %v, want immediate", d)
	}
	cancel() // abort the sleeping and the queued request
	wg.Wait()
	testtool.WaitFor(t, 5*time.Second, "pool to drain", func() bool { st := s.Stats(); return st.InFlight == 0 && st.Queued == 0 })
	if st := s.Stats(); st.Overloaded != 1 || st.MaxInFlight != 1 {
		t.Errorf("Overloaded %d MaxInFlight %d", st.Overloaded, st.MaxInFlight)
	}
}

func TestLatencyScale(t *testing.T) {
	t.Parallel()
	timed := func(t *testing.T, median time.Duration, scale float64) time.Duration {
		cfg := fastConfig()
		cfg.Sigma, cfg.QueryLatency, cfg.LatencyScale = -1, median, scale
		_, hs := start(t, cfg)
		tok := login(t, hs, DefaultUsername, DefaultPassword)
		begin := time.Now()
		resp, b := call(t, hs, http.MethodPost, "/api/v1/query/", tok, "application/json", strings.NewReader(queryBody))
		if resp.StatusCode != 200 {
			t.Fatalf("query: %d %s", resp.StatusCode, b)
		}
		return time.Since(begin)
	}
	t.Run("slower", func(t *testing.T) {
		t.Parallel()
		if d := timed(t, 20*time.Millisecond, 5); d < 90*time.Millisecond || d > 3*time.Second {
			t.Errorf("20ms x5 took %v, want about 100ms", d)
		}
	})
	t.Run("faster", func(t *testing.T) {
		t.Parallel()
		if d := timed(t, 10*time.Second, 0.01); d < 90*time.Millisecond || d > 3*time.Second {
			t.Errorf("10s x0.01 took %v, want about 100ms", d)
		}
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.UserRateLimit, cfg.UserBurst = 0.5, 2
	cfg.Users = map[string]string{"a": "a", "b": "b"}
	s, hs := start(t, cfg)
	ta, tb := login(t, hs, "a", "a"), login(t, hs, "b", "b")
	for i := range 2 {
		if resp, b := call(t, hs, http.MethodGet, "/api/v1/documents/", ta, "", nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, b)
		}
	}
	resp, b := call(t, hs, http.MethodGet, "/api/v1/documents/", ta, "", nil)
	wantDetail(t, resp, b, http.StatusTooManyRequests, "Rate limit exceeded")
	if ra := resp.Header.Get("Retry-After"); ra != "2" { // one token at 0.5/s
		t.Errorf("Retry-After = %q, want 2", ra)
	}
	if resp, b := call(t, hs, http.MethodGet, "/api/v1/documents/", tb, "", nil); resp.StatusCode != 200 {
		t.Errorf("other user limited: %d %s", resp.StatusCode, b)
	}
	if st := s.Stats(); st.RateLimited != 1 || st.Authorized["documents"] != 4 {
		t.Errorf("RateLimited %d Authorized %v", st.RateLimited, st.Authorized)
	}
}

func TestLimiterRefill(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := newLimiter(4, 1)
	l.now = func() time.Time { return now }
	if ok, _ := l.allow("u"); !ok {
		t.Fatal("first request denied")
	}
	ok, wait := l.allow("u")
	if ok || wait != 250*time.Millisecond || retryAfterSeconds(wait) != 1 {
		t.Fatalf("second request: ok=%v wait=%v", ok, wait)
	}
	now = now.Add(250 * time.Millisecond)
	if ok, _ := l.allow("u"); !ok {
		t.Error("request after refill denied")
	}
	if ok, _ := newLimiter(0, 1).allow("u"); !ok {
		t.Error("disabled limiter denied")
	}
}

func TestSampler(t *testing.T) {
	t.Parallel()
	const median = 100 * time.Millisecond
	s := newSampler(0.5, 1, 42)
	xs := make([]float64, 20001)
	for i := range xs {
		d := s.sample(median)
		if d <= 0 || d > maxSampleFactor*median {
			t.Fatalf("sample %v out of range", d)
		}
		xs[i] = float64(d)
	}
	slices.Sort(xs)
	if m := time.Duration(xs[len(xs)/2]); m < 95*time.Millisecond || m > 105*time.Millisecond {
		t.Errorf("sample median %v, want ~100ms", m)
	}
	// The 84th percentile of a lognormal is median*e^sigma.
	if p := xs[len(xs)*84/100] / float64(median); math.Abs(p-math.Exp(0.5)) > 0.08 {
		t.Errorf("p84/median = %.3f, want %.3f", p, math.Exp(0.5))
	}
	if d := newSampler(0, 2.5, 0).sample(median); d != 250*time.Millisecond {
		t.Errorf("fixed scaled sample = %v", d)
	}
	wild := newSampler(50, 1, 7)
	for range 1000 {
		if d := wild.sample(median); d > maxSampleFactor*median {
			t.Fatalf("cap exceeded: %v", d)
		}
	}
	a, b := newSampler(0.5, 1, 9), newSampler(0.5, 1, 9)
	for range 10 {
		if a.sample(median) != b.sample(median) {
			t.Fatal("same seed gave different samples")
		}
	}
	if newSampler(0.5, 1, 0).sample(0) != 0 {
		t.Error("zero median should give zero")
	}
}
