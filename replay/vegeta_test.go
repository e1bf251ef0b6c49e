package replay

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/targets"
)

func TestFromVegetaHTTP(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "q.json"), []byte(`{"query":"x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "targets.http")
	text := strings.Join([]string{
		"GET http://api:8000/health",
		"",
		"POST http://api:8000/api/v1/query/?v=2",
		"Authorization: Bearer old",
		"Content-Type: application/json",
		"@q.json",
		"",
		"GET http://api:8000/",
		"X-Vegeta-Seq: 9",
		"",
	}, "\n")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	open, info, err := FromVegeta(path, "", 10, 2*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	es := readAll(t, open)
	equal(t, "count", [2]int64{int64(len(es)), info.Count}, [2]int64{20, 20})
	equal(t, "duration", info.Duration, 1900*time.Millisecond)
	equal(t, "format", info.Format, "vegeta-http")
	for n, e := range es {
		if want := time.Duration(n) * 100 * time.Millisecond; e.Offset != want {
			t.Errorf("entry %d: offset %s, want %s", n, e.Offset, want)
		}
		if want := []string{"/health", "/api/v1/query/?v=2", "/"}[n%3]; e.URL != want {
			t.Errorf("entry %d: url %s, want %s", n, e.URL, want)
		}
	}
	q := es[1]
	equal(t, "query", [4]any{q.Endpoint, q.Method, q.Auth, string(q.Body)}, [4]any{"POST /api/v1/query/", "POST", true, `{"query":"x"}`})
	equal(t, "query header", q.Header, http.Header{"Content-Type": {"application/json"}})
	equal(t, "no vegeta header", es[2].Header, http.Header(nil))
	equal(t, "endpoints", len(info.Endpoints), 3)
	equal(t, "auth endpoint", info.Endpoints[1].Auth, true)
}

func TestFromVegetaJSONAndRates(t *testing.T) {
	var b strings.Builder
	for i := range 4 {
		fmt.Fprintf(&b, `{"method":"GET","url":"http://h/t%d"}`+"\n", i)
	}
	path := writeFile(t, "targets.json", strings.TrimSuffix(b.String(), "\n")) // last line without newline
	tests := []struct {
		rate      float64
		d         time.Duration
		wantCount int64
		wantLast  time.Duration
	}{
		{100, time.Second, 100, 990 * time.Millisecond},
		{3, time.Second, 3, 666666666},
		{0.5, 3 * time.Second, 2, 2 * time.Second},
		{1, 100 * time.Millisecond, 1, 0},
	}
	for _, tt := range tests {
		open, info, err := FromVegeta(path, "json", tt.rate, tt.d, nil)
		if err != nil {
			t.Fatal(err)
		}
		es := readAll(t, open)
		equal(t, fmt.Sprint(tt.rate, tt.d), [3]any{info.Count, int64(len(es)), es[len(es)-1].Offset}, [3]any{tt.wantCount, tt.wantCount, tt.wantLast})
		equal(t, "duration", info.Duration, tt.wantLast)
		if tt.wantCount > 4 {
			equal(t, "cycles", es[4].URL, "/t0")
		}
	}
}

func TestFromVegetaErrors(t *testing.T) {
	good := writeFile(t, "t.http", "GET http://h/\n")
	tests := []struct {
		path, format string
		rate         float64
		d            time.Duration
		want         string
	}{
		{good, "csv", 1, time.Second, `vegeta format "csv" isn't one of [http json]`},
		{good, "", 0, time.Second, "rate 0 must be > 0"},
		{good, "", 1, 0, "duration 0s must be > 0"},
		{writeFile(t, "e.http", "\n"), "", 1, time.Second, "no targets in vegeta's http format"},
		{writeFile(t, "b.http", "GET http://h/\nbad header\n"), "", 1, time.Second, "target 1: not a header line"},
		{writeFile(t, "c.http", "GET http://h/\n\nGET http://h/\nbad header\n"), "", 1, time.Second, "target 2: not a header line"},
	}
	for _, tt := range tests {
		_, _, err := FromVegeta(tt.path, tt.format, tt.rate, tt.d, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v, want %q", err, tt.want)
		}
	}
}

// TestFromVegetaLogsInAsTheScenario: targets exported without tokens
// (ragload targets --export) are sent with a token to the scenario's
// authenticated endpoints, named as the scenario names them; a target
// that carried an Authorization header gets a token whatever its route.
func TestFromVegetaLogsInAsTheScenario(t *testing.T) {
	path := writeFile(t, "targets.json", strings.Join([]string{
		`{"method":"POST","url":"http://127.0.0.1:8000/api/v1/query/","body":"e30=","header":{"Content-Type":["application/json"]}}`,
		`{"method":"GET","url":"http://127.0.0.1:8000/health"}`,
		`{"method":"GET","url":"http://127.0.0.1:8000/api/v1/documents/?page=2"}`,
		`{"method":"GET","url":"http://127.0.0.1:8000/other","header":{"Authorization":["Bearer old"]}}`,
	}, "\n")+"\n")
	open, info, err := FromVegeta(path, "", 4, time.Second, targets.Default())
	if err != nil {
		t.Fatal(err)
	}
	es := readAll(t, open)
	equal(t, "entries' auth", [4]bool{es[0].Auth, es[1].Auth, es[2].Auth, es[3].Auth}, [4]bool{true, false, true, true})
	equal(t, "query entry", [3]string{es[0].Endpoint, es[0].URL, string(es[0].Body)}, [3]string{"/query (basic)", "/api/v1/query/", "{}"})
	got := map[string]bool{}
	for _, e := range info.Endpoints {
		got[e.Name] = e.Auth
	}
	equal(t, "endpoints and their auth", got, map[string]bool{"/query (basic)": true, "/health": false, "/documents (list)": true, "GET /other": true})
	equal(t, "notes", info.Notes, []string{
		path + ": dropped the Authorization header of 1 targets: ragload logs in itself and sends its own token",
		path + ": 2 targets without an Authorization header are the scenario's authenticated endpoints (/query (basic), /documents (list)): ragload logs in and sends its token to them",
	})
	// Without a scenario, only the header counts.
	if _, info, err = FromVegeta(path, "", 4, time.Second, nil); err != nil {
		t.Fatal(err)
	}
	equal(t, "logins without a scenario", info.Endpoints[0].Auth || !info.Endpoints[3].Auth, false)
}
