package targets

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	sc := Default()
	if err := sc.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if sc.Source != "built-in" || sc.Name == "" {
		t.Errorf("Name, Source = %q, %q; want a name and \"built-in\"", sc.Name, sc.Source)
	}
	want := []struct {
		key, name, method, path string
		weight                  int
		auth                    bool
	}{
		{"query", "/query (basic)", "POST", "/api/v1/query/", 5, true},
		{"enhanced", "/query/enhanced", "POST", "/api/v1/query/enhanced", 2, true},
		{"health", "/health", "GET", "/health", 1, false},
		{"documents", "/documents (list)", "GET", "/api/v1/documents/", 1, true},
		{"stream", "/query/stream", "POST", "/api/v1/query/stream", 0, true}, // off until a scenario weighs it
	}
	if len(sc.Endpoints) != len(want) {
		t.Fatalf("%d endpoints, want %d", len(sc.Endpoints), len(want))
	}
	for i, w := range want {
		e := sc.Endpoints[i]
		if e.Key != w.key || e.Name != w.name || e.Method != w.method || e.Path != w.path || e.Weight != w.weight || e.Auth != w.auth {
			t.Errorf("endpoint %d = %+v, want %+v", i, e, w)
		}
	}
	for _, k := range []string{"query", "enhanced"} {
		e := endpointByKey(t, sc, k)
		m, ok := e.JSON.(map[string]any)
		if !ok || m["query"] != QueryPlaceholder {
			t.Errorf("%s JSON = %#v, want a query field of %q", k, e.JSON, QueryPlaceholder)
		}
	}
	if st := endpointByKey(t, sc, "stream"); st.Stream != StreamSSE || len(sc.Active()) != 4 {
		t.Errorf("stream endpoint %+v, %d active; want an SSE endpoint that is off", st, len(sc.Active()))
	}
	if n := len(sc.Queries); n < 10 || n > 15 {
		t.Errorf("%d default queries, want 10-15", n)
	}
	for i, q := range sc.Queries {
		if strings.TrimSpace(q) == "" {
			t.Errorf("query %d is blank", i)
		}
	}
	a := sc.Auth
	if a.LoginPath != "/api/v1/auth/login" || a.UsernameField != "username" || a.PasswordField != "password" || a.TokenField != "access_token" {
		t.Errorf("Auth = %+v", a)
	}
	if !sc.NeedsAuth() {
		t.Error("NeedsAuth() = false for the default scenario")
	}
}

func TestDefaultReturnsIndependentCopies(t *testing.T) {
	first := Default()
	first.Name = "changed"
	first.Auth.LoginPath = "/x"
	first.Endpoints[0].Weight = 99
	first.Endpoints[0].JSON.(map[string]any)["max_results"] = 1000
	first.Endpoints = append(first.Endpoints, Endpoint{Key: "extra"})
	first.Queries[0] = "mutated"
	first.Queries = append(first.Queries, "more")

	second := Default()
	if second.Name == "changed" || second.Auth.LoginPath == "/x" {
		t.Errorf("Name/Auth leaked into the next Default(): %q %q", second.Name, second.Auth.LoginPath)
	}
	if len(second.Endpoints) != 5 || second.Endpoints[0].Weight != 5 {
		t.Errorf("endpoints leaked: %+v", second.Endpoints)
	}
	if got := second.Endpoints[0].JSON.(map[string]any)["max_results"]; got != 5 {
		t.Errorf("JSON template leaked: max_results = %v", got)
	}
	if second.Queries[0] == "mutated" || len(second.Queries) != len(DefaultQueries) {
		t.Errorf("queries leaked: %q (%d)", second.Queries[0], len(second.Queries))
	}
	if DefaultQueries[0] == "mutated" {
		t.Error("mutating Default().Queries changed DefaultQueries")
	}
	if !reflect.DeepEqual(Default(), Default()) {
		t.Error("two Default() calls differ")
	}
}

