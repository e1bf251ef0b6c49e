package demo

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseFaultDegrade(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec string
		want Fault
	}{
		{"degrade=20", Fault{Kind: FaultDegrade, Load: 20}},
		{"degrade=0", Fault{Kind: FaultDegrade}},
		{"degrade=5,every=10s,for=2s", Fault{Kind: FaultDegrade, Load: 5, Every: 10 * time.Second, For: 2 * time.Second}},
	} {
		got, err := ParseFault(tc.spec)
		if err != nil || got != tc.want || got.String() != tc.spec {
			t.Errorf("ParseFault(%q) = %+v, %v (String %q); want %+v", tc.spec, got, err, got.String(), tc.want)
		}
	}
	for _, tc := range []struct{ spec, want string }{
		{"degrade", "degrade needs its load"},
		{"degrade=x", "want a number of requests in flight"},
		{"degrade=-1", "want a number of requests in flight"},
		{"degrade=2,for=x", "want a duration"},
		{"boom", "or degrade=N"},
	} {
		if _, err := ParseFault(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseFault(%q) = %v, want an error containing %q", tc.spec, err, tc.want)
		}
	}
}

// TestFaultDegrade: with 3 queries in flight, every query that arrives
// (basic, enhanced, stream) is answered 200 with no sources and the
// fallback, or its stream cut after 3 tokens without the done event;
// other routes are not struck; once the load is gone answers are whole
// again; and the demo's counter equals the degraded answers a client saw.
func TestFaultDegrade(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.QueryLatency, cfg.Sigma = 400*time.Millisecond, -1
	cfg.StreamFirstToken, cfg.StreamTokenRate = -1, 1000
	cfg.Faults = []Fault{{Kind: FaultDegrade, Load: 3}}
	s, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)

	type answer struct {
		Answer  string   `json:"answer"`
		Sources []source `json:"sources"`
	}
	sawDegraded := 0
	query := func(path string) (answer, time.Duration) {
		t.Helper()
		t0 := time.Now()
		resp, b := call(t, hs, http.MethodPost, path, tok, "application/json", strings.NewReader(queryBody))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		var a answer
		mustJSON(t, b, &a)
		if a.Answer == FallbackAnswer && len(a.Sources) == 0 && strings.Contains(string(b), `"sources":[]`) {
			sawDegraded++
		}
		return a, time.Since(t0)
	}

	// Load: three queries that hold their slot 400ms.
	var wg sync.WaitGroup
	holders := make([]answer, 3)
	for i := range holders {
		wg.Go(func() {
			_, b, err := callCtx(context.Background(), hs, http.MethodPost, "/api/v1/query/", tok, "application/json", strings.NewReader(queryBody))
			if err == nil && !strings.Contains(string(b), FallbackAnswer) {
				holders[i].Answer = "whole"
			}
		})
	}
	for deadline := time.Now().Add(5 * time.Second); s.Stats().InFlight < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("in flight: %d, want 3", s.Stats().InFlight)
		}
	}
	for _, path := range []string{"/api/v1/query/", "/api/v1/query/enhanced", "/api/v1/query/"} {
		if a, took := query(path); a.Answer != FallbackAnswer || len(a.Sources) != 0 || took > 300*time.Millisecond {
			t.Errorf("%s under load: %+v in %v; want the fallback at once", path, a, took)
		}
	}
	resp, _ := call(t, hs, http.MethodGet, "/api/v1/documents/", tok, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("documents under load: %d", resp.StatusCode)
	}
	resp, t0, err := openStream(context.Background(), hs, tok, queryBody)
	if err != nil {
		t.Fatal(err)
	}
	lines, events := readSSE(t, resp.Body, t0)
	resp.Body.Close()
	tokens := 0
	for _, e := range events {
		if e.isToken() {
			tokens++
		}
		if e.name == eventCompleted || e.data == "[DONE]" {
			t.Errorf("degraded stream sent its done event: %+v", e)
		}
	}
	if tokens != DegradedTokens {
		t.Errorf("degraded stream: %d tokens, want %d (%d lines)", tokens, DegradedTokens, len(lines))
	} else {
		sawDegraded++
	}
	wg.Wait()
	for i, h := range holders {
		if h.Answer != "whole" {
			t.Errorf("holder %d was degraded or failed", i)
		}
	}

	// No load: whole answers.
	if a, _ := query("/api/v1/query/"); a.Answer == FallbackAnswer || len(a.Sources) == 0 {
		t.Errorf("without load: %+v", a)
	}
	st := s.Stats()
	if st.Faults["degrade"] != int64(sawDegraded) || sawDegraded != 4 {
		t.Errorf("the demo counted %d degraded answers, the client saw %d; want 4", st.Faults["degrade"], sawDegraded)
	}
	if st.Requests["query"] != 3+2+1 || st.Requests["enhanced"] != 1 || st.Requests["stream"] != 1 {
		t.Errorf("requests %v", st.Requests)
	}
	// The same counters over HTTP, as --fault's help and docs/verdict.md
	// promise ("/stats counts the degraded answers"), for a user who runs
	// ragload demo serve and a separate attack; reading them counts nothing.
	for range 2 {
		resp, b := call(t, hs, http.MethodGet, StatsPath, "", "", nil)
		var got struct {
			Faults   map[string]int64 `json:"faults"`
			Requests map[string]int64 `json:"requests"`
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", StatsPath, resp.StatusCode, b)
		}
		mustJSON(t, b, &got)
		if got.Faults["degrade"] != 4 || got.Requests["query"] != 6 || got.Requests["other"] != 0 {
			t.Errorf("GET %s: faults %v, requests %v; want degrade 4, query 6, other 0", StatsPath, got.Faults, got.Requests)
		}
	}
}
