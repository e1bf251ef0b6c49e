package main

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
)

// The fault suite: ragload attack against the demo API failing in each
// way a real one does, on loopback. For every fault the run completes, the
// report's errors table has a row for the fault's kind at the endpoint with
// its first message, results.bin decodes to its end with vegeta's decoder
// (as many results as the manifest says were completed and sent), report
// reads the run back to the same counts and exit code, and the exit code is
// the documented one:
//
//	refused at start (the login fails)         3, naming the login URL
//	refused at start, no login in the scenario 1: every request failed
//	refused mid-run, server restarted mid-run  1 (failures > 1%)
//	resets, closes mid-body                    1
//	slower than --timeout, trickling bodies    1
//	5xx bursts, 429 storms                     1
//	401 storm (revoked tokens), short-lived    0 with -t failures<5%: ragload
//	tokens (TokenTTL 2s)                       logs in again, few 401s remain
//
// Each case sends 50/s for 1–4 s.

const faultEndpoint = "/query (basic)" // the endpoint whose rows the cases check

// TestFaultRefused: the server is down at the start, goes down mid-run,
// or restarts mid-run.
func TestFaultRefused(t *testing.T) {
	t.Parallel()
	t.Run("at start", func(t *testing.T) {
		t.Parallel()
		url := "http://" + unusedLoopbackAddr(t)
		dir := runDir(t)
		out, errOut, code := ragloadBounded(t, "attack", "-u", url, "--rate", "50", "-d", "2s", "-o", dir, "-q")
		if code != exitRunError {
			t.Fatalf("exit %d, want %d\n%s\n%s", code, exitRunError, out, errOut)
		}
		wantContains(t, "stderr", errOut, "error: login as", url+"/api/v1/auth/login", "connection refused", "(is the server running?)")
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a run that could not start left %s behind (%v)", dir, err)
		}
		t.Logf("exit %d: %s", code, strings.TrimSpace(errOut))
	})

	t.Run("at start without login", func(t *testing.T) {
		t.Parallel()
		// A scenario without authenticated endpoints has no login to fail:
		// the run goes ahead, every request is refused, the verdict fails.
		sc := filepath.Join(t.TempDir(), "health.yaml")
		os.WriteFile(sc, []byte("endpoints:\n  - {key: query, weight: 0}\n  - {key: enhanced, weight: 0}\n  - {key: documents, weight: 0}\n"), 0o644)
		url := "http://" + unusedLoopbackAddr(t)
		out, dir := faultRun(t, exitVerdict, url, "-s", sc, "-d", "1s")
		if n := wantErrorKind(t, out, "/health", results.KindRefused, "connect: connection refused"); n != 50 {
			t.Errorf("%d refused, want all 50", n)
		}
		checkFaultRun(t, dir, exitVerdict)
	})

	t.Run("mid-run", func(t *testing.T) {
		t.Parallel()
		api := newRestartableAPI(t, demo.Config{})
		time.AfterFunc(time.Second, api.stop) // and never back
		out, dir := faultRun(t, exitVerdict, api.url(), "-d", "2s")
		wantErrorKind(t, out, faultEndpoint, results.KindRefused, "connect: connection refused")
		rs := checkFaultRun(t, dir, exitVerdict)
		if ok := countSucceeded(rs, time.Time{}); ok < 10 || ok > 75 {
			t.Errorf("%d requests countSucceeded, want those of about the first second", ok)
		}
	})

	t.Run("server restarted", func(t *testing.T) {
		t.Parallel()
		api := newRestartableAPI(t, demo.Config{})
		var restarted time.Time
		var mu sync.Mutex
		time.AfterFunc(700*time.Millisecond, func() {
			api.stop()
			time.Sleep(700 * time.Millisecond)
			api.start() // a new process: the same secret, so tokens still verify
			mu.Lock()
			restarted = time.Now()
			mu.Unlock()
		})
		out, dir := faultRun(t, exitVerdict, api.url(), "-d", "3s")
		wantErrorKind(t, out, faultEndpoint, results.KindRefused, "connect: connection refused")
		rs := checkFaultRun(t, dir, exitVerdict)
		mu.Lock()
		defer mu.Unlock()
		if restarted.IsZero() {
			t.Fatal("the server was not restarted during the run")
		}
		if ok := countSucceeded(rs, restarted); ok < 20 {
			t.Errorf("%d requests countSucceeded after the restart, want most of the last 1.6 s", ok)
		}
	})
}

