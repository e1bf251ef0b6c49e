package attack

import (
	"fmt"
	"sync"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
)

// TestCaptureNamesConcurrently: virtual users name their recorded requests
// from their own goroutines; the resolver's cache must take that (run with
// -race: a plain map here crashed `ragload users --record`).
func TestCaptureNamesConcurrently(t *testing.T) {
	t.Parallel()
	m := &results.Manifest{Target: "http://127.0.0.1:1"}
	m.Scenario.Endpoints = []results.EndpointInfo{{Key: "health", Name: "/health", Method: "GET", Path: "/health"}}
	c := newCapture(nil, m)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				r := &vegeta.Result{Method: "GET", URL: fmt.Sprintf("http://127.0.0.1:1/health?u=%d&i=%d", g, i)}
				if got := c.name.Name(r); got != "/health" {
					t.Errorf("Name(%s) = %q, want /health", r.URL, got)
					return
				}
			}
		})
	}
	wg.Wait()
}
