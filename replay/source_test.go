package replay

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/targets"
)

// TestOpen: each kind of recording opens through Open, scaled; a choice of
// none or two is refused, and a scenario error is returned as is.
func TestOpen(t *testing.T) {
	stream := writeStream(t, []Entry{
		{Offset: 0, Endpoint: "health", Method: "GET", URL: "/health"},
		{Offset: time.Second, Endpoint: "health", Method: "GET", URL: "/health"},
	})
	open, info, name, err := Open(Choice{Stream: stream, Speed: 2, Loops: 3})
	if err != nil || name != stream || info.Count != 6 || len(readAll(t, open)) != 6 {
		t.Fatalf("stream: %q, %d entries, %v", name, info.Count, err)
	}
	sc := func() (*targets.Scenario, error) { return targets.Default(), nil }
	vt := writeFile(t, "t.json", `{"method":"GET","url":"http://x/health"}`+"\n")
	_, info, name, err = Open(Choice{Vegeta: vt, Rate: 10, Duration: time.Second, Scenario: sc, Speed: 1, Loops: 1})
	if err != nil || name != vt || info.Format != "vegeta-json" || info.Count != 10 {
		t.Fatalf("vegeta: %q, %+v, %v", name, info, err)
	}
	log := writeFile(t, "access.log", `127.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /health HTTP/1.1" 200 2 "-" "curl"`+"\n")
	if _, info, _, err = Open(Choice{AccessLog: log, Scenario: sc, Speed: 1, Loops: 1}); err != nil || info.Count != 1 {
		t.Fatalf("access log: %+v, %v", info, err)
	}
	for _, c := range []Choice{{}, {Stream: stream, Vegeta: vt}} {
		if _, _, _, err := Open(c); err == nil || !strings.Contains(err.Error(), "give one of") {
			t.Errorf("%+v: %v", c, err)
		}
	}
	bad := func() (*targets.Scenario, error) { return nil, errScenario }
	if _, _, _, err := Open(Choice{Vegeta: vt, Rate: 1, Duration: time.Second, Scenario: bad, Speed: 1, Loops: 1}); err != errScenario {
		t.Errorf("scenario error: %v", err)
	}
	if _, _, _, err := Open(Choice{Stream: stream, Speed: 0, Loops: 1}); err == nil || !strings.Contains(err.Error(), "speed 0 must be > 0") {
		t.Errorf("speed 0: %v", err)
	}
}

var errScenario = errors.New("bad scenario")