// TestFaultConnections: responses cut mid-body, slower than the timeout,
// or trickling.
func TestFaultConnections(t *testing.T) {
	t.Parallel()
	window := func(f demo.Fault) demo.Config {
		f.Every, f.For = time.Second, 300*time.Millisecond
		return demo.Config{Faults: []demo.Fault{f}}
	}
	for _, tc := range []struct {
		name      string
		fault     demo.Fault
		args      []string
		kind, msg string
	}{
		{"reset mid-body", demo.Fault{Kind: demo.FaultReset}, nil, results.KindReset, "connection reset by peer"},
		{"closed mid-body", demo.Fault{Kind: demo.FaultClose}, nil, results.KindClosed, "unexpected EOF"},
		{"slower than the timeout", demo.Fault{Kind: demo.FaultSlow, Delay: 2 * time.Second},
			[]string{"--timeout", "500ms"}, results.KindTimeout, "Client.Timeout exceeded while awaiting headers"},
		// 16 bytes every 50 ms: an answer of a kilobyte or more takes seconds.
		{"trickling bodies", demo.Fault{Kind: demo.FaultTrickle},
			[]string{"--timeout", "1s"}, results.KindTimeout, "while reading body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, url := demoAPI(t, window(tc.fault))
			out, dir := faultRun(t, exitVerdict, url, append([]string{"-d", "2s"}, tc.args...)...)
			wantErrorKind(t, out, faultEndpoint, tc.kind, tc.msg)
			checkFaultRun(t, dir, exitVerdict)
		})
	}
}

// TestFaultStatuses: bursts of 5xx and storms of 429.
func TestFaultStatuses(t *testing.T) {
	t.Parallel()
	t.Run("5xx bursts", func(t *testing.T) {
		t.Parallel()
		_, url := demoAPI(t, demo.Config{Faults: []demo.Fault{
			{Kind: demo.FaultStatus, Status: 502, Every: time.Second, For: 200 * time.Millisecond},
			{Kind: demo.FaultStatus, Status: 503, Every: time.Second, For: 200 * time.Millisecond, Start: 500 * time.Millisecond},
		}})
		out, dir := faultRun(t, exitVerdict, url, "-d", "2s")
		wantErrorKind(t, out, faultEndpoint, "HTTP 502", "502 Bad Gateway")
		wantErrorKind(t, out, faultEndpoint, "HTTP 503", "503 Service Unavailable")
		checkFaultRun(t, dir, exitVerdict)
	})

	t.Run("429 storm", func(t *testing.T) {
		t.Parallel()
		_, url := demoAPI(t, demo.Config{Faults: []demo.Fault{{Kind: demo.FaultRateLimit, Every: time.Second, For: 300 * time.Millisecond}}})
		out, dir := faultRun(t, exitVerdict, url, "-d", "2s")
		n := wantErrorKind(t, out, faultEndpoint, "HTTP 429", "429 Too Many Requests")
		if cells := strings.Split(mainTableRow(out, faultEndpoint), "│"); len(cells) < 6 || strings.TrimSpace(cells[5]) != strconv.FormatUint(n, 10) {
			t.Errorf("the 429 column of %s does not count its %d 429s:\n%s", faultEndpoint, n, out)
		}
		checkFaultRun(t, dir, exitVerdict)
	})
}

