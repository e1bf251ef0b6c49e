package attack_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/threshold"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// accounts returns n demo accounts and their credentials.
func accounts(n int) (map[string]string, []auth.Credential) {
	users := map[string]string{}
	var creds []auth.Credential
	for i := range n {
		u, p := fmt.Sprintf("vu%03d@example.com", i), fmt.Sprintf("pw-%d", i)
		users[u] = p
		creds = append(creds, auth.Credential{Username: u, Password: p})
	}
	return users, creds
}

func usersJob(t *testing.T, url string, creds []auth.Credential, plan plan.UserPlan, wait plan.Wait) *attack.UsersJob {
	t.Helper()
	return &attack.UsersJob{Users: plan, Wait: wait, Setup: attack.Setup{
		Dir: filepath.Join(t.TempDir(), "run"), Target: url, Scenario: targets.Default(), Credentials: creds,
		Seed: 11, Options: attack.Options{Name: "users"}, Tool: "ragload test",
	}}
}

func readAll(t *testing.T, dir string) []*vegeta.Result {
	t.Helper()
	var rs []*vegeta.Result
	if err := results.ReadFile(filepath.Join(dir, results.ResultsFile), func(r *vegeta.Result) error {
		rs = append(rs, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestUsersAgainstDemo is the closed model's acceptance test: 50 users
// with 100–200 ms of think time for 10 s. Each logs in exactly once; the
// request count is what Little's law predicts from the measured latency;
// the mix follows the weights; Seq is contiguous in timestamp order.
func TestUsersAgainstDemo(t *testing.T) {
	t.Parallel()
	users, creds := accounts(50)
	srv, url := fastDemo(t, demo.Config{Users: users})
	job := usersJob(t, url, creds, plan.Spawn(50, 100, 10*time.Second), plan.Between(100*time.Millisecond, 200*time.Millisecond))
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Manifest
	if m.Status != results.StatusComplete || m.Users.Peak() != 50 || m.Users.Sustained(m.Users.HoldFor()) != 50 {
		t.Fatalf("status %s, peak %d, sustained %d", m.Status, m.Users.Peak(), m.Users.Sustained(m.Users.HoldFor()))
	}
	for u := range users {
		if n := srv.LoginsBy(u); n != 1 {
			t.Errorf("%s logged in %d times, want 1", u, n)
		}
	}

	rs := readAll(t, job.Dir)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Seq < rs[j].Seq })
	counts := map[string]int{}
	resolve := results.NewResolver(m.Scenario.Endpoints)
	var latency time.Duration
	requests := 0
	for i, r := range rs {
		if r.Seq != uint64(i) {
			t.Fatalf("result %d has Seq %d: Seq must count from 0 without gaps", i, r.Seq)
		}
		if i > 0 && r.Timestamp.Before(rs[i-1].Timestamp) {
			t.Fatalf("Seq %d was sent before Seq %d", r.Seq, rs[i-1].Seq)
		}
		if r.Code != 200 {
			t.Fatalf("result %d: %d %s", i, r.Code, r.Error)
		}
		name := resolve.Name(r)
		counts[name]++
		if name != attack.LoginEndpoint {
			latency += r.Latency
			requests++
		}
	}
	if counts[attack.LoginEndpoint] != 50 {
		t.Errorf("%d login rows, want 50", counts[attack.LoginEndpoint])
	}

	// Little's law: each user cycles through a request (mean R) and a
	// think (mean 150 ms), so the users that ran, integrated over time,
	// divided by R + Z predicts the request count.
	var userSeconds float64
	tl := m.Users.Timeline
	for i := 1; i < len(tl); i++ {
		userSeconds += float64(tl[i-1].Active+tl[i].Active) / 2 * time.Duration(tl[i].Offset-tl[i-1].Offset).Seconds()
	}
	r := (latency / time.Duration(requests)).Seconds()
	want := userSeconds / (r + 0.150)
	t.Logf("%d requests; %.0f user-seconds, mean latency %.1f ms → Little's law predicts %.0f (%.1f%% off)",
		requests, userSeconds, 1000*r, want, 100*(float64(requests)-want)/want)
	if math.Abs(float64(requests)-want)/want > 0.10 {
		t.Errorf("%d requests; Little's law predicts %.0f ± 10%%", requests, want)
	}
	share := map[string]float64{"/query (basic)": 5.0 / 9, "/query/enhanced": 2.0 / 9, "/health": 1.0 / 9, "/documents (list)": 1.0 / 9}
	for name, w := range share {
		got := float64(counts[name]) / float64(requests)
		if math.Abs(got-w) > 0.05 {
			t.Errorf("%s: %.1f%% of requests, want %.1f%% ± 5 points", name, 100*got, 100*w)
		}
		t.Logf("%-18s %5d requests, %.1f%% (weight share %.1f%%)", name, counts[name], 100*got, 100*w)
	}
}

// TestUsersOverloadFails: more users than the server can serve queue up,
// and the verdict fails on p95 with the reason in words.
func TestUsersOverloadFails(t *testing.T) {
	t.Parallel()
	srv := demo.New(demo.Config{Workers: 2, QueryLatency: 200 * time.Millisecond, EnhancedLatency: 200 * time.Millisecond, DocumentsLatency: 200 * time.Millisecond, Sigma: -1, LoginLatency: -1})
	url := serve(t, srv)
	job := usersJob(t, url, []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
		plan.Spawn(30, 0, 4*time.Second), plan.ConstantWait(100*time.Millisecond))
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := threshold.Rules(nil, nil, []string{"users>=30"})
	if err := rep.Judge(rules, 0); err != nil {
		t.Fatal(err)
	}
	reasons := strings.Join(rep.Verdict.Reasons, "; ")
	if rep.Verdict.Pass || !strings.Contains(reasons, "p95 is") || !strings.Contains(reasons, "not < 2s") {
		t.Errorf("verdict pass=%v, reasons %q; want a FAIL on p95", rep.Verdict.Pass, reasons)
	}
	t.Logf("overloaded: p95 %s, throughput %.1f/s, reasons: %s", rep.Total.Response().P95, rep.Rate(rep.Total), reasons)
}

// TestUsersNeverAllRunning: a spawn rate too slow for the run time never
// gets the asked-for users running, and the verdict says so.
func TestUsersNeverAllRunning(t *testing.T) {
	t.Parallel()
	_, url := fastDemo(t, demo.Config{})
	job := usersJob(t, url, []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
		plan.Spawn(20, 4, 2*time.Second), plan.ConstantWait(50*time.Millisecond))
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := threshold.Rules(nil, nil, []string{"users>=20"})
	rep.Judge(rules, 0)
	reasons := strings.Join(rep.Verdict.Reasons, "; ")
	if rep.Verdict.Pass || !strings.Contains(reasons, "users ran together") || rep.Manifest.Users.Planned != 20 {
		t.Errorf("pass=%v planned=%d reasons %q", rep.Verdict.Pass, rep.Manifest.Users.Planned, reasons)
	}
}

// TestUsersStagesAndThinkTime: users follow stages up and down, and think
// time never counts as latency.
func TestUsersStagesAndThinkTime(t *testing.T) {
	t.Parallel()
	_, url := fastDemo(t, demo.Config{})
	job := usersJob(t, url, []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
		plan.StagedUsers([]plan.UserStage{{Duration: time.Second, Target: 10}, {Duration: time.Second, Target: 10}, {Duration: time.Second, Target: 0}}), plan.ConstantWait(200*time.Millisecond))
	start := time.Now()
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("a 3s plan took %s", el)
	}
	tl := rep.Manifest.Users.Timeline
	peak, last := 0, tl[len(tl)-1]
	for _, s := range tl {
		peak = max(peak, s.Active)
	}
	if peak != 10 || last.Active > 3 {
		t.Errorf("timeline %+v: want a peak of 10 and few users left at the end", tl)
	}
	if p99 := rep.Total.Response().P99; p99 > 150*time.Millisecond {
		t.Errorf("p99 %s with 200ms think time on a ~5ms server: think time is being timed", p99)
	}
}

func TestUsersIterationsEndEarly(t *testing.T) {
	t.Parallel()
	_, url := fastDemo(t, demo.Config{})
	job := usersJob(t, url, []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
		plan.Spawn(5, 0, 30*time.Second), plan.Pacing(100*time.Millisecond))
	job.Iterations = 3
	start := time.Now()
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("5 users × 3 iterations took %s of a 30s plan: the run must end when all are done", el)
	}
	logins := uint64(0)
	for _, s := range rep.Endpoints {
		if s.Name == attack.LoginEndpoint {
			logins = s.Requests
		}
	}
	if n := rep.Total.Requests; n != 5*3 || logins != 5 {
		t.Errorf("%d requests and %d logins, want 15 and 5 (logins have their own row, outside TOTAL)", n, logins)
	}
	if rep.Manifest.Status != results.StatusComplete {
		t.Errorf("status %s", rep.Manifest.Status)
	}
}

