package attack_test

import (
	"context"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// fastDemo is the demo API with service times short enough that a 2-core
// machine holds hundreds of requests per second.
func fastDemo(t *testing.T, cfg demo.Config) (*demo.Server, string) {
	t.Helper()
	cfg.QueryLatency, cfg.EnhancedLatency, cfg.DocumentsLatency = 2*time.Millisecond, 4*time.Millisecond, time.Millisecond
	cfg.LoginLatency, cfg.HealthLatency = -1, -1
	if cfg.Workers == 0 {
		cfg.Workers = 256
	}
	s := demo.New(cfg)
	return s, serve(t, s)
}

// serve runs the demo server on loopback for the test.
func serve(t *testing.T, s *demo.Server) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

func newJob(t *testing.T, url string, plan plan.Plan) *attack.Job {
	t.Helper()
	return &attack.Job{Plan: plan, Setup: attack.Setup{
		Dir: filepath.Join(t.TempDir(), "run"), Target: url, Scenario: targets.Default(),
		Credentials: []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
		Seed:        7, Options: attack.Options{Name: "acceptance"}, Tool: "ragload test",
	}}
}

// TestJobAgainstDemo is the spine's acceptance test: a fixed rate against
// the demo API holds the plan's rate and the 5/2/1/1 mix over 2,000
// requests, and every authenticated request carried a valid token.
func TestJobAgainstDemo(t *testing.T) {
	srv, url := fastDemo(t, demo.Config{})
	job := newJob(t, url, plan.Constant(400, 5*time.Second))
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Manifest
	if m.Status != results.StatusComplete || m.Planned != 2000 || m.Sent != 2000 || m.Completed != 2000 {
		t.Fatalf("manifest: status %s planned %d sent %d completed %d", m.Status, m.Planned, m.Sent, m.Completed)
	}
	if rate := rep.Rate(rep.Total); math.Abs(rate-400)/400 > 0.05 {
		t.Errorf("achieved %.1f/s; want 400/s ± 5%%", rate)
	}
	t.Logf("achieved %.1f/s over %s; p95 %s", rep.Rate(rep.Total), rep.Window, rep.Total.Response().P95)

	// The file itself: vegeta's decoder reads every result.
	f, err := os.Open(filepath.Join(job.Dir, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	counts := map[string]int{}
	n := 0
	rs := results.NewResolver(m.Scenario.Endpoints)
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			break
		}
		n++
		counts[rs.Name(&r)]++
		if r.Code != 200 {
			t.Fatalf("result %d: %d %s", r.Seq, r.Code, r.Error)
		}
	}
	if n != 2000 {
		t.Fatalf("decoded %d results, want 2000", n)
	}
	want := map[string]float64{"/query (basic)": 5.0 / 9, "/query/enhanced": 2.0 / 9, "/health": 1.0 / 9, "/documents (list)": 1.0 / 9}
	for name, share := range want {
		got := float64(counts[name]) / float64(n)
		if math.Abs(got-share) > 0.05 {
			t.Errorf("%s: %.1f%% of requests, want %.1f%% ± 5 points", name, 100*got, 100*share)
		}
		t.Logf("%-18s %5d requests, %.1f%% (weight share %.1f%%)", name, counts[name], 100*got, 100*share)
	}

	// Server side: every request to an authenticated route carried a
	// token the server accepted.
	st := srv.Stats()
	for _, route := range []string{"query", "enhanced", "documents"} {
		if st.Requests[route] != st.Authorized[route] {
			t.Errorf("%s: %d requests, %d with a valid token", route, st.Requests[route], st.Authorized[route])
		}
	}
	if st.Unauthorized != 0 || st.Logins != 1 {
		t.Errorf("server saw %d unauthorized requests and %d logins; want 0 and 1", st.Unauthorized, st.Logins)
	}
}

func TestJobLoginFailure(t *testing.T) {
	t.Parallel()
	_, url := fastDemo(t, demo.Config{})
	job := newJob(t, url, plan.Constant(10, time.Second))
	job.Credentials[0].Password = "wrong-password-123"
	_, err := job.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), `login as "loadtest@example.com"`) || strings.Contains(err.Error(), "wrong-password-123") {
		t.Fatalf("err = %v; want a login error naming the user, not the password", err)
	}
	if _, statErr := os.Stat(job.Dir); !os.IsNotExist(statErr) {
		t.Errorf("a failed login left a run directory behind (%v)", statErr)
	}

	// --allow-anonymous: the run goes on without a token and says so.
	job = newJob(t, url, plan.Constant(20, 500*time.Millisecond))
	job.Credentials[0].Password = "wrong-password-123"
	job.AllowAnonymous = true
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Manifest.Auth.Mode != "anonymous" || rep.Total.Unauthorized == 0 {
		t.Errorf("auth mode %q with %d 401s; want anonymous and some", rep.Manifest.Auth.Mode, rep.Total.Unauthorized)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "anonymous") {
		t.Errorf("warnings %q do not say the run was anonymous", rep.Warnings)
	}
}

func TestJobRefusesAnExistingRun(t *testing.T) {
	t.Parallel()
	_, url := fastDemo(t, demo.Config{})
	job := newJob(t, url, plan.Constant(10, 200*time.Millisecond))
	if _, err := job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(job.Dir, results.ResultsFile))
	_, err := job.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "already holds a run") {
		t.Fatalf("second run into the same directory: err = %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(job.Dir, results.ResultsFile))
	if string(before) != string(after) {
		t.Error("the second run changed the first run's results")
	}
}

func TestJobTokenRefreshMidRun(t *testing.T) {
	t.Parallel()
	srv, url := fastDemo(t, demo.Config{TokenTTL: 2 * time.Second})
	job := newJob(t, url, plan.Constant(50, 4*time.Second))
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Manifest.Auth.Refreshes < 1 {
		t.Errorf("refreshes = %d over a 4s run with 2s tokens; want ≥ 1", rep.Manifest.Auth.Refreshes)
	}
	if st := srv.Stats(); st.Unauthorized > 0 {
		t.Errorf("%d requests were refused: tokens must be refreshed before they expire", st.Unauthorized)
	}
}
