package testtool

import (
	"testing"
	"time"
)

// TestOffline: what the go command prints when a module cannot be
// downloaded (captured from go 1.26 with GOPROXY=off and an unreachable
// proxy) counts as offline; a tool's own failure does not.
func TestOffline(t *testing.T) {
	for _, c := range []struct {
		stderr string
		want   bool
	}{
		{"go: downloading github.com/tsenart/vegeta/v12 v12.13.0\ngithub.com/tsenart/vegeta/v12: module lookup disabled by GOPROXY=off\n", true},
		{"go: downloading github.com/tsenart/vegeta/v12 v12.13.0\ngithub.com/tsenart/vegeta/v12: github.com/tsenart/vegeta/v12@v12.13.0: Get \"http://127.0.0.1:9/github.com/tsenart/vegeta/v12/@v/v12.13.0.zip\": dial tcp 127.0.0.1:9: connect: connection refused\n", true},
		{"go: downloading k8s.io/api v0.37.2\nk8s.io/api@v0.37.2: Get \"https://proxy.golang.org/k8s.io/api/@v/v0.37.2.zip\": dial tcp: lookup proxy.golang.org on 127.0.0.53:53: server misbehaving\n", true},
		{"error: open results.bin: no such file or directory\n", false},
		{"decode: gob: unknown type id\n", false},
		{"Get \"http://127.0.0.1:1/\": dial tcp 127.0.0.1:1: connect: connection refused\n", false}, // a tool's own request
	} {
		if got := Offline([]byte(c.stderr)); got != c.want {
			t.Errorf("Offline(%q) = %v, want %v", c.stderr, got, c.want)
		}
	}
}

func TestEventually(t *testing.T) {
	start := time.Now()
	n := 0
	if !Eventually(time.Second, func() bool { n++; return n == 3 }) {
		t.Fatal("a condition that holds on the third poll: false")
	}
	if Eventually(30*time.Millisecond, func() bool { return false }) {
		t.Fatal("a condition that never holds: true")
	}
	if el := time.Since(start); el > 900*time.Millisecond {
		t.Errorf("took %s", el)
	}
}
