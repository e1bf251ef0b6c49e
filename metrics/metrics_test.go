package metrics_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// scrape reads the exporter's /metrics as Prometheus would.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

// byEndpoint sums a family's samples (counter values or histogram counts)
// per endpoint label, for one run.
func byEndpoint(fams map[string]*dto.MetricFamily, name, run string) map[string]uint64 {
	out := map[string]uint64{}
	f := fams[name]
	if f == nil {
		return out
	}
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["run"] != run {
			continue
		}
		switch {
		case m.Counter != nil:
			out[labels["endpoint"]] += uint64(m.Counter.GetValue())
		case m.Histogram != nil:
			out[labels["endpoint"]] += m.Histogram.GetSampleCount()
		}
	}
	return out
}

// fileCounts counts the results file's results per endpoint, named as
// the report names them, decoded independently of the recorder.
func fileCounts(t *testing.T, dir string) (map[string]uint64, uint64) {
	t.Helper()
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := results.NewResolverFor(m)
	counts, total := map[string]uint64{}, uint64(0)
	if err := results.ReadFile(filepath.Join(dir, results.ResultsFile), func(r *vegeta.Result) error {
		counts[names.Name(r)]++
		total++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return counts, total
}

func serveDemo(t *testing.T, cfg demo.Config) string {
	t.Helper()
	srv := httptest.NewServer(demo.New(cfg))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestScrapedCountsEqualTheResultsFile is issue 21's first acceptance
// test: /metrics is scraped while a run against the demo goes on (it
// moves), and at the end its request counters and both latency
// histograms' counts equal the results file's counts per endpoint,
// exactly.
func TestScrapedCountsEqualTheResultsFile(t *testing.T) {
	url := serveDemo(t, demo.Config{Workers: 64, QueryLatency: 20 * time.Millisecond, Sigma: -1})
	exp := metrics.New()
	srv, err := metrics.Serve(exp, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "run")
	j := &attack.Job{Plan: plan.Constant(100, 2*time.Second), Setup: attack.Setup{
		Dir: dir, Target: url, Scenario: targets.Default(),
		Credentials: []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
		Seed:        5, Options: attack.Options{Name: "live"}, Tool: "ragload test", Metrics: exp,
	}}
	var during []uint64
	var wg sync.WaitGroup
	ctx, stop := context.WithCancel(context.Background())
	wg.Go(func() {
		tick := time.NewTicker(300 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				var n uint64
				for _, c := range byEndpoint(scrape(t, srv.URL()), metrics.Requests, "live") {
					n += c
				}
				during = append(during, n)
			}
		}
	})
	_, err = j.Run(context.Background())
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	want, total := fileCounts(t, dir)
	if total != 200 {
		t.Fatalf("the results file holds %d results, want the plan's 200", total)
	}
	moving := 0
	for i := 1; i < len(during); i++ {
		if during[i] > during[i-1] && during[i] < total {
			moving++
		}
	}
	if moving == 0 {
		t.Errorf("scrapes during the run read %v: the counters did not move live", during)
	}
	fams := scrape(t, srv.URL())
	for _, name := range []string{metrics.Requests, metrics.ResponseTime, metrics.ServiceTime, metrics.ScheduleLag} {
		got := byEndpoint(fams, name, "live")
		if len(got) != len(want) {
			t.Errorf("%s has endpoints %v, the file %v", name, got, want)
		}
		for ep, n := range want {
			if got[ep] != n {
				t.Errorf("%s{endpoint=%q} = %d, the results file holds %d", name, ep, got[ep], n)
			}
		}
	}
	sent := fams[metrics.Sent].Metric[0].Counter.GetValue()
	if uint64(sent) != total {
		t.Errorf("%s = %g, want %d", metrics.Sent, sent, total)
	}
	if g := fams[metrics.Running].Metric[0].Gauge.GetValue(); g != 0 {
		t.Errorf("%s = %g after the run, want 0", metrics.Running, g)
	}
}

// TestUsersGaugesAndLogins: a closed-loop run shows its users and target
// while it goes on, and counts its logins under the login endpoint, as
// the results file does.
func TestUsersGaugesAndLogins(t *testing.T) {
	url := serveDemo(t, demo.Config{Workers: 64, QueryLatency: 5 * time.Millisecond, Sigma: -1})
	exp := metrics.New()
	srv, err := metrics.Serve(exp, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "run")
	j := &attack.UsersJob{Users: plan.Spawn(4, 0, 2*time.Second), Wait: plan.Wait{Kind: plan.WaitConstant, Min: 20 * time.Millisecond, Max: 20 * time.Millisecond},
		Setup: attack.Setup{Dir: dir, Target: url, Scenario: targets.Default(),
			Credentials: []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
			Seed:        5, Options: attack.Options{Name: "vus"}, Tool: "ragload test", Metrics: exp}}
	done := make(chan error, 1)
	go func() { _, err := j.Run(context.Background()); done <- err }()
	var users, target float64
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && users < 4 {
		time.Sleep(100 * time.Millisecond)
		fams := scrape(t, srv.URL())
		if f := fams[metrics.Users]; f != nil {
			users, target = f.Metric[0].Gauge.GetValue(), fams[metrics.UsersTarget].Metric[0].Gauge.GetValue()
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if users != 4 || target != 4 {
		t.Errorf("during the run %s = %g and %s = %g, want 4 and 4", metrics.Users, users, metrics.UsersTarget, target)
	}
	want, _ := fileCounts(t, dir)
	got := byEndpoint(scrape(t, srv.URL()), metrics.Requests, "vus")
	if want[attack.LoginEndpoint] == 0 {
		t.Fatalf("the file has no logins: %v", want)
	}
	for ep, n := range want {
		if got[ep] != n {
			t.Errorf("%s{endpoint=%q} = %d, the results file holds %d", metrics.Requests, ep, got[ep], n)
		}
	}
}

// TestMetricsHoldNoSecrets: a run with a password, a token and a secret
// scenario header, against a server that fails some requests with the
// credentials in the error, leaves none of them (nor the API's address)
// in /metrics.
func TestMetricsHoldNoSecrets(t *testing.T) {
	const password, apiKey = "S3cret-Pa55!word", "key-0123456789abcdef"
	var tokens sync.Map
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/auth/login":
			r.ParseForm()
			tok := "tok-" + r.Form.Get("password")
			tokens.Store(tok, true)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":"`+tok+`","token_type":"bearer"}`)
		case "/health":
			w.WriteHeader(http.StatusOK)
		default: // echo the credentials in the status line, as some servers do
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 502 " + r.Header.Get("Authorization") + " " + r.Header.Get("X-Api-Key") + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			buf.Flush()
		}
	}))
	defer api.Close()
	sc, err := targets.Parse("secret.yaml", []byte("endpoints:\n  - key: query\n    headers: {X-Api-Key: "+apiKey+"}\nsecret_headers: [X-Api-Key]\n"))
	if err != nil {
		t.Fatal(err)
	}
	exp := metrics.New()
	srv, err := metrics.Serve(exp, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	j := &attack.Job{Plan: plan.Constant(50, time.Second), Setup: attack.Setup{
		Dir: filepath.Join(t.TempDir(), "run"), Target: api.URL, Scenario: sc,
		Credentials: []auth.Credential{{Username: "alice@example.com", Password: password}},
		Seed:        5, Options: attack.Options{Name: "secrets"}, Tool: "ragload test", Metrics: exp,
	}}
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	if !strings.Contains(text, `kind="HTTP 502`) {
		t.Fatalf("the failures did not reach /metrics:\n%.2000s", text)
	}
	secrets := []string{password, apiKey, "alice", "tok-", "Bearer", strings.TrimPrefix(api.URL, "http://")}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("/metrics contains %q", s)
		}
	}
}

