package targets

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

const base = "http://127.0.0.1:8000"

func mustMix(t *testing.T, sc *Scenario, baseURL string) *Mix {
	t.Helper()
	m, err := NewMix(sc, baseURL)
	if err != nil {
		t.Fatalf("NewMix: %v", err)
	}
	return m
}

// mixIndex returns the index of the endpoint with key k in m.
func mixIndex(t *testing.T, m *Mix, k string) int {
	t.Helper()
	for i := range m.Len() {
		if m.Endpoint(i).Key == k {
			return i
		}
	}
	t.Fatalf("mix has no endpoint %q", k)
	return -1
}

func TestNewMixDefault(t *testing.T) {
	sc := Default()
	sc.Queries = append(sc.Queries, `He said "hi" \ <b>&</b>`, "Ünïcødé ✓\nnew line")
	m := mustMix(t, sc, base+"/") // a trailing slash is dropped
	if m.Len() != 4 {
		t.Fatalf("Len() = %d, want 4", m.Len())
	}
	urls := map[string]string{
		"query":     base + "/api/v1/query/",
		"enhanced":  base + "/api/v1/query/enhanced",
		"health":    base + "/health",
		"documents": base + "/api/v1/documents/",
	}
	for k, u := range urls {
		r := m.reqs[mixIndex(t, m, k)]
		if r.url != u {
			t.Errorf("%s URL = %q, want %q (no fragment for a unique route)", k, r.url, u)
		}
	}

	for _, tc := range []struct {
		key        string
		maxResults float64
	}{{"query", 5}, {"enhanced", 3}} {
		r := m.reqs[mixIndex(t, m, tc.key)]
		if len(r.bodies) != len(sc.Queries) {
			t.Fatalf("%s: %d bodies for %d queries", tc.key, len(r.bodies), len(sc.Queries))
		}
		for i, b := range r.bodies {
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%s body %d %q is not JSON: %v", tc.key, i, b, err)
			}
			want := map[string]any{"query": sc.Queries[i], "max_results": tc.maxResults}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s body %d = %v, want %v", tc.key, i, got, want)
			}
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s Content-Type = %q", tc.key, ct)
		}
		if r.header.Get("Authorization") != "" {
			t.Errorf("%s compiled header carries a token", tc.key)
		}
	}
	for _, k := range []string{"health", "documents"} {
		r := m.reqs[mixIndex(t, m, k)]
		if len(r.bodies) != 0 || len(r.header) != 0 {
			t.Errorf("%s: bodies %q header %v, want none", k, r.bodies, r.header)
		}
	}
}

func TestCompileBodies(t *testing.T) {
	queries := []string{"q1", `q"2"`}
	tests := []struct {
		name       string
		e          Endpoint
		wantBodies []string // compared as JSON when wantJSON
		wantJSON   bool
		wantHeader http.Header
	}{
		{
			name:       "raw body template, verbatim",
			e:          Endpoint{Key: "raw", Method: "POST", Path: "/raw", Body: "question={{query}}&again={{query}}"},
			wantBodies: []string{"question=q1&again=q1", `question=q"2"&again=q"2"`},
			wantHeader: http.Header{},
		},
		{
			name:       "raw body without placeholder: one body",
			e:          Endpoint{Key: "raw", Method: "POST", Path: "/raw", Body: "ping", Header: map[string]string{"content-type": "text/plain"}},
			wantBodies: []string{"ping"},
			wantHeader: http.Header{"Content-Type": {"text/plain"}},
		},
		{
			name:       "json without placeholder: one body",
			e:          Endpoint{Key: "j", Method: "POST", Path: "/j", JSON: map[string]any{"limit": 10}},
			wantBodies: []string{`{"limit":10}`},
			wantJSON:   true,
			wantHeader: http.Header{"Content-Type": {"application/json"}},
		},
		{
			name: "json nested in lists and maps, own content type kept",
			e: Endpoint{Key: "chat", Method: "POST", Path: "/chat", Header: map[string]string{"Content-Type": "application/vnd.api+json", "x-trace": "1"},
				JSON: map[string]any{"messages": []any{map[string]any{"role": "user", "content": "Q: {{query}}"}}, "n": 1}},
			wantBodies: []string{
				`{"messages":[{"role":"user","content":"Q: q1"}],"n":1}`,
				`{"messages":[{"role":"user","content":"Q: q\"2\""}],"n":1}`,
			},
			wantJSON:   true,
			wantHeader: http.Header{"Content-Type": {"application/vnd.api+json"}, "X-Trace": {"1"}},
		},
		{
			name:       "json string template",
			e:          Endpoint{Key: "s", Method: "POST", Path: "/s", JSON: QueryPlaceholder},
			wantBodies: []string{`"q1"`, `"q\"2\""`},
			wantJSON:   true,
			wantHeader: http.Header{"Content-Type": {"application/json"}},
		},
		{
			name:       "no body",
			e:          Endpoint{Key: "g", Method: "GET", Path: "/g"},
			wantHeader: http.Header{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := compile("http://h", tt.e, queries)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.bodies) != len(tt.wantBodies) {
				t.Fatalf("%d bodies %q, want %d", len(r.bodies), r.bodies, len(tt.wantBodies))
			}
			for i, b := range r.bodies {
				if !tt.wantJSON {
					if string(b) != tt.wantBodies[i] {
						t.Errorf("body %d = %q, want %q", i, b, tt.wantBodies[i])
					}
					continue
				}
				var got, want any
				if err := json.Unmarshal(b, &got); err != nil {
					t.Fatalf("body %d %q: %v", i, b, err)
				}
				if err := json.Unmarshal([]byte(tt.wantBodies[i]), &want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("body %d = %s, want %s", i, b, tt.wantBodies[i])
				}
			}
			if !reflect.DeepEqual(r.header, tt.wantHeader) {
				t.Errorf("header = %v, want %v", r.header, tt.wantHeader)
			}
			if r.url != "http://h"+tt.e.Path {
				t.Errorf("url = %q", r.url)
			}
		})
	}
	// The template itself is left alone.
	tmpl := map[string]any{"q": QueryPlaceholder}
	if _, err := compile("http://h", Endpoint{Key: "t", JSON: tmpl}, queries); err != nil {
		t.Fatal(err)
	}
	if tmpl["q"] != QueryPlaceholder {
		t.Errorf("compile changed the template: %v", tmpl)
	}
	// A template JSON cannot encode is an error naming the endpoint.
	if _, err := compile("http://h", Endpoint{Key: "bad", JSON: map[string]any{"f": func() {}}}, queries); err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("unencodable template: err = %v", err)
	}
}

