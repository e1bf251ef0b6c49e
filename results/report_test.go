package results

import (
	"reflect"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// evenly returns n results sent every gap from t0 + offset.
func evenly(t *testing.T, n int, gap, offset time.Duration) []*vegeta.Result {
	t.Helper()
	out := make([]*vegeta.Result, n)
	for i := range out {
		out[i] = res("GET", "http://h/x", 200, time.Millisecond, offset+time.Duration(i)*gap)
	}
	return out
}

func TestWindowAndRate(t *testing.T) {
	withRun := func(started, ended time.Time) *Manifest {
		return &Manifest{Status: StatusComplete, Started: started, SendEnded: ended}
	}
	cases := []struct {
		name   string
		m      *Manifest
		rs     []*vegeta.Result
		window time.Duration
		rate   float64
	}{
		// The manifest's schedule wins over the results' spread.
		{"manifest", withRun(t0, t0.Add(20*time.Second)), evenly(t, 11, 100*time.Millisecond, 0), 20 * time.Second, 0.55},
		{"manifest, late first send", withRun(t0, t0.Add(4*time.Second)), evenly(t, 10, 100*time.Millisecond, 3*time.Second), 4 * time.Second, 2.5},
		// N sends span N-1 intervals: 11 sends 100 ms apart make 1.1 s.
		{"bare", nil, evenly(t, 11, 100*time.Millisecond, 0), 1100 * time.Millisecond, 10},
		{"bare, two", nil, evenly(t, 2, time.Second, 0), 2 * time.Second, 1},
		{"bare, one", nil, evenly(t, 1, time.Second, 0), 0, 0},
		{"bare, none", nil, nil, 0, 0},
		{"manifest without start", withRun(time.Time{}, t0), evenly(t, 5, 250*time.Millisecond, 0), 1250 * time.Millisecond, 4},
		{"manifest ending before its start", withRun(t0, t0.Add(-time.Second)), evenly(t, 5, 250*time.Millisecond, 0), 1250 * time.Millisecond, 4},
		{"manifest still sending", withRun(t0, time.Time{}), evenly(t, 3, time.Second, 0), 3 * time.Second, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := buildReport(t, c.m, c.rs)
			if r.Window != c.window {
				t.Errorf("Window = %v, want %v", r.Window, c.window)
			}
			if got := r.Rate(r.Total); got != c.rate {
				t.Errorf("Rate = %v, want %v", got, c.rate)
			}
		})
	}
}

func TestWindowUnorderedResults(t *testing.T) {
	rs := evenly(t, 5, time.Second, 0) // sends at 0..4 s
	rs[0], rs[4] = rs[4], rs[0]
	r := buildReport(t, nil, rs)
	if r.Window != 5*time.Second {
		t.Errorf("Window = %v, want 5s", r.Window)
	}
}

func TestRatePerEndpoint(t *testing.T) {
	m := &Manifest{Started: t0, SendEnded: t0.Add(10 * time.Second), Scenario: ScenarioInfo{Endpoints: testEndpoints()}}
	var rs []*vegeta.Result
	for i := range 30 {
		url := "http://h/health"
		method := "GET"
		if i%3 == 0 {
			url, method = "http://h/query#query", "POST"
		}
		rs = append(rs, res(method, url, 200, time.Millisecond, time.Duration(i)*time.Second/3))
	}
	r := buildReport(t, m, rs)
	if len(r.Endpoints) != 2 {
		t.Fatalf("endpoints %v", r.Endpoints)
	}
	if q, h := r.Rate(r.Endpoints[0]), r.Rate(r.Endpoints[1]); q != 1 || h != 2 {
		t.Errorf("rates query %v, health %v; want 1, 2", q, h)
	}
}

func TestRunWarnings(t *testing.T) {
	cases := []struct {
		name  string
		m     *Manifest
		words [][]string // each warning's expected words; nil for none
	}{
		{"bare file", nil, nil},
		{"complete", &Manifest{Status: StatusComplete, Planned: 100, Sent: 100, Auth: AuthInfo{Mode: "bearer"}}, nil},
		{"complete at 95%", &Manifest{Status: StatusComplete, Planned: 100, Sent: 95}, nil},
		{"complete without a plan count", &Manifest{Status: StatusComplete}, nil},
		{"complete below 95%", &Manifest{Status: StatusComplete, Planned: 1000, Sent: 940},
			[][]string{{"only 940 of 1000", "(94%)", "could not keep up"}}},
		{"interrupted", &Manifest{Status: StatusInterrupted, Planned: 100, Sent: 40},
			[][]string{{"interrupted", "40 of 100"}}},
		{"running", &Manifest{Status: StatusRunning, Planned: 100, Sent: 100},
			[][]string{{"not finished", "running"}}},
		{"failed", &Manifest{Status: StatusFailed, Error: "login: 503 Service Unavailable"},
			[][]string{{"the run failed: login: 503 Service Unavailable"}}},
		{"anonymous", &Manifest{Status: StatusComplete, Auth: AuthInfo{Mode: "anonymous"}},
			[][]string{{"anonymous", "without a token"}}},
		{"users interrupted", &Manifest{Status: StatusInterrupted, Sent: 22, Plan: Plan{Duration: Duration(3 * time.Second)}, Users: &UsersInfo{Planned: 5},
			Started: t0, SendEnded: t0.Add(1980 * time.Millisecond)},
			[][]string{{"interrupted after 1.98s of its planned 3s: 22 requests were sent"}}},
		{"abandoned in flight", &Manifest{Status: StatusInterrupted, Planned: 100, Sent: 40, Completed: 35,
			Error: "exited at once on a second signal: 5 requests in flight have no result"},
			[][]string{{"40 of 100"}, {"ragload exited at once", "5 requests in flight have no result"}}},
		{"interrupted and anonymous", &Manifest{Status: StatusInterrupted, Planned: 10, Sent: 1, Auth: AuthInfo{Mode: "anonymous"}},
			[][]string{{"interrupted", "1 of 10"}, {"anonymous"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := buildReport(t, c.m, evenly(t, 3, time.Second, 0))
			wantWords(t, "warnings", r.Warnings, c.words)
		})
	}
}

func TestNewReport(t *testing.T) {
	m := &Manifest{Name: "x", Scenario: ScenarioInfo{Endpoints: testEndpoints()}}
	agg := NewAggregator(m)
	agg.Add(res("GET", "http://h/health", 200, time.Millisecond, 0))
	r := NewReport(m, agg, []string{"a.bin", "b.bin"})
	if r.Manifest != m || r.Total != agg.Total() || !reflect.DeepEqual(r.Sources, []string{"a.bin", "b.bin"}) {
		t.Errorf("NewReport = %+v", r)
	}
	if len(r.Endpoints) != 1 || r.Endpoints[0].Name != "health" {
		t.Errorf("Endpoints = %v", r.Endpoints)
	}
}
