package render

import (
	"regexp"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/threshold"
)

// TestUsersHeldText: the text report's users line and the users>=N check
// state the measured hold next to the bar the verdict needs, with no
// nested parentheses.
func TestUsersHeldText(t *testing.T) {
	u := &results.UsersInfo{Planned: 10, Wait: "1s"}
	for i := range 15 { // 0, then 30 users from 1s to 13s, then 0
		a := 30
		if i == 0 || i == 14 {
			a = 0
		}
		u.Timeline = append(u.Timeline, results.UserSample{Offset: results.Duration(time.Duration(i) * time.Second), Active: a})
	}
	m := &results.Manifest{Name: "users", Mode: "users", Status: results.StatusComplete, Users: u}
	r := results.NewReport(m, results.NewAggregator(m), nil)
	r.Total.Requests = 1
	rules, err := threshold.Rules([]string{"users>=30"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Judge(rules, 0); err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := Text(&text, r); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"Users    planned 10 · peak 30 · held 30 users for 12s (the verdict needs ≥ 1.4s) · think 1s\n",
		"users>=30                    30 (held for 12s; the verdict needs ≥ 1.4s)\n",
	} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text report lacks %q:\n%s", w, text.String())
		}
	}
	if regexp.MustCompile(`\([^()]*\(`).MatchString(text.String()) {
		t.Errorf("nested parentheses in:\n%s", text.String())
	}
}

// TestVerdictNotesText: what the user changed about the judging (a moved
// sample bar, a partial file) is printed under the verdict.
func TestVerdictNotesText(t *testing.T) {
	m := &results.Manifest{Name: "small", Status: results.StatusComplete}
	a := results.NewAggregator(m)
	for i := range 17 {
		a.Add(res("GET", "http://h/x", 200, 10*time.Millisecond, time.Duration(i)*10*time.Millisecond))
	}
	r := results.NewReport(m, a, nil)
	rules, err := threshold.Rules([]string{"p95<2s"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Judge(rules, 10); err != nil {
		t.Fatal(err)
	}
	note := "sample bar lowered to 10 by --min-samples (a p95 needs 100, a p99 500)"
	var text strings.Builder
	if err := Text(&text, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "Verdict: PASS") || !strings.Contains(text.String(), "\n  "+note+"\n") {
		t.Errorf("the text report lacks PASS and %q:\n%s", note, text.String())
	}
}

// TestUsersSentSplitsLogins: in users mode the header's sent count holds
// the users' logins, which the rate beside it and TOTAL leave out; it says
// how the count splits.
func TestUsersSentSplitsLogins(t *testing.T) {
	eps := []results.EndpointInfo{
		{Key: "query", Name: "/query", Method: "POST", Path: "/query", Weight: 1, Auth: true},
		{Key: "login", Name: "login (setup)", Method: "POST", Path: "/api/v1/auth/login", Setup: true},
	}
	m := &results.Manifest{Name: "users", Mode: "users", Status: results.StatusComplete, Target: "http://api.test",
		Scenario: results.ScenarioInfo{Endpoints: eps}, Started: t0, SendEnded: t0.Add(4 * time.Second), Ended: t0.Add(4 * time.Second)}
	var rs []*vegeta.Result
	for i := range 6 {
		path := "/query"
		if i%3 == 0 {
			path = "/api/v1/auth/login"
		}
		rs = append(rs, &vegeta.Result{Method: "POST", URL: path, Code: 200, Timestamp: t0.Add(time.Duration(i) * 500 * time.Millisecond), Latency: time.Millisecond})
	}
	m.Sent, m.Completed = 6, 6
	var text strings.Builder
	if err := Text(&text, buildReport(t, m, rs)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "sent 6 (4 requests, 2 logins) · achieved") {
		t.Errorf("the sent count does not split the logins out:\n%s", text.String())
	}
}
