package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/targets/auth"
	"github.com/ragload/ragload/web"
)

// testDashboard is a dashboard served on loopback next to the demo API.
type testDashboard struct {
	API       string // the demo API's base URL
	URL       string // the dashboard's base URL
	Runs      string // the runs folder
	Scenarios string // the only folder the page may load scenarios from
	Token     string // what every API call must carry
	hits      *hits  // the requests the dashboard received, by path
}

// hits counts requests by path.
type hits struct {
	mu sync.Mutex
	n  map[string]int
}

// Hits is how many requests for path the dashboard has received.
func (d testDashboard) Hits(path string) int {
	d.hits.mu.Lock()
	defer d.hits.mu.Unlock()
	return d.hits.n[path]
}

// dashboard serves the demo API and the dashboard on loopback, with a
// fresh scenarios folder and token; hosts are extra Host names accepted.
func dashboard(t *testing.T, hosts ...string) testDashboard {
	t.Helper()
	api := httptest.NewServer(demo.New(demo.Config{}))
	t.Cleanup(api.Close)
	tmp := t.TempDir()
	d := testDashboard{API: api.URL, Runs: filepath.Join(tmp, "runs"), Scenarios: filepath.Join(tmp, "scenarios"), Token: web.NewToken()}
	if err := os.Mkdir(d.Scenarios, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Config{RunsDir: d.Runs, Tool: "ragload test", MaxUsers: 100, Token: d.Token, Hosts: hosts,
		ScenariosDir: d.Scenarios,
		Credentials:  []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}}})
	d.hits = &hits{n: map[string]int{}}
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.hits.mu.Lock()
		d.hits.n[r.URL.Path]++
		d.hits.mu.Unlock()
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ws.Close)
	d.URL = ws.URL
	return d
}

// client bounds every test request: a request the dashboard never answers
// (a read that blocks) fails the test instead of hanging it.
var client = &http.Client{Timeout: 10 * time.Second}

// do sends a request to the dashboard with its token; hdr are header
// pairs set after it ("Authorization", "" drops the token; "Host", h sets
// the Host).
func (d testDashboard) do(t *testing.T, method, path, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, d.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+d.Token)
	for i := 0; i+1 < len(hdr); i += 2 {
		switch {
		case hdr[i] == "Host":
			req.Host = hdr[i+1]
		case hdr[i+1] == "":
			req.Header.Del(hdr[i])
		default:
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res, string(b)
}

// post sends a JSON body to the dashboard with its token and decodes the
// JSON answer.
func (d testDashboard) post(t *testing.T, path, body string, hdr ...string) (int, map[string]any) {
	t.Helper()
	res, text := d.do(t, http.MethodPost, path, body, hdr...)
	var out map[string]any
	json.Unmarshal([]byte(text), &out) //nolint:errcheck // checked by the callers' assertions
	return res.StatusCode, out
}

// httptestServer serves h on loopback until the test ends and returns its URL.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}
