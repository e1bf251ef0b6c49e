// Package testtool holds what several packages' tests share: finding a
// program a test needs (skipping without it, or failing when CI asks for
// every tool), and bounding a fuzz execution in time. Only tests import it.
package testtool

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/input"
)

// Require returns the path of the first of names found on PATH. Without
// any, it skips the test, or fails it when RAGLOAD_REQUIRE_TOOLS=1 (CI sets
// it after .ci/install-test-tools): what is the test's word for them.
func Require(t testing.TB, what string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("RAGLOAD_REQUIRE_TOOLS") == "1" {
		t.Fatalf("RAGLOAD_REQUIRE_TOOLS=1 but no %s on PATH (run .ci/install-test-tools)", strings.Join(names, ", "))
	}
	t.Skipf("no %s on PATH: install it with `sudo .ci/install-test-tools` to run %s", names[0], what)
	return ""
}

// netError is what the go command says when a download fails on the
// network.
var netError = regexp.MustCompile(`dial tcp|no such host|connection refused|network is unreachable|i/o timeout|proxyconnect|TLS handshake timeout|server misbehaving`)

// Offline says whether stderr, from a go command that failed, says that
// a module could not be downloaded: no module proxy (GOPROXY=off, or no
// network) and the module not in the module cache.
func Offline(stderr []byte) bool {
	return bytes.Contains(stderr, []byte("module lookup disabled")) ||
		bytes.Contains(stderr, []byte("go: downloading ")) && netError.Match(stderr)
}

// SkipIfOffline skips t when stderr, from a go command that failed, says
// that a module it needs could not be downloaded (see Offline), unless
// RAGLOAD_REQUIRE_TOOLS=1 (CI, which reaches the module proxy): what
// names the tool.
func SkipIfOffline(t testing.TB, what string, stderr []byte) {
	t.Helper()
	if Offline(stderr) && os.Getenv("RAGLOAD_REQUIRE_TOOLS") != "1" {
		t.Skipf("%s could not be built: the module proxy is unreachable and its modules are not in the module cache "+
			"(run `go mod download` once online):\n%s", what, stderr)
	}
}

// Browser returns a headless-capable Chromium (see Require).
func Browser(t testing.TB) string {
	t.Helper()
	return Require(t, "the browser test", "chromium", "chromium-browser", "google-chrome")
}

// HangAfter is how long one fuzz execution may take before Within fails
// it as a hang: Go's fuzzing engine sets no limit of its own.
const HangAfter = 10 * time.Second

// Within runs fn (which must not use t) and fails t if it panics or has
// not returned after HangAfter, so that a hanging input is saved like a
// crashing one; what names the code under test in the message.
func Within(t testing.TB, what string, fn func()) {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Sprintf("panic: %v\n%s", p, debug.Stack())
			}
		}()
		fn()
		done <- ""
	}()
	select {
	case msg := <-done:
		if msg != "" {
			t.Fatal(msg)
		}
	case <-time.After(HangAfter):
		t.Fatalf("no answer after %s: the input hangs the %s", HangAfter, what)
	}
}

// Secret stands for a value an input file holds that no error may show
// whole: a password, a token, a line of /etc/shadow.
const Secret = "S3cretValue-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// CheckNoLeak fails the test when msg holds more than an excerpt
// (input.MaxExcerpt bytes in a row) of s.
func CheckNoLeak(t testing.TB, msg, s string) {
	t.Helper()
	for i := 0; i+input.MaxExcerpt < len(s); i++ {
		if strings.Contains(msg, s[i:i+input.MaxExcerpt+1]) {
			t.Errorf("error quotes more than %d bytes of the input: %s", input.MaxExcerpt, msg)
			return
		}
	}
}

// Poll is how often Eventually and WaitFor check their condition.
const Poll = 5 * time.Millisecond

// Eventually polls cond until it holds (true) or within passes (false,
// after one last check). It is the one way tests wait for another
// goroutine or process: never a bare sleep.
func Eventually(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return cond()
		}
		time.Sleep(Poll)
	}
	return true
}

// WaitFor fails t unless cond holds within the given time; what says what
// the test waited for.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Eventually(within, cond) {
		t.Fatalf("timed out after %s waiting for %s", within, what)
	}
}

// RefusedURL returns an http:// URL on loopback on which nothing listens
// (a port just freed): a request to it is refused.
func RefusedURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}