// TestFaultAuth: tokens revoked in bursts, or living 2 s.
func TestFaultAuth(t *testing.T) {
	t.Parallel()
	t.Run("401 storm", func(t *testing.T) {
		t.Parallel()
		// Tokens issued before each window are refused (to the second: the
		// windows start over a second after each login): ragload sees the
		// 401s, logs in again, and the rest of the window passes.
		_, url := demoAPI(t, demo.Config{Faults: []demo.Fault{{Kind: demo.FaultUnauthorized, Start: 1200 * time.Millisecond, Every: 1500 * time.Millisecond, For: 500 * time.Millisecond}}})
		out, dir := faultRun(t, exitOK, url, "-d", "3s", "-t", "failures<5%")
		n := wantErrorKind(t, out, "", "HTTP 401", "401 Unauthorized") // a burst is a request or two: at any endpoint with a token
		m := readManifest(t, dir)
		wantContains(t, "stdout", out, "401 Unauthorized: ", "ragload logged in again "+strconv.FormatInt(m.Auth.Refreshes, 10)+" time")
		if m.Auth.Refreshes < 1 || m.Auth.Unauthorized < int64(n) {
			t.Errorf("auth %+v: want logins again after the 401s", m.Auth)
		}
		checkFaultRun(t, dir, exitOK)
	})

	t.Run("tokens expiring every 2s", func(t *testing.T) {
		t.Parallel()
		_, url := demoAPI(t, demo.Config{TokenTTL: 2 * time.Second})
		out, dir := faultRun(t, exitOK, url, "-d", "4s", "-t", "failures<5%")
		m := readManifest(t, dir)
		if m.Auth.Refreshes < 2 {
			t.Errorf("%d refreshes in 4 s of 2 s tokens", m.Auth.Refreshes)
		}
		wantContains(t, "stdout", out, strconv.FormatInt(m.Auth.Refreshes, 10)+" refresh(es)")
		if m.Auth.Unauthorized > 0 {
			wantContains(t, "stdout", out, "401 Unauthorized: ", "ragload logged in again")
		}
		t.Logf("%d refreshes, %d 401s of %d requests", m.Auth.Refreshes, m.Auth.Unauthorized, m.Completed)
		checkFaultRun(t, dir, exitOK)
	})
}

// faultRun attacks url at 50/s with the extra args into a new run
// directory, checks the exit code, and returns stdout and the directory.
func faultRun(t *testing.T, wantCode int, url string, args ...string) (string, string) {
	t.Helper()
	dir := runDir(t)
	args = append([]string{"attack", "-u", url, "--rate", "50", "-o", dir, "-q", "--seed", "7"}, args...)
	out, errOut, code := ragloadBounded(t, args...)
	if code != wantCode {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, wantCode, out, errOut)
	}
	t.Logf("exit %d; errors table: %q", code, errorKindRows(out))
	return out, dir
}

// ragloadBounded is ragload, failing the test if it has not returned within
// 30 s: no fault may hang a run.
func ragloadBounded(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	type outcome struct {
		out, errOut string
		code        int
	}
	done := make(chan outcome, 1)
	go func() {
		out, errOut, code := ragload(t, args...)
		done <- outcome{out, errOut, code}
	}()
	select {
	case o := <-done:
		return o.out, o.errOut, o.code
	case <-time.After(30 * time.Second):
		t.Fatalf("ragload %s hung for 30 s", strings.Join(args, " "))
		return "", "", 0
	}
}

