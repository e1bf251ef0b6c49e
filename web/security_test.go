package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/web"
)

// evilAPI is a server an attacker controls, on loopback: it answers like
// the RAG API and counts what it receives, passwords apart.
type evilAPI struct {
	URL       string
	hits      atomic.Int64
	passwords atomic.Int64
}

func newEvilAPI(t *testing.T) *evilAPI {
	t.Helper()
	e := &evilAPI{}
	e.URL = httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if strings.Contains(string(b), demo.DefaultPassword) || strings.Contains(string(b), "password=") {
			e.passwords.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"stolen","token_type":"bearer"}`)
	}))
	return e
}

// TestDNSRebindingRefused plays a page whose name rebinds to 127.0.0.1:
// same-origin in the browser's eyes, so its requests carry a matching
// Origin (and here even the token), but the attacker's name in Host. Every
// route answers 403, no run starts and the attacker's server receives no
// login form; the same start with the dashboard's own Host does reach it
// (the control that shows the test can tell).
func TestDNSRebindingRefused(t *testing.T) {
	t.Parallel()
	d := dashboard(t)
	evil := newEvilAPI(t)
	start := `{"url":"` + evil.URL + `","mode":"rate","rate":5,"duration":"1s","name":"stolen"}`
	for _, host := range []string{"evil.example:28089", "evil.example", "localhost.evil.example:8089", "127.0.0.1.nip.io:8089", "[::1].evil.example"} {
		origin := "http://" + host
		for _, rq := range []struct{ method, path, body string }{
			{http.MethodPost, "/api/start", start},
			{http.MethodGet, "/api/runs", ""},
			{http.MethodGet, "/api/report?run=stolen", ""},
			{http.MethodGet, "/api/events", ""},
			{http.MethodGet, "/", ""},
			{http.MethodGet, "/app.js", ""},
		} {
			res, body := d.do(t, rq.method, rq.path, rq.body, "Host", host, "Origin", origin)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "is not this dashboard") {
				t.Errorf("%s %s with Host %s: %d %.200s, want 403", rq.method, rq.path, host, res.StatusCode, body)
			}
		}
	}
	time.Sleep(300 * time.Millisecond) // a run started would log in at once
	if n, p := evil.hits.Load(), evil.passwords.Load(); n != 0 || p != 0 {
		t.Fatalf("rebinding started a run: the attacker's server got %d requests, %d with the password", n, p)
	}
	if _, err := os.Stat(filepath.Join(d.Runs, "stolen")); err == nil {
		t.Errorf("rebinding created run folder %s", filepath.Join(d.Runs, "stolen"))
	}
	// Control: from the dashboard's own Host the run starts and the
	// attacker's server sees the login form.
	if code, out := d.post(t, "/api/start", start); code != http.StatusOK {
		t.Fatalf("start from the dashboard's own host: %d %v", code, out)
	}
	if !testtool.Eventually(10*time.Second, func() bool { return evil.passwords.Load() > 0 }) {
		t.Errorf("control: the run from the dashboard's own host never logged in at %s", evil.URL)
	}
	testtool.Eventually(10*time.Second, func() bool {
		_, b := d.do(t, http.MethodPost, "/api/stop", "{}")
		return strings.Contains(b, "no run is going")
	})
}

// TestHostsAccepted: loopback names and addresses with any port, the
// listen address and names given in Config.Hosts are this dashboard.
func TestHostsAccepted(t *testing.T) {
	t.Parallel()
	d := dashboard(t, "dash.lan", "other.lan:9000")
	u, _ := url.Parse(d.URL)
	for _, host := range []string{u.Host, "localhost:8089", "LOCALHOST", "127.0.0.1", "127.9.8.7:1", "[::1]:8089", "dash.lan", "dash.lan:8089", "other.lan:9000"} {
		if res, body := d.do(t, http.MethodGet, "/api/runs", "", "Host", host); res.StatusCode != http.StatusOK {
			t.Errorf("GET /api/runs with Host %s: %d %.200s, want 200", host, res.StatusCode, body)
		}
	}
	for _, host := range []string{"other.lan:9001", "dash.lan.evil.example", "0.0.0.0:8089", "192.168.1.1"} {
		if res, _ := d.do(t, http.MethodGet, "/api/runs", "", "Host", host); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET /api/runs with Host %q: %d, want 403", host, res.StatusCode)
		}
	}
}

// TestTokenRequired: every API route answers 401 without the token, with
// a wrong one, or with it in the query string; nothing starts.
func TestTokenRequired(t *testing.T) {
	t.Parallel()
	d := dashboard(t)
	evil := newEvilAPI(t)
	start := `{"url":"` + evil.URL + `","mode":"rate","rate":5,"duration":"1s"}`
	wrong := web.NewToken() // as long as the right one
	for _, rq := range []struct{ method, path, body string }{
		{http.MethodPost, "/api/start", start},
		{http.MethodPost, "/api/stop", "{}"},
		{http.MethodPost, "/api/users", `{"users":5}`},
		{http.MethodPost, "/api/rate", `{"rate":5}`},
		{http.MethodGet, "/api/runs", ""},
		{http.MethodGet, "/api/report?run=x", ""},
		{http.MethodGet, "/api/events", ""},
	} {
		for _, auth := range [][]string{
			{"Authorization", ""},
			{"Authorization", "Bearer " + wrong},
			{"Authorization", "Bearer " + d.Token[:len(d.Token)-1]},
			{"Authorization", "Bearer " + d.Token + "x"},
			{"Authorization", "Basic " + d.Token},
			{"Authorization", "", "Cookie", "token=" + d.Token},
		} {
			res, body := d.do(t, rq.method, rq.path, rq.body, auth...)
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "token: open the URL ragload web printed") {
				t.Errorf("%s %s with %q: %d %.200s, want 401", rq.method, rq.path, auth, res.StatusCode, body)
			}
			if strings.Contains(body, d.Token) || strings.Contains(body, wrong) {
				t.Errorf("%s %s: the 401 quotes a token", rq.method, rq.path)
			}
		}
		sep := "?"
		if strings.Contains(rq.path, "?") {
			sep = "&"
		}
		res, body := d.do(t, rq.method, rq.path+sep+"token="+d.Token, rq.body, "Authorization", "")
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s with the token in the query: %d, want 401", rq.method, rq.path, res.StatusCode)
		}
		// A curl that sent ?token= learns how the API takes it.
		var refusal struct{ Error string }
		if err := json.Unmarshal([]byte(body), &refusal); err != nil ||
			!strings.Contains(refusal.Error, `sends that token as "Authorization: Bearer <token>"`) || !strings.Contains(refusal.Error, "does not read ?token=") {
			t.Errorf("%s %s with the token in the query: %.300s (%v), want how to send it", rq.method, rq.path, body, err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := evil.hits.Load(); n != 0 {
		t.Errorf("a start without the token reached the target: %d requests", n)
	}
	// The page itself loads without it (and then says how to get in).
	if res, body := d.do(t, http.MethodGet, "/", "", "Authorization", ""); res.StatusCode != http.StatusOK || !strings.Contains(body, "needs its token") {
		t.Errorf("GET / without the token: %d, want 200 and the page", res.StatusCode)
	}
	// With it, the event stream opens.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.URL+"/api/events", nil)
	req.Header.Set("Authorization", "bearer "+d.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	line, _ := bufio.NewReader(res.Body).ReadString('\n')
	if res.StatusCode != http.StatusOK || line != "event: hello\n" {
		t.Errorf("events with the token: %d %q, want 200 and hello", res.StatusCode, line)
	}
}

// TestForeignOriginRefused: with the token (say, leaked), a request from
// another site's page is still refused.
func TestForeignOriginRefused(t *testing.T) {
	t.Parallel()
	d := dashboard(t)
	u, _ := url.Parse(d.URL)
	for _, hdr := range [][]string{
		{"Origin", "http://evil.example"},
		{"Origin", "null"},
		{"Origin", "http://" + u.Host + ".evil.example"},
		{"Origin", "http://" + u.Host + "@evil.example"},
		{"Origin", "file://"},
		{"Sec-Fetch-Site", "cross-site"},
	} {
		for _, rq := range []struct{ method, path string }{{http.MethodPost, "/api/start"}, {http.MethodPost, "/api/stop"}, {http.MethodGet, "/api/runs"}} {
			if res, body := d.do(t, rq.method, rq.path, "{}", hdr...); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s with %q: %d %.200s, want 403", rq.method, rq.path, hdr, res.StatusCode, body)
			}
		}
	}
	for _, hdr := range [][]string{{"Origin", d.URL}, {"Sec-Fetch-Site", "same-origin"}} {
		if res, body := d.do(t, http.MethodGet, "/api/runs", "", hdr...); res.StatusCode != http.StatusOK {
			t.Errorf("GET /api/runs with %q: %d %.200s, want 200", hdr, res.StatusCode, body)
		}
	}
	if res, _ := d.do(t, http.MethodPost, "/api/stop", "{}", "Content-Type", "text/plain"); res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("a text/plain POST (what a form can send): %d, want 415", res.StatusCode)
	}
}

// TestSecurityHeaders: page, script and API, answered or refused, carry a
// strict CSP that forbids framing, and the other headers; the page has no
// inline script, style or handler the CSP would block.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	d := dashboard(t)
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
	for _, rq := range []struct {
		path string
		hdr  []string
		code int
	}{
		{"/", []string{"Authorization", ""}, 200},
		{"/index.html", nil, 301}, // the file server's redirect to /
		{"/app.js", nil, 200},
		{"/style.css", nil, 200},
		{"/api/runs", nil, 200},
		{"/api/report?run=nope", nil, 404},
		{"/api/runs", []string{"Authorization", ""}, 401},
		{"/api/runs", []string{"Host", "evil.example"}, 403},
		{"/", []string{"Host", "evil.example"}, 403},
	} {
		req, _ := http.NewRequest(http.MethodGet, d.URL+rq.path, nil)
		req.Header.Set("Authorization", "Bearer "+d.Token)
		for i := 0; i+1 < len(rq.hdr); i += 2 {
			if rq.hdr[i] == "Host" {
				req.Host = rq.hdr[i+1]
			} else {
				req.Header.Del(rq.hdr[i])
			}
		}
		res, err := (&http.Transport{}).RoundTrip(req) // no redirects followed
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != rq.code {
			t.Errorf("GET %s %q: %d, want %d", rq.path, rq.hdr, res.StatusCode, rq.code)
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("GET %s %q: %s %q, want %q", rq.path, rq.hdr, k, got, v)
			}
		}
	}
	page, err := os.ReadFile(filepath.Join("static", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(string(page), -1) {
		if !strings.Contains(tag, "src=") {
			t.Errorf("index.html has an inline script %s", tag)
		}
	}
	for _, re := range []string{`(?i)<style`, `(?i)\sstyle=`, `(?i)\son[a-z]+=`, `(?i)javascript:`} {
		if m := regexp.MustCompile(re).FindString(string(page)); m != "" {
			t.Errorf("index.html has %q, which the CSP blocks", m)
		}
	}
	script, err := os.ReadFile(filepath.Join("static", "app.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"innerHTML", "eval(", "new Function", `setAttribute("style"`, "setAttribute('on", "new EventSource"} {
		if strings.Contains(string(script), bad) {
			t.Errorf("app.js uses %s", bad)
		}
	}
}

// refusal is the page's answer to a scenario path outside the folder.
func refusal(path, dir string) string {
	return fmt.Sprintf("scenario %q: only files inside %s can be loaded from the page", path, dir)
}

// TestScenarioFolder: the page loads scenarios from the scenarios folder
// only, regular files only, and answers every other path (outside, a
// symlink out, missing, a folder, /dev/zero, a FIFO) with one message that
// names the folder and tells nothing about the path.
func TestScenarioFolder(t *testing.T) {
	t.Parallel()
	d := dashboard(t)
	outside := filepath.Dir(d.Scenarios)
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(d.Scenarios, "good.yaml"), "name: good\n")
	write(filepath.Join(outside, "outside.yaml"), "name: outside\n")
	if err := os.Mkdir(filepath.Join(d.Scenarios, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(d.Scenarios, "sub", "nested.yaml"), "name: nested\n")
	for link, to := range map[string]string{
		"link-in.yaml": "good.yaml", "link-out.yaml": filepath.Join(outside, "outside.yaml"),
		"link-up.yaml": "../outside.yaml", "link-zero": "/dev/zero", "link-dir": "/etc",
	} {
		if err := os.Symlink(to, filepath.Join(d.Scenarios, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(d.Scenarios, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	form := func(scenario string) string {
		return fmt.Sprintf(`{"url":%q,"scenario":%q,"mode":"walk","duration":"1s"}`, d.API, scenario)
	}
	// A scenario that loads gets to the next check of the form, the mode.
	for _, p := range []string{"good.yaml", filepath.Join(d.Scenarios, "good.yaml"), "sub/nested.yaml", "sub/../good.yaml", "link-in.yaml", "./good.yaml"} {
		if code, out := d.post(t, "/api/start", form(p)); code != http.StatusBadRequest || out["error"] != `mode "walk" isn't one of [users rate]` {
			t.Errorf("scenario %s inside the folder: %d %v, want it loaded", p, code, out)
		}
	}
	for _, p := range []string{
		"../outside.yaml", filepath.Join(outside, "outside.yaml"), filepath.Join(outside, "missing.yaml"), "nope.yaml",
		"/etc", "/etc/passwd", "../../../../../../etc/passwd", "/dev/zero", "sub", ".", "link-out.yaml", "link-up.yaml",
		"link-zero", "link-dir", "fifo", "/proc/self/environ",
	} {
		start := time.Now()
		code, out := d.post(t, "/api/start", form(p))
		if want := refusal(p, d.Scenarios); code != http.StatusBadRequest || out["error"] != want {
			t.Errorf("scenario %s: %d %v, want 400 %q", p, code, out, want)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("scenario %s: refused after %s", p, took)
		}
	}
}

