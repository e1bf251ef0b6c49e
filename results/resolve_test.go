package results

import (
	"fmt"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestResolverName(t *testing.T) {
	rs := NewResolver([]EndpointInfo{
		{Key: "query", Name: "/query (basic)", Method: "POST", Path: "/query"},
		{Key: "query_filtered", Name: "/query (filtered)", Method: "POST", Path: "/query"},
		{Key: "health", Name: "health", Method: "GET", Path: "/health"},
		{Key: "docs", Name: "documents", Method: "GET", Path: "/v1/docs"},
	})
	cases := []struct {
		method, url, want string
	}{
		{"GET", "http://api.test/health", "health"},
		{"GET", "https://api.test:8443/health?deep=1", "health"},
		{"GET", "http://api.test/v1/docs?page=2&size=10", "documents"},
		{"GET", "/health", "health"}, // no scheme and host
		{"GET", "/v1/docs?x=1", "documents"},
		// A fragment picks the endpoint by key, even on a shared route.
		{"POST", "http://api.test/query#query", "/query (basic)"},
		{"POST", "http://api.test/query#query_filtered", "/query (filtered)"},
		{"POST", "http://api.test/query?debug=1#query_filtered", "/query (filtered)"},
		// The key wins over the route.
		{"GET", "http://api.test/other#health", "health"},
		// An unknown fragment falls back to the route.
		{"GET", "http://api.test/health#nope", "health"},
		// Method matters.
		{"POST", "http://api.test/health", "POST /health"},
		// Unknown routes are named "METHOD /path", without query or fragment.
		{"DELETE", "http://api.test/items/7?force=1#x", "DELETE /items/7"},
		{"GET", "http://api.test/healthz", "GET /healthz"},
		// A URL without a path has the path "/".
		{"GET", "http://api.test", "GET /"},
		{"GET", "http://api.test:8080", "GET /"},
		{"GET", "http://api.test?next=/health", "GET /"},
		{"GET", "http://api.test#health", "health"},
		{"HEAD", "", "HEAD /"},
		// An empty method (vegeta's default) is GET.
		{"", "http://api.test/health", "GET /health"},
		{"", "http://api.test/items", "GET /items"},
	}
	for _, c := range cases {
		r := &vegeta.Result{Method: c.method, URL: c.url}
		if got := rs.Name(r); got != c.want {
			t.Errorf("Name(%s %s) = %q, want %q", c.method, c.url, got, c.want)
		}
		// The cached answer is the same.
		if got := rs.Name(r); got != c.want {
			t.Errorf("second Name(%s %s) = %q, want %q", c.method, c.url, got, c.want)
		}
	}
}

func TestResolverWithoutEndpoints(t *testing.T) {
	rs := NewResolver(nil)
	r := &vegeta.Result{Method: "POST", URL: "http://localhost:8000/query?k=1"}
	if got := rs.Name(r); got != "POST /query" {
		t.Errorf("Name = %q, want %q", got, "POST /query")
	}
}

func TestResolverManyUniqueURLs(t *testing.T) {
	// Past the cache bound names are still right.
	rs := NewResolver([]EndpointInfo{{Key: "q", Name: "query", Method: "GET", Path: "/q"}})
	for i := range 10050 {
		r := &vegeta.Result{Method: "GET", URL: fmt.Sprintf("http://h/q?i=%d", i)}
		if got := rs.Name(r); got != "query" {
			t.Fatalf("Name(%s) = %q", r.URL, got)
		}
	}
	for _, i := range []int{0, 10049} {
		r := &vegeta.Result{Method: "GET", URL: fmt.Sprintf("http://h/x?i=%d", i)}
		if got := rs.Name(r); got != "GET /x" {
			t.Fatalf("Name(%s) = %q", r.URL, got)
		}
	}
}

func TestRequestURI(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8000/api/v1/query/": "/api/v1/query/",
		"https://h/a?b=1#key":                 "/a?b=1#key",
		"http://h":                            "/",
		"http://h?x=1":                        "/?x=1",
		"http://h#key":                        "/#key",
		"/api/v1/documents/":                  "/api/v1/documents/", // stored already
		"":                                    "",
	} {
		if got := RequestURI(in); got != want {
			t.Errorf("RequestURI(%q) = %q, want %q", in, got, want)
		}
	}
}