func TestScenarioActiveEndpointNeedsAuth(t *testing.T) {
	sc := Default()
	sc.Endpoints[1].Weight = 0 // enhanced off
	var keys []string
	for _, e := range sc.Active() {
		keys = append(keys, e.Key)
	}
	if want := []string{"query", "health", "documents"}; !slices.Equal(keys, want) {
		t.Errorf("Active() keys = %v, want %v", keys, want)
	}
	for _, k := range []string{"health", "/health", "/query (basic)", "enhanced"} {
		if _, ok := sc.Endpoint(k); !ok {
			t.Errorf("Endpoint(%q) not found", k)
		}
	}
	if _, ok := sc.Endpoint("nope"); ok {
		t.Error("Endpoint(\"nope\") found")
	}

	for i := range sc.Endpoints {
		if sc.Endpoints[i].Key != "health" {
			sc.Endpoints[i].Weight = 0
		}
	}
	if sc.NeedsAuth() {
		t.Error("NeedsAuth() = true with only /health active")
	}
	sc.Auth = Auth{} // no login needed
	if err := sc.Validate(); err != nil {
		t.Errorf("Validate() with only /health and no auth = %v", err)
	}
}

func TestScenarioValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Scenario)
		want   string // substring of the error; "" means valid
	}{
		{"default", func(*Scenario) {}, ""},
		{"all weights zero", func(s *Scenario) {
			for i := range s.Endpoints {
				s.Endpoints[i].Weight = 0
			}
		}, "endpoints: no endpoint has a weight > 0"},
		{"missing key", func(s *Scenario) { s.Endpoints[2].Key = "" }, "endpoints[2].key: missing"},
		{"duplicate key", func(s *Scenario) { s.Endpoints[3].Key = "query" }, `endpoints[3].key: "query" is used twice`},
		{"duplicate name", func(s *Scenario) { s.Endpoints[3].Name = "/health" }, `endpoints[3].name: "/health" is used twice`},
		{"missing name", func(s *Scenario) { s.Endpoints[0].Name = "" }, "endpoints[0].name: missing"},
		{"bad method", func(s *Scenario) { s.Endpoints[0].Method = "FETCH" }, `endpoints[0].method: "FETCH" isn't one of [DELETE GET HEAD OPTIONS PATCH POST PUT]`},
		{"relative path", func(s *Scenario) { s.Endpoints[2].Path = "health" }, `endpoints[2].path: "health" must start with /`},
		{"negative weight", func(s *Scenario) { s.Endpoints[2].Weight = -1 }, "endpoints[2].weight: -1 is negative"},
		{"json and body", func(s *Scenario) { s.Endpoints[0].Body = "x" }, "endpoints[0].body: json and body are mutually exclusive"},
		{"empty pool with placeholder", func(s *Scenario) { s.Queries = nil }, "queries: the pool is empty"},
		{"empty pool, placeholder only in raw body", func(s *Scenario) {
			s.Queries = nil
			s.Endpoints = []Endpoint{{Key: "b", Name: "b", Method: "POST", Path: "/b", Weight: 1, Body: "q=" + QueryPlaceholder}}
		}, "queries: the pool is empty"},
		{"empty pool without placeholder", func(s *Scenario) {
			s.Queries = nil
			s.Endpoints[0].Weight, s.Endpoints[1].Weight = 0, 0
		}, ""},
		{"missing login path", func(s *Scenario) { s.Auth.LoginPath = "" }, "auth.login_path: missing"},
		{"missing token field", func(s *Scenario) { s.Auth.TokenField = "" }, "auth.token_field: missing"},
		{"relative login path", func(s *Scenario) { s.Auth.LoginPath = "login" }, `auth.login_path: "login" must start with /`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := Default()
			tt.change(sc)
			err := sc.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Errorf("Validate() = nil, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("Validate() = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}