func TestNewMixFragments(t *testing.T) {
	sc := mustParse(t, `replace_endpoints: true
queries: [q]
endpoints:
  - {key: small, method: POST, path: /api/v1/query/, json: {query: "{{query}}", max_results: 1}}
  - {key: large, method: POST, path: /api/v1/query/, json: {query: "{{query}}", max_results: 50}}
  - {key: list, method: GET, path: /api/v1/query/}
  - {key: off, method: GET, path: /health, weight: 0}
  - {key: health, path: /health}
`)
	m := mustMix(t, sc, base)
	want := map[string]string{
		"small":  base + "/api/v1/query/#small",
		"large":  base + "/api/v1/query/#large",
		"list":   base + "/api/v1/query/", // another method: a route of its own
		"health": base + "/health",        // "off" shares it, but is not sent
	}
	if m.Len() != len(want) {
		t.Fatalf("Len() = %d, want %d (inactive endpoints are left out)", m.Len(), len(want))
	}
	for k, u := range want {
		var tgt vegeta.Target
		m.Fill(&tgt, mixIndex(t, m, k), 0, nil)
		if tgt.URL != u {
			t.Errorf("%s URL = %q, want %q", k, tgt.URL, u)
		}
	}
}

func TestNewMixNoActiveEndpoint(t *testing.T) {
	sc := Default()
	for i := range sc.Endpoints {
		sc.Endpoints[i].Weight = 0
	}
	if m, err := NewMix(sc, base); err == nil {
		t.Errorf("NewMix with no active endpoint = %v, want an error", m)
	}
}

func TestMixPickDistribution(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
	}{
		{"default 5/2/1/1", []int{5, 2, 1, 1}},
		{"even", []int{1, 1}},
		{"skewed", []int{1, 98, 1}},
		{"single", []int{7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := Default()
			if !slices.Equal(tt.weights, []int{5, 2, 1, 1}) {
				sc.Endpoints = nil
				for i, w := range tt.weights {
					k := string(rune('a' + i))
					sc.Endpoints = append(sc.Endpoints, Endpoint{Key: k, Name: k, Method: "POST", Path: "/" + k, Weight: w, JSON: map[string]any{"q": QueryPlaceholder}})
				}
			}
			m := mustMix(t, sc, base)
			total := 0
			for _, w := range tt.weights {
				total += w
			}
			const n = 90_000
			rng := rand.New(rand.NewPCG(1, 2))
			counts := make([]int, m.Len())
			bodies := make([]map[int]bool, m.Len())
			for i := range bodies {
				bodies[i] = map[int]bool{}
			}
			for range n {
				e, b := m.Pick(rng)
				if e < 0 || e >= m.Len() {
					t.Fatalf("Pick endpoint %d out of range", e)
				}
				if nb := len(m.reqs[e].bodies); (nb == 0 && b != 0) || (nb > 0 && (b < 0 || b >= nb)) {
					t.Fatalf("Pick body %d for endpoint %d with %d bodies", b, e, nb)
				}
				counts[e]++
				bodies[e][b] = true
			}
			for i, w := range tt.weights {
				share, want := float64(counts[i])/n, float64(w)/float64(total)
				if math.Abs(share-want) > 0.01 {
					t.Errorf("endpoint %d (weight %d): share %.4f, want %.4f ± 0.01", i, w, share, want)
				}
				if nb := len(m.reqs[i].bodies); nb > 1 && len(bodies[i]) != nb {
					t.Errorf("endpoint %d: %d of %d bodies drawn", i, len(bodies[i]), nb)
				}
			}
		})
	}
}