func TestUsersInterrupted(t *testing.T) {
	t.Parallel()
	_, url := fastDemo(t, demo.Config{})
	job := usersJob(t, url, []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
		plan.Spawn(10, 0, 30*time.Second), plan.ConstantWait(50*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	rep, err := job.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Manifest.Status != results.StatusInterrupted {
		t.Errorf("status %s, want interrupted", rep.Manifest.Status)
	}
	if n := len(readAll(t, job.Dir)); uint64(n) != rep.Manifest.Completed || uint64(n) != rep.Manifest.Sent || n < 20 {
		t.Errorf("decoded %d results; manifest sent %d completed %d", n, rep.Manifest.Sent, rep.Manifest.Completed)
	}
}

func TestUsersFirstLoginFailureStops(t *testing.T) {
	t.Parallel()
	srv, url := fastDemo(t, demo.Config{})
	job := usersJob(t, url, []auth.Credential{{Username: demo.DefaultUsername, Password: "nope-wrong"}},
		plan.Spawn(50, 0, 10*time.Second), plan.ConstantWait(50*time.Millisecond))
	start := time.Now()
	_, err := job.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "nope-wrong") {
		t.Fatalf("err = %v; want the login failure, without the password", err)
	}
	if st := srv.Stats(); st.LoginFailures != 1 || time.Since(start) > 3*time.Second {
		t.Errorf("%d failed logins in %s; want the run stopped after the first", st.LoginFailures, time.Since(start))
	}
}

// TestUsersRampJudgedOnPeak: the README's ramp (stages up to N users and
// down again) only touches its peak; the users criterion is judged on the
// peak that ran, so a generator that follows the plan passes users>=N,
// and the logins stay out of TOTAL and the verdict.
func TestUsersRampJudgedOnPeak(t *testing.T) {
	t.Parallel()
	_, url := fastDemo(t, demo.Config{})
	job := usersJob(t, url, []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
		plan.StagedUsers([]plan.UserStage{{Duration: time.Second, Target: 5}, {Duration: 2 * time.Second, Target: 10}, {Duration: time.Second, Target: 0}}),
		plan.Pacing(100*time.Millisecond))
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rules, err := threshold.Rules([]string{"users>=10"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Judge(rules, 1); err != nil {
		t.Fatal(err)
	}
	c := rep.Verdict.Checks[0]
	// The plan holds 10 for the samples its rounding gives (a sample or
	// two): judged on them, or on the peak, never on a tenth of the run.
	if !rep.Verdict.Pass {
		t.Errorf("users>=10 on a ramp that touches 10: %s, %s (%q)", rep.Verdict.Word(), c.FormatActual(), rep.Verdict.Reasons)
	}
	for _, s := range rep.Endpoints {
		if s.Name == attack.LoginEndpoint && (!s.Setup || s.Requests == 0) {
			t.Errorf("the login row: setup %v, %d requests", s.Setup, s.Requests)
		}
	}
}

func TestSharedAccounts(t *testing.T) {
	creds := func(n int) []auth.Credential {
		cs := make([]auth.Credential, n)
		for i := range cs {
			cs[i] = auth.Credential{Username: fmt.Sprintf("u%d@example.com", i), Password: "p"}
		}
		return cs
	}
	health := &targets.Scenario{Name: "health", Endpoints: []targets.Endpoint{{Key: "health", Name: "/health", Method: "GET", Path: "/health", Weight: 1}}}
	for _, c := range []struct {
		users, accounts int
		sc              *targets.Scenario
		want            string
	}{
		{15, 10, targets.Default(), "15 users share 10 accounts (1–2 users per account,"},
		{20, 10, targets.Default(), "20 users share 10 accounts (2 users per account,"},
		{10, 10, targets.Default(), ""},
		{15, 10, health, ""}, // no login
	} {
		j := &attack.UsersJob{Setup: attack.Setup{Scenario: c.sc, Credentials: creds(c.accounts)}, Users: plan.Spawn(c.users, 0, time.Second)}
		if got := j.SharedAccounts(); !strings.HasPrefix(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("%d users, %d accounts, scenario %s: %q, want %q…", c.users, c.accounts, c.sc.Name, got, c.want)
		}
	}
}
