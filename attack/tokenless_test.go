package attack_test

import (
	"context"
	"testing"
	"time"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/targets"
)

// tokenlessDocuments is the default scenario with /documents sending no
// token (auth: false), so the demo answers it 401 every time.
func tokenlessDocuments(t *testing.T) *targets.Scenario {
	t.Helper()
	sc := targets.Default()
	found := false
	for i := range sc.Endpoints {
		if sc.Endpoints[i].Key == "documents" {
			sc.Endpoints[i].Auth, found = false, true
		}
	}
	if !found {
		t.Fatal("the default scenario has no documents endpoint")
	}
	return sc
}

// A 401 from an endpoint that sends no token is counted, but does not make
// ragload log in again: a new token cannot cure it, and each such 401 set
// off logins against the API under test (in the open model, a login per
// 401 whose request was sent after the last one).
func TestTokenless401DoesNotLogIn(t *testing.T) {
	t.Parallel()
	t.Run("open model", func(t *testing.T) {
		t.Parallel()
		srv, url := fastDemo(t, demo.Config{})
		job := newJob(t, url, plan.Constant(100, 2*time.Second))
		job.Scenario = tokenlessDocuments(t)
		rep, err := job.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		st := srv.Stats()
		if rep.Manifest.Auth.Unauthorized == 0 || st.Unauthorized == 0 {
			t.Fatalf("no 401 counted (ragload %d, demo %d): the test proves nothing", rep.Manifest.Auth.Unauthorized, st.Unauthorized)
		}
		if st.Logins != 1 || rep.Manifest.Auth.Refreshes != 0 {
			t.Errorf("demo saw %d logins, ragload %d refreshes, for %d 401s from /documents without a token; want 1 login and 0 refreshes",
				st.Logins, rep.Manifest.Auth.Refreshes, st.Unauthorized)
		}
	})
	t.Run("users", func(t *testing.T) {
		t.Parallel()
		users, creds := accounts(5)
		srv, url := fastDemo(t, demo.Config{Users: users})
		job := usersJob(t, url, creds, plan.Spawn(5, 100, 2*time.Second), plan.Between(10*time.Millisecond, 20*time.Millisecond))
		job.Scenario = tokenlessDocuments(t)
		rep, err := job.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var unauthorized uint64
		for _, e := range rep.Endpoints {
			if e.Key == "documents" {
				unauthorized = e.Unauthorized
			}
		}
		if unauthorized == 0 {
			t.Fatal("no 401 from /documents: the test proves nothing")
		}
		for u := range users {
			if n := srv.LoginsBy(u); n != 1 {
				t.Errorf("%s logged in %d times for %d 401s from /documents without a token, want 1", u, n, unauthorized)
			}
		}
	})
}

// tokenlessJourney is a journey whose second step sends no token, so the
// demo answers it 401 every time; its first step logs the user in.
const tokenlessJourney = `name: tokenless journey
endpoints:
  - {key: documents, auth: false}
journeys:
  - name: list
    steps:
      - endpoint: health
      - endpoint: query
      - endpoint: documents
`

// The same for a user running journeys: a 401 to a step that sent no
// token does not log the user in again.
func TestTokenless401InAJourneyDoesNotLogIn(t *testing.T) {
	t.Parallel()
	users, creds := accounts(3)
	srv, url := fastDemo(t, demo.Config{Users: users})
	job := usersJob(t, url, creds, plan.Spawn(3, 100, 2*time.Second), plan.Between(10*time.Millisecond, 20*time.Millisecond))
	job.Scenario = parseScenario(t, tokenlessJourney)
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Journeys) != 1 || rep.Journeys[0].Failed == 0 {
		t.Fatalf("journeys %+v: want failed ones (401 from /documents without a token); the test proves nothing", rep.Journeys)
	}
	for u := range users {
		if n := srv.LoginsBy(u); n != 1 {
			t.Errorf("%s logged in %d times for %d journeys failed by a 401 to a step without a token, want 1", u, n, rep.Journeys[0].Failed)
		}
	}
}