// TestServerAnswersMetricsOnly: the server answers GET /metrics and
// nothing else, refuses a Host a rebinding page would send, and tells
// browsers not to sniff, frame or cache.
func TestServerAnswersMetricsOnly(t *testing.T) {
	srv, err := metrics.Serve(metrics.New(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	base := "http://" + srv.Addr()
	for _, c := range []struct {
		method, path, host string
		want               int
	}{
		{"GET", "/metrics", "", 200},
		{"GET", "/metrics", "localhost:9464", 200},
		{"GET", "/metrics", "[::1]:9464", 200},
		{"HEAD", "/metrics", "", 200},
		{"GET", "/metrics", "evil.example:9464", 403},
		{"GET", "/metrics", "127.0.0.1.evil.example", 403},
		{"GET", "/", "", 404},
		{"GET", "/debug/pprof/", "", 404},
		{"GET", "/metrics/", "", 404},
		{"POST", "/metrics", "", 405},
		{"DELETE", "/metrics", "", 405},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, nil)
		if c.host != "" {
			req.Host = c.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s Host %q: %s, want %d", c.method, c.path, c.host, resp.Status, c.want)
		}
		if c.want != 200 && strings.Contains(string(body), "ragload_") {
			t.Errorf("%s %s Host %q: a refusal carries metrics", c.method, c.path, c.host)
		}
		for h, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
			if resp.Header.Get(h) != v {
				t.Errorf("%s %s Host %q: %s = %q, want %q", c.method, c.path, c.host, h, resp.Header.Get(h), v)
			}
		}
	}
}

