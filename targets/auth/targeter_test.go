package auth

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/targets"
)

const base = "http://127.0.0.1:8000"

// mustMix compiles sc against baseURL or fails the test.
func mustMix(t *testing.T, sc *targets.Scenario, baseURL string) *targets.Mix {
	m, err := targets.NewMix(sc, baseURL)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// collect draws n targets.
func collect(t *testing.T, tr vegeta.Targeter, n int) []vegeta.Target {
	t.Helper()
	out := make([]vegeta.Target, n)
	for i := range out {
		if err := tr(&out[i]); err != nil {
			t.Fatalf("targeter call %d: %v", i, err)
		}
	}
	return out
}

type sent struct{ method, url, body, auth string }

func summarize(ts []vegeta.Target) []sent {
	out := make([]sent, len(ts))
	for i, tg := range ts {
		out[i] = sent{tg.Method, tg.URL, string(tg.Body), tg.Header.Get("Authorization")}
	}
	return out
}

func TestNewTargeterDeterministic(t *testing.T) {
	auth := newRAGAuth(t, time.Hour, nil)
	pool := auth.pool(t, Credential{"a@x", "pw"}, Credential{"b@x", "pw"}, Credential{"c@x", "pw"})
	m := mustMix(t, targets.Default(), base)

	a := summarize(collect(t, NewTargeter(m, pool, 42), 1000))
	b := summarize(collect(t, NewTargeter(m, pool, 42), 1000))
	if !slices.Equal(a, b) {
		t.Error("two targeters with seed 42 differ")
	}
	c := summarize(collect(t, NewTargeter(m, pool, 43), 1000))
	if slices.Equal(a, c) {
		t.Error("seeds 42 and 43 give the same sequence")
	}
	anon1 := summarize(collect(t, NewTargeter(m, nil, 42), 1000))
	anon2 := summarize(collect(t, NewTargeter(m, nil, 42), 1000))
	if !slices.Equal(anon1, anon2) {
		t.Error("two anonymous targeters with seed 42 differ")
	}
}

func TestNewTargeterTargets(t *testing.T) {
	auth := newRAGAuth(t, time.Hour, nil)
	pool := auth.pool(t, Credential{"a@x", "pw-a"}, Credential{"b@x", "pw-b"}, Credential{"c@x", "pw-c"})
	tokens := map[string]bool{}
	for _, s := range pool.Sessions() {
		tokens["Bearer "+s.Token().Value] = true
	}
	if len(tokens) != 3 {
		t.Fatalf("%d distinct tokens for 3 sessions", len(tokens))
	}
	sc := targets.Default()
	m := mustMix(t, sc, base)
	used := map[string]int{}
	for i, tg := range collect(t, NewTargeter(m, pool, 1), 2000) {
		var e targets.Endpoint
		for _, x := range sc.Endpoints {
			if base+x.Path == tg.URL {
				e = x
			}
		}
		if e.Key == "" {
			t.Fatalf("call %d: URL %q matches no endpoint", i, tg.URL)
		}
		if tg.Method != e.Method {
			t.Errorf("call %d: %s %s, want method %s", i, tg.Method, tg.URL, e.Method)
		}
		authz := tg.Header.Values("Authorization")
		switch {
		case e.Auth && (len(authz) != 1 || !tokens[authz[0]]):
			t.Fatalf("call %d: %s carries Authorization %q, want one pool token", i, e.Key, authz)
		case !e.Auth && len(authz) != 0:
			t.Fatalf("call %d: %s carries Authorization %q, want none", i, e.Key, authz)
		}
		if e.Auth {
			used[authz[0]]++
		}
		if e.JSON != nil && tg.Header.Get("Content-Type") != "application/json" {
			t.Errorf("call %d: %s Content-Type = %q", i, e.Key, tg.Header.Get("Content-Type"))
		}
		if e.JSON == nil && tg.Body != nil {
			t.Errorf("call %d: %s has a body %q", i, e.Key, tg.Body)
		}
	}
	if len(used) != 3 {
		t.Errorf("tokens used: %v, want all 3", used)
	}
	for tok, n := range used {
		if n < 300 { // ~1550 auth requests over 3 sessions
			t.Errorf("token %s… used %d times only", tok[:16], n)
		}
	}
}

func TestNewTargeterAnonymous(t *testing.T) {
	m := mustMix(t, targets.Default(), base)
	notLoggedIn := NewPool(http.DefaultClient, base, targets.Default().Auth, []Credential{{"a@x", "pw"}})
	for name, pool := range map[string]*Pool{
		"nil pool":           nil,
		"pool without creds": NewPool(http.DefaultClient, base, targets.Default().Auth, nil),
		"pool not logged in": notLoggedIn,
	} {
		t.Run(name, func(t *testing.T) {
			for i, tg := range collect(t, NewTargeter(m, pool, 7), 500) {
				if v := tg.Header.Values("Authorization"); len(v) != 0 {
					t.Fatalf("call %d: %s carries Authorization %q", i, tg.URL, v)
				}
			}
		})
	}
}

func TestNewTargeterHeadersNotMutated(t *testing.T) {
	auth := newRAGAuth(t, time.Hour, nil)
	pool := auth.pool(t, Credential{"a@x", "pw"})
	sc := targets.Default()
	sc.Endpoints[2].Header = map[string]string{"X-Probe": "1"} // health: a header map of its own
	m := mustMix(t, sc, base)
	tr := NewTargeter(m, pool, 3)

	// Keep the first target of each endpoint with a snapshot of its header.
	type kept struct {
		h, snap http.Header
	}
	first := map[string]kept{}
	for _, tg := range collect(t, tr, 200) {
		if _, ok := first[tg.URL]; !ok {
			first[tg.URL] = kept{tg.Header, tg.Header.Clone()}
		}
	}
	if len(first) != 4 {
		t.Fatalf("saw %d endpoints, want 4", len(first))
	}
	oldToken := pool.Sessions()[0].Token().Value

	// A new token arrives (as after a refresh); later targets carry it...
	if err := pool.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	newToken := pool.Sessions()[0].Token().Value
	if newToken == oldToken {
		t.Fatal("re-login gave the same token")
	}
	sawNew := false
	for _, tg := range collect(t, tr, 500) {
		if v := tg.Header.Get("Authorization"); v != "" {
			if v != "Bearer "+newToken {
				t.Fatalf("after re-login %s carries %q, want the new token", tg.URL, v)
			}
			sawNew = true
		}
	}
	if !sawNew {
		t.Error("no target carried the new token")
	}
	// ...while the header maps handed out before are unchanged.
	for u, k := range first {
		if !reflect.DeepEqual(k.h, k.snap) {
			t.Errorf("%s: header handed out earlier changed from %v to %v", u, k.snap, k.h)
		}
	}
	if got := first[base+"/api/v1/query/"].h.Get("Authorization"); got != "Bearer "+oldToken {
		t.Errorf("earlier target's Authorization = %q, want the old token", got)
	}
}

func TestNewTargeterConcurrent(t *testing.T) {
	auth := newRAGAuth(t, time.Hour, nil)
	pool := auth.pool(t, Credential{"a@x", "pw"}, Credential{"b@x", "pw"})
	m := mustMix(t, targets.Default(), base)
	tr := NewTargeter(m, pool, 9)

	const workers, calls = 8, 500
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	stop := make(chan struct{})
	// Tokens change underneath the targeter while it runs.
	var swapper sync.WaitGroup
	swapper.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s := pool.Sessions()[i%2]
			s.token.Store(&Token{Value: "swapped-" + string(rune('a'+i%26)), Obtained: time.Now()})
			time.Sleep(time.Millisecond)
		}
	})
	for range workers {
		wg.Go(func() {
			for range calls {
				var tg vegeta.Target
				if err := tr(&tg); err != nil {
					errs <- err.Error()
					return
				}
				if !strings.HasPrefix(tg.URL, base+"/") || (tg.Method != "GET" && tg.Method != "POST") {
					errs <- "bad target " + tg.Method + " " + tg.URL
					return
				}
				if a := tg.Header.Get("Authorization"); strings.HasSuffix(tg.URL, "/api/v1/query/") && !strings.HasPrefix(a, "Bearer ") {
					errs <- "query without a token: " + a
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	swapper.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestStamper: a session's stamp is built once per token, and carries the
// token on the endpoints with auth only (package targets checks Mix.Stamp).
func TestStamper(t *testing.T) {
	m := mustMix(t, targets.Default(), base)
	s := &Session{cred: Credential{"a@x", "pw"}}
	st := NewStamper(m, s)
	if st.Stamp() != nil {
		t.Fatal("Stamp() without a token is not nil")
	}
	s.token.Store(&Token{Value: "one"})
	first := st.Stamp()
	if first == nil || st.Stamp() != first {
		t.Fatal("Stamp() is not cached while the token is unchanged")
	}
	authorization := func(i int, stamp *targets.Stamp) string {
		var tg vegeta.Target
		m.Fill(&tg, i, 0, stamp)
		return tg.Header.Get("Authorization")
	}
	for i := range m.Len() {
		if e, got := m.Endpoint(i), authorization(i, first); e.Auth && got != "Bearer one" || !e.Auth && got != "" {
			t.Errorf("%s: Authorization %q", e.Key, got)
		}
	}
	s.token.Store(&Token{Value: "two"})
	second := st.Stamp()
	if second == first {
		t.Fatal("Stamp() not rebuilt for a new token")
	}
	for i := range m.Len() {
		if m.Endpoint(i).Auth && (authorization(i, second) != "Bearer two" || authorization(i, first) != "Bearer one") {
			t.Errorf("%s: new stamp %q, old one %q", m.Endpoint(i).Key, authorization(i, second), authorization(i, first))
		}
	}
}