// TestScenarioErrorsQuoteNoFile: a file the page names is never sent back
// in an error: outside the folder it is refused unread, and inside it an
// error quotes at most a short excerpt of it.
func TestScenarioErrorsQuoteNoFile(t *testing.T) {
	t.Parallel()
	d := dashboard(t)
	outside := filepath.Join(filepath.Dir(d.Scenarios), "credentials.txt")
	// YAML reads either file as one long string, which a scenario error quoted whole.
	if err := os.WriteFile(outside, []byte("alice@example.com,Outside-Secret-Pa55word-1\nbob@example.com,Outside-Secret-Pa55word-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inside := filepath.Join(d.Scenarios, "notes.env")
	if err := os.WriteFile(inside, []byte("LOAD_TEST_EMAIL=loadtest@example.com LOAD_TEST_PASSWORD=Inside-Secret-Pa55word\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(d.Scenarios, "creds.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{outside, "../credentials.txt", "creds.yaml", inside} {
		res, body := d.do(t, http.MethodPost, "/api/start", fmt.Sprintf(`{"url":%q,"scenario":%q,"mode":"rate","rate":1,"duration":"1s"}`, d.API, p))
		if res.StatusCode != http.StatusBadRequest || strings.Contains(body, "Secret-Pa55word") || strings.Contains(body, "bob@") {
			t.Errorf("scenario %s: %d %s, want 400 without the file's text", p, res.StatusCode, body)
		}
		t.Logf("scenario %s: %s", filepath.Base(p), strings.TrimSpace(body))
	}
}