func TestListenAddrDefaultsToLoopback(t *testing.T) {
	for in, want := range map[string]string{":9464": "127.0.0.1:9464", "9464": "127.0.0.1:9464", "0.0.0.0:9464": "0.0.0.0:9464", "[::1]:1": "[::1]:1", "localhost:9464": "localhost:9464"} {
		if got, err := metrics.ListenAddr(in); err != nil || got != want {
			t.Errorf("ListenAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "host", "http://127.0.0.1:9464", "-9464"} {
		if _, err := metrics.ListenAddr(bad); err == nil {
			t.Errorf("ListenAddr(%q) accepted", bad)
		}
	}
}

// TestMetricsWarningBeyondLoopback: metrics on every interface are
// announced as readable by anyone who reaches the port (checked on the
// address, without binding one).
func TestMetricsWarningBeyondLoopback(t *testing.T) {
	for addr, warn := range map[string]bool{"127.0.0.1:9464": false, "[::1]:9464": false, "[::]:9464": true, "0.0.0.0:9464": true, "10.1.2.3:9464": true} {
		if got := metrics.RemoteWarning(addr); (got != "") != warn || warn && !strings.Contains(got, addr) {
			t.Errorf("RemoteWarning(%q) = %q, want a warning: %v", addr, got, warn)
		}
	}
}

// TestAwaitScrape: nobody scraped, nobody waits; after a scrape, the wait
// ends with the next one.
func TestAwaitScrape(t *testing.T) {
	srv, err := metrics.Serve(metrics.New(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	start := time.Now()
	if srv.AwaitScrape(context.Background(), 5*time.Second) || time.Since(start) > time.Second {
		t.Fatalf("waited %s for a scrape though nothing ever scraped", time.Since(start))
	}
	scrape(t, srv.URL())
	go func() {
		time.Sleep(200 * time.Millisecond)
		http.Get(srv.URL()) //nolint:errcheck
	}()
	if !srv.AwaitScrape(context.Background(), 10*time.Second) {
		t.Fatal("the next scrape did not end the wait")
	}
	if srv.AwaitScrape(context.Background(), 100*time.Millisecond) {
		t.Fatal("a wait with no scrape reported one")
	}
}

// TestRebindingGuardFollowsTheBoundAddress: a server bound to loopback
// through a name other than "localhost" (LOCALHOST here; the machine's own
// name on Debian, which /etc/hosts maps to 127.0.1.1) refuses a rebinding
// Host too; it answered any Host, as if it were on every interface.
func TestRebindingGuardFollowsTheBoundAddress(t *testing.T) {
	srv, err := metrics.Serve(metrics.New(), "LOCALHOST:0")
	if err != nil {
		t.Skipf("LOCALHOST does not resolve here: %v", err)
	}
	defer srv.Close()
	req, _ := http.NewRequest("GET", "http://"+srv.Addr()+metrics.Path, nil)
	req.Host = "evil.example:9464"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("bound to %s, Host evil.example: %s, want 403", srv.Addr(), resp.Status)
	}
}

// TestServerCapsConnections: connections opened and left idle (a
// slowloris, or anyone who can reach a port on every interface) cost the
// load generator a file each only up to a cap; 19,900 of them took its
// 20,000 files. After they go, the server answers again.
func TestServerCapsConnections(t *testing.T) {
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skipf("no /proc/self/fd to count open files: %v", err)
		}
		return len(ents)
	}
	srv, err := metrics.Serve(metrics.New(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const idle = 200
	before := fds()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range idle {
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n") // and never the blank line
		conns = append(conns, c)
	}
	time.Sleep(300 * time.Millisecond) // let the server accept what it will
	if held := fds() - before - idle; held > 64 {
		t.Errorf("%d idle connections: the server holds %d files for them, want at most 64", idle, held)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(srv.URL())
	if err != nil {
		t.Fatalf("after the idle connections closed: %v", err)
	}
	resp.Body.Close()
}
