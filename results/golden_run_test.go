package results

import (
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results/threshold"
)

// The golden run of results/render's golden files, for the tests here
// that need a realistic run (series, notes).

// goldenReport is a fixed interrupted run: 54 of 60 planned requests over
// 6 s to three endpoints, 4 failures (a 500, a 429, two timeouts), judged
// by a failing failure threshold and a missed mark.
func goldenReport(t *testing.T) *Report {
	t.Helper()
	m, rs := goldenRun()
	agg := NewAggregator(m)
	for _, r := range rs {
		agg.Add(r)
	}
	rep := NewReport(m, agg, []string{"runs/golden/results.bin"})
	rules, err := threshold.Rules(m.Thresholds, m.Marks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Judge(rules, 0); err != nil {
		t.Fatal(err)
	}
	return rep
}

// goldenRun is the manifest and results of goldenReport.
func goldenRun() (*Manifest, []*vegeta.Result) {
	m := &Manifest{
		Schema: ManifestSchema, Tool: "ragload test", Name: "golden", Mode: "attack", Target: "http://api.test",
		Plan: Plan{Description: "constant 10/s for 6s", Kind: "constant", StartRate: 10,
			Duration: Duration(6 * time.Second), Timeout: Duration(30 * time.Second)},
		Scenario: ScenarioInfo{Name: "rag", Source: "scenario.yaml", Endpoints: testEndpoints(), Queries: 3},
		Auth:     AuthInfo{Mode: "bearer", Users: 2, Logins: 2},
		Seed:     7,
		Status:   StatusInterrupted,
		Started:  t0, SendEnded: t0.Add(6 * time.Second), Ended: t0.Add(7 * time.Second),
		Planned: 60, Sent: 54, Completed: 54,
		Thresholds: []string{"p95<2s", "failures<1%"},
		Marks:      []string{"p50<1s", "query_filtered:p95<1s"},
		Results:    []string{ResultsFile},
	}
	timeout := `Get "http://api.test/health": context deadline exceeded`
	var rs []*vegeta.Result
	for i := range 54 {
		r := &vegeta.Result{Attack: "golden", Seq: uint64(i), Code: 200, Timestamp: t0.Add(time.Duration(i) * 111 * time.Millisecond),
			BytesOut: 120, BytesIn: uint64(900 + i)}
		switch i % 6 {
		case 0, 1, 2:
			r.Method, r.URL = "POST", "http://api.test/query#query"
			r.Latency = 200*time.Millisecond + time.Duration(i)*7*time.Millisecond
		case 3, 4:
			r.Method, r.URL = "POST", "http://api.test/query#query_filtered"
			r.Latency = 800*time.Millisecond + time.Duration(i)*13*time.Millisecond
		default:
			r.Method, r.URL = "GET", "http://api.test/health"
			r.Latency = 5*time.Millisecond + time.Duration(i)*100*time.Microsecond
		}
		switch i {
		case 10:
			r.Code, r.Error = 500, "500 Internal Server Error"
		case 22:
			r.Code = 429
		case 29, 40:
			r.Code, r.Error = 0, timeout
		}
		SetLag(r, time.Duration(i%4)*1500*time.Microsecond)
		rs = append(rs, r)
	}
	return m, rs
}
