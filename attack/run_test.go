package attack

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/results"
)

func staticTargeter(url string) vegeta.Targeter {
	return vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: url})
}

func server(t *testing.T, delay time.Duration, hits *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits != nil {
			hits.Add(1)
		}
		time.Sleep(delay)
		w.Header().Set("Set-Cookie", "session=secret")
		w.Write([]byte("hello"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRunSendsThePlanAndRecordsLag(t *testing.T) {
	t.Parallel()
	srv := server(t, 0, nil)
	var got []*vegeta.Result
	out, err := Run(context.Background(), Options{Name: "r1"}, staticTargeter(srv.URL), plan.NewPacer(plan.Constant(200, time.Second)),
		func(r *vegeta.Result) error { got = append(got, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if out.Sent != 200 || len(got) != 200 || out.Interrupted {
		t.Fatalf("sent %d, emitted %d, interrupted %v; want 200, 200, false", out.Sent, len(got), out.Interrupted)
	}
	if out.Began.IsZero() || out.SendEnded.Sub(out.Began) != time.Second {
		t.Errorf("began %v, send window %s; want the plan's 1s", out.Began, out.SendEnded.Sub(out.Began))
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Seq < got[j].Seq })
	var lags []time.Duration
	for i, r := range got {
		if r.Seq != uint64(i) || r.Attack != "r1" {
			t.Fatalf("result %d: seq %d attack %q", i, r.Seq, r.Attack)
		}
		if r.Body != nil || r.Headers["Set-Cookie"] != nil {
			t.Fatalf("result %d keeps body %q or response headers %v", i, r.Body, r.Headers)
		}
		if r.BytesIn != 5 {
			t.Fatalf("result %d: BytesIn %d, want 5 (counted even though the body is dropped)", i, r.BytesIn)
		}
		lag, ok := results.Lag(r)
		if !ok {
			t.Fatalf("result %d has no lag", i)
		}
		// The lag is the send time minus the due time: Seq n was due at n×5ms.
		due := out.Began.Add(time.Duration(i) * 5 * time.Millisecond)
		if d := r.Timestamp.Sub(due) - lag; d > time.Microsecond || d < -time.Microsecond {
			t.Fatalf("result %d: lag %s, but sent %s after due", i, lag, r.Timestamp.Sub(due))
		}
		lags = append(lags, lag)
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	if p50 := lags[len(lags)/2]; p50 > 20*time.Millisecond {
		t.Errorf("median lag %s on an idle loopback server; want well under 20ms", p50)
	}
}

// TestRunMeasuresCoordinatedOmission caps workers below what the rate
// needs: sends fall behind, and the lag, not the latency, shows it.
func TestRunMeasuresCoordinatedOmission(t *testing.T) {
	t.Parallel()
	srv := server(t, 100*time.Millisecond, nil)
	var maxLag, maxLatency time.Duration
	_, err := Run(context.Background(), Options{MaxWorkers: 2}, staticTargeter(srv.URL), plan.NewPacer(plan.Constant(50, 600*time.Millisecond)),
		func(r *vegeta.Result) error {
			lag, _ := results.Lag(r)
			maxLag, maxLatency = max(maxLag, lag), max(maxLatency, r.Latency)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	// 30 requests at 2 per 100ms take ≥ 1.4s: the last leaves ≥ 800ms late.
	if maxLag < 500*time.Millisecond {
		t.Errorf("max lag %s; want ≥ 500ms with 2 workers for 50/s at 100ms", maxLag)
	}
	if maxLatency > 400*time.Millisecond {
		t.Errorf("max service latency %s; want about 100ms (the delay hides in the lag)", maxLatency)
	}
}

func TestRunStopsOnContextAndDrainsInFlight(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := server(t, 200*time.Millisecond, &hits)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var emitted, ok uint64
	start := time.Now()
	out, err := Run(ctx, Options{}, staticTargeter(srv.URL), plan.NewPacer(plan.Constant(50, 10*time.Second)),
		func(r *vegeta.Result) error {
			emitted++
			if r.Code == 200 {
				ok++
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Interrupted || out.Sent == 0 || out.Sent >= 500 {
		t.Fatalf("interrupted %v after %d sends; want true and some", out.Interrupted, out.Sent)
	}
	if emitted != out.Sent || ok != emitted || int64(emitted) != hits.Load() {
		t.Errorf("emitted %d (%d ok) of %d sent, server saw %d: in-flight requests must finish", emitted, ok, out.Sent, hits.Load())
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("stopping took %s", el)
	}
	if w := out.SendEnded.Sub(out.Began); w < 250*time.Millisecond || w > 2*time.Second {
		t.Errorf("send window %s; want about the 300ms before the stop", w)
	}
}

func TestRunStopsOnEmitError(t *testing.T) {
	t.Parallel()
	srv := server(t, 0, nil)
	boom := errors.New("disk full")
	n := 0
	out, err := Run(context.Background(), Options{}, staticTargeter(srv.URL), plan.NewPacer(plan.Constant(100, 5*time.Second)),
		func(*vegeta.Result) error {
			if n++; n == 10 {
				return boom
			}
			return nil
		})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if out.Sent > 100 {
		t.Errorf("sent %d after the emit error; want the attack stopped", out.Sent)
	}
}