func TestMixFillReusedTarget(t *testing.T) {
	m := mustMix(t, Default(), base)
	q, h := mixIndex(t, m, "query"), mixIndex(t, m, "health")
	var tg vegeta.Target
	m.Fill(&tg, q, 1, nil)
	if tg.Method != "POST" || len(tg.Body) == 0 || tg.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("query target = %+v", tg)
	}
	m.Fill(&tg, h, 0, nil) // the same Target, as a caller may reuse it
	if tg.Method != "GET" || tg.URL != base+"/health" || tg.Body != nil || len(tg.Header) != 0 {
		t.Errorf("health target after a query = %+v, want no body and no headers", tg)
	}
}

// TestMixStamp: a stamp carries the token on the endpoints with auth, beside
// their static headers, and leaves the shared headers and older stamps be.
func TestMixStamp(t *testing.T) {
	m := mustMix(t, Default(), base)
	first := m.Stamp("one")
	for i := range m.Len() {
		e := m.Endpoint(i)
		var tg vegeta.Target
		m.Fill(&tg, i, 0, first)
		got := tg.Header.Get("Authorization")
		if e.Auth && got != "Bearer one" || !e.Auth && got != "" {
			t.Errorf("%s: Authorization %q", e.Key, got)
		}
		if e.JSON != nil && tg.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: the token header lost Content-Type: %v", e.Key, tg.Header)
		}
	}
	if m.reqs[mixIndex(t, m, "query")].header.Get("Authorization") != "" {
		t.Error("stamping wrote the token into the shared endpoint header")
	}
	second := m.Stamp("two")
	if got := second.headers[m.stampOf[mixIndex(t, m, "query")]].Get("Authorization"); got != "Bearer two" {
		t.Errorf("new stamp carries %q", got)
	}
	if got := first.headers[m.stampOf[mixIndex(t, m, "query")]].Get("Authorization"); got != "Bearer one" {
		t.Errorf("old stamp changed to %q", got)
	}
}

// A scenario imported from a large vegeta targets file has one endpoint per
// target. A token's stamp is built in one pass over the distinct header
// sets: the old pairwise search took minutes at 100,000 endpoints with
// headers of their own and stalled the generator; this test takes well under
// a second and is bounded loosely at 20 s.
func TestMixStampManyEndpoints(t *testing.T) {
	const n = 100_000
	sc := &Scenario{Name: "imported"}
	for i := range n {
		e := Endpoint{Key: fmt.Sprintf("t%d", i), Name: fmt.Sprintf("GET /t/%d", i), Method: "GET",
			Path: fmt.Sprintf("/t/%d", i), Weight: 1, Auth: i%10 != 0}
		if i%2 == 0 {
			e.Header = map[string]string{"X-Request": fmt.Sprint(i)} // a header set of its own
		} else {
			e.Header = map[string]string{"Accept": "application/json"}
		}
		sc.Endpoints = append(sc.Endpoints, e)
	}
	m := mustMix(t, sc, base)
	// 40,000 even auth endpoints with their own header, one shared set for the odd ones.
	if got, want := len(m.stamps), 40_001; got != want {
		t.Fatalf("%d distinct header sets, want %d", got, want)
	}
	start := time.Now()
	stamp := m.Stamp("one")
	stamp2 := m.Stamp("two")
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("two stamps of %d endpoints took %v", n, d)
	}
	for _, i := range []int{0, 1, 2, 3, n - 2, n - 1} {
		var tg vegeta.Target
		m.Fill(&tg, i, 0, stamp2)
		e := m.Endpoint(i)
		if got := tg.Header.Get("Authorization"); e.Auth && got != "Bearer two" || !e.Auth && got != "" {
			t.Errorf("%s: Authorization %q", e.Key, got)
		}
		if want := e.Header["X-Request"]; tg.Header.Get("X-Request") != want {
			t.Errorf("%s: X-Request %q, want %q", e.Key, tg.Header.Get("X-Request"), want)
		}
	}
	if m.stampOf[0] != -1 || m.stampOf[1] != m.stampOf[3] || m.stampOf[2] == m.stampOf[4] || m.stampOf[2] == m.stampOf[1] {
		t.Errorf("stampOf[0:5] = %v, want -1 for no auth, one set for the odd endpoints, one each for the even", m.stampOf[:5])
	}
	if len(stamp.headers) != len(m.stamps) || stamp.headers[m.stampOf[1]].Get("Authorization") != "Bearer one" {
		t.Errorf("first stamp: %d header sets, odd ones carry %q", len(stamp.headers), stamp.headers[m.stampOf[1]].Get("Authorization"))
	}
}