// checkFaultRun checks a faulty run's files: the manifest says complete, the
// results decode to the end with vegeta's decoder and number the
// completed (and sent) requests, and report reads the run back to the
// same errors and exit code. It returns the results.
func checkFaultRun(t *testing.T, dir string, wantCode int) []vegeta.Result {
	t.Helper()
	m := readManifest(t, dir)
	rs := decodeAll(t, filepath.Join(dir, results.ResultsFile))
	if m.Status != results.StatusComplete || uint64(len(rs)) != m.Completed || m.Completed != m.Sent || m.Sent == 0 {
		t.Errorf("manifest: status %s, sent %d, completed %d; results.bin holds %d", m.Status, m.Sent, m.Completed, len(rs))
	}
	out, errOut, code := ragload(t, "report", "-f", "json", dir)
	if code != wantCode {
		t.Errorf("report exit %d, want %d\n%s", code, wantCode, errOut)
	}
	var doc struct {
		Total struct {
			Failures   uint64
			ErrorKinds []results.KindCount `json:"error_kinds"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("report -f json: %v\n%s", err, out)
	}
	var failed, kinds uint64
	for i := range rs {
		if results.Failed(&rs[i]) {
			failed++
		}
	}
	for _, k := range doc.Total.ErrorKinds {
		kinds += k.Count
		if k.First == "" {
			t.Errorf("kind %s has no first message", k.Kind)
		}
	}
	if doc.Total.Failures != failed || kinds != failed {
		t.Errorf("report counts %d failures, %d by kind; results.bin has %d", doc.Total.Failures, kinds, failed)
	}
	return rs
}

// countSucceeded counts the successful results sent after since.
func countSucceeded(rs []vegeta.Result, since time.Time) int {
	n := 0
	for i := range rs {
		if !results.Failed(&rs[i]) && rs[i].Timestamp.After(since) {
			n++
		}
	}
	return n
}

// errorKindRows returns the rows of the text report's errors table: endpoint,
// kind, count, first message.
func errorKindRows(out string) [][]string {
	i := strings.Index(out, "Errors by endpoint and kind")
	if i < 0 {
		return nil
	}
	var rows [][]string
	for _, line := range strings.Split(out[i:], "\n")[1:] {
		if strings.HasPrefix(line, "└") {
			break
		}
		cells := strings.Split(strings.Trim(line, "│"), "│")
		if !strings.HasPrefix(line, "│") || len(cells) != 4 {
			continue
		}
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		if cells[0] != "Endpoint" {
			rows = append(rows, cells)
		}
	}
	return rows
}

// wantErrorKind finds the errors table's rows for endpoint ("" for any) and
// kind, checks that their first message contains msg, and returns their
// count.
func wantErrorKind(t *testing.T, out, endpoint, kind, msg string) uint64 {
	t.Helper()
	var total uint64
	found := false
	for _, row := range errorKindRows(out) {
		if (endpoint != "" && row[0] != endpoint) || row[1] != kind {
			continue
		}
		found = true
		n, err := strconv.ParseUint(row[2], 10, 64)
		if err != nil || n == 0 {
			t.Errorf("row %q: count %q", row, row[2])
		}
		if !strings.Contains(row[3], msg) {
			t.Errorf("row %q: the first message lacks %q", row, msg)
		}
		total += n
	}
	if !found {
		t.Errorf("the errors table has no row for %q, %s:\n%s", endpoint, kind, out)
	}
	return total
}

// mainTableRow is the first line of out that starts with endpoint's cell.
func mainTableRow(out, endpoint string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "│ "+endpoint+" ") {
			return line
		}
	}
	return ""
}

// unusedLoopbackAddr returns a loopback address nothing listens on.
func unusedLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// restartableAPI is the demo API on a fixed loopback port that the test can
// stop, like a crash (the listener and every connection closed at once),
// and start again as a new server process with the same configuration.
type restartableAPI struct {
	t    *testing.T
	cfg  demo.Config
	addr string

	mu  sync.Mutex
	srv *http.Server
}

func newRestartableAPI(t *testing.T, cfg demo.Config) *restartableAPI {
	t.Helper()
	cfg.QueryLatency, cfg.EnhancedLatency, cfg.DocumentsLatency = 5*time.Millisecond, 10*time.Millisecond, time.Millisecond
	cfg.Secret = []byte("fault-suite-secret-fault-suite-s") // tokens outlive a restart
	r := &restartableAPI{t: t, cfg: cfg, addr: "127.0.0.1:0"}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *restartableAPI) url() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return "http://" + r.addr
}

// start listens on the address (retrying for a while: the port was just
// released) and serves a new demo API.
func (r *restartableAPI) start() {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		r.t.Errorf("restart the demo API on %s: %v", r.addr, err)
		return
	}
	srv := &http.Server{Handler: demo.New(r.cfg), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	r.mu.Lock()
	r.addr, r.srv = ln.Addr().String(), srv
	r.mu.Unlock()
}

// stop closes the listener and every connection at once.
func (r *restartableAPI) stop() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}
