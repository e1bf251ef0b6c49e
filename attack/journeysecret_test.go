package attack_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
)

// TestJourneySecretValuesStayOut: a step saves access_token (a source
// that looks secret, so the recording keeps no value of it) and the next
// step puts it in its path, its query and a header. The token reaches the
// server, but neither the results file nor the recording holds it; the
// recording names it by a placeholder in its uses, so that a replay puts
// its own server's token there. Before, both files held the token in
// every step's URL.
func TestJourneySecretValuesStayOut(t *testing.T) {
	var n, seen atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/start" {
			fmt.Fprintf(w, `{"access_token":"tok-SECRET-%d"}`, n.Add(1))
			return
		}
		if strings.Contains(r.URL.Path, "tok-SECRET-") && strings.HasPrefix(r.Header.Get("X-Sess"), "tok-SECRET-") {
			seen.Add(1)
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer hs.Close()
	text := `endpoints:
  - key: start
    method: POST
    path: /start
  - key: use
    method: GET
    path: /use/{{tok}}?t={{tok}}
    headers: {X-Sess: "{{tok}}"}
journeys:
  - name: secret
    steps:
      - endpoint: start
        save: {tok: access_token}
      - endpoint: use
`
	stream := filepath.Join(t.TempDir(), "rec", "stream.jsonl")
	rec, closeRec, err := attack.CreateRecording(stream)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	j := &attack.UsersJob{Users: plan.Spawn(2, 0, 500*time.Millisecond), Wait: plan.Wait{Kind: plan.WaitConstant, Min: 20 * time.Millisecond, Max: 20 * time.Millisecond},
		Setup: attack.Setup{Dir: dir, Target: hs.URL, Scenario: loadScenarioFile(t, text),
			Seed: 5, Options: attack.Options{Name: "secret"}, Tool: "ragload test", Record: rec}}
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := closeRec(); err != nil {
		t.Fatal(err)
	}
	if seen.Load() == 0 {
		t.Fatal("no request used the saved token")
	}
	for _, f := range []string{filepath.Join(dir, results.ResultsFile), stream} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.Index(string(b), "tok-SECRET-"); i >= 0 {
			t.Errorf("%s holds a saved token: %q", filepath.Base(f), b[max(i-40, 0):min(i+20, len(b))])
		}
	}
	uses := 0
	for _, e := range readStream(t, stream) {
		if e.Step != 1 {
			continue
		}
		uses++
		ph := e.Uses["tok"]
		if ph == "" || !strings.Contains(e.URL, "/use/"+ph+"?t="+ph) || e.Header.Get("X-Sess") != ph {
			t.Fatalf("entry %s: uses %v, url %s, X-Sess %q: the placeholder of {{tok}} is not where the token was", e.Session, e.Uses, e.URL, e.Header.Get("X-Sess"))
		}
		if got := e.Route(); got != "/use/{{tok}}" {
			t.Errorf("route %q, want /use/{{tok}}", got)
		}
	}
	if uses == 0 {
		t.Fatal("no recorded use of the token")
	}

	// Replayed (and recorded again), the server's new tokens go where the
	// placeholders are, and stay out of the replay's files.
	before := seen.Load()
	open, info, err := replay.OpenStream(stream, false)
	if err != nil {
		t.Fatal(err)
	}
	rj := replayJob(t, hs.URL, open, info, nil)
	again := filepath.Join(t.TempDir(), "again.jsonl")
	if rj.Record, closeRec, err = attack.CreateRecording(again); err != nil {
		t.Fatal(err)
	}
	if _, err := rj.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := closeRec(); err != nil {
		t.Fatal(err)
	}
	if got := seen.Load() - before; got != int64(uses) {
		t.Errorf("the replay sent %d requests with a token of its server, want %d", got, uses)
	}
	for _, f := range []string{filepath.Join(rj.Dir, results.ResultsFile), again} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.Index(string(b), "tok-SECRET-"); i >= 0 {
			t.Errorf("replay: %s holds a saved token: %q", filepath.Base(f), b[max(i-40, 0):min(i+20, len(b))])
		}
	}
}
