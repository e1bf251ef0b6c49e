package results

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results/threshold"
)

// judgeFixture is a run of 10 s with 100 requests: 60 to /query (basic)
// taking 1000–1590 µs, 40 to health taking 500–539 µs, 4 of which failed.
// Latencies below 2048 µs are exact in the histogram, so:
// total p50 1090 µs, p95 1540 µs; failures 4% total and 10% on health.
func judgeFixture(t *testing.T) *Report {
	t.Helper()
	m := &Manifest{
		Name: "judge", Status: StatusComplete, Planned: 100, Sent: 100,
		Started: t0, SendEnded: t0.Add(10 * time.Second),
		Scenario: ScenarioInfo{Endpoints: testEndpoints()},
	}
	var rs []*vegeta.Result
	for i := range 60 {
		rs = append(rs, res("POST", "http://api.test/query#query", 200,
			time.Duration(1000+10*i)*time.Microsecond, time.Duration(i)*100*time.Millisecond))
	}
	for i := range 40 {
		code := uint16(200)
		if i%10 == 3 {
			code = 500
		}
		rs = append(rs, res("GET", "http://api.test/health", code,
			time.Duration(500+i)*time.Microsecond, time.Duration(i)*250*time.Millisecond))
	}
	return buildReport(t, m, rs)
}

func TestJudge(t *testing.T) {
	type check struct {
		pass   bool
		actual float64
	}
	cases := []struct {
		name       string
		thresholds []string
		marks      []string
		pass       bool
		checks     []check
		reasons    [][]string // words each reason must contain
	}{
		{
			name:       "pass",
			thresholds: []string{"p95<2ms", "failures<5%", "failures<=4%", "rps>=10", "requests>=100"},
			pass:       true,
			checks: []check{{true, float64(1540 * time.Microsecond)}, {true, 0.04}, {true, 0.04},
				{true, 10}, {true, 100}},
		},
		{
			name:       "latency fails",
			thresholds: []string{"p95<1ms", "failures<5%"},
			checks:     []check{{false, float64(1540 * time.Microsecond)}, {true, 0.04}},
			reasons:    [][]string{{"overall", "p95", "1.5 ms", "< 1ms"}},
		},
		{
			name:       "failures fail",
			thresholds: []string{"failures<4%", "health:failures<7%"},
			checks:     []check{{false, 0.04}, {false, 0.1}},
			reasons: [][]string{
				{"overall failures is 4.00%, not < 4%"},
				{"health failures is 10.00%, not < 7%"},
			},
		},
		{
			name:       "rps uses the window",
			thresholds: []string{"rps>10", "health:rps>=5", "query:rps>=6"},
			checks:     []check{{false, 10}, {false, 4}, {true, 6}},
			reasons:    [][]string{{"overall rps is 10.0/s, not > 10"}, {"health rps is 4.0/s, not >= 5"}},
		},
		{
			name:       "endpoint by key and by name",
			thresholds: []string{"query:p95<1560us", "/query (basic):max<=1590us", "health:p50<=519us", "query:requests>60"},
			checks: []check{{false, float64(1560 * time.Microsecond)}, {true, float64(1590 * time.Microsecond)},
				{true, float64(519 * time.Microsecond)}, {false, 60}},
			reasons: [][]string{{"query p95 is 1.6 ms, not < 1.56ms"}, {"query requests is 60, not > 60"}},
		},
		{
			name:       "other statistics",
			thresholds: []string{"min>=500us", "mean<2ms", "service_p95<=1540us", "p99.9<=1590us"},
			pass:       true,
			checks: []check{{true, float64(500 * time.Microsecond)}, {true, -1}, {true, float64(1540 * time.Microsecond)},
				{true, float64(1590 * time.Microsecond)}},
		},
		{
			// A view the run has no samples for cannot pass by reading 0.
			name:       "views without samples",
			thresholds: []string{"lag_p99<10ms", "ttft_p95<1s"},
			pass:       false,
			checks:     []check{{false, 0}, {false, 0}},
			reasons:    [][]string{{"lag_p99<10ms", "no schedule"}, {"ttft_p95<1s", "no streamed responses"}},
		},
		{
			name:       "marks never fail",
			thresholds: []string{"p95<2ms"},
			marks:      []string{"p50<1ms", "failures<1%", "query_filtered:p95<1s"},
			pass:       true,
			checks:     []check{{true, float64(1540 * time.Microsecond)}, {false, float64(1090 * time.Microsecond)}, {false, 0.04}, {false, 0}},
		},
		{
			name:       "known endpoint without requests",
			thresholds: []string{"query_filtered:p95<1s", "/query (filtered):failures<1%"},
			checks:     []check{{false, 0}, {false, 0}},
			reasons: [][]string{
				{"query_filtered:p95<1s", "no requests", "(query_filtered)"},
				{"/query (filtered):failures<1%", "no requests"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := judgeFixture(t)
			if err := r.Judge(mustRules(t, c.thresholds, c.marks), 1); err != nil { // samples: TestJudgeFewSamples
				t.Fatal(err)
			}
			v := r.Verdict
			if v.Pass != c.pass {
				t.Errorf("Pass = %v, want %v (reasons %q)", v.Pass, c.pass, v.Reasons)
			}
			if len(v.Checks) != len(c.checks) {
				t.Fatalf("%d checks, want %d", len(v.Checks), len(c.checks))
			}
			for i, want := range c.checks {
				got := v.Checks[i]
				if got.Pass != want.pass || (want.actual >= 0 && got.Actual != want.actual) {
					t.Errorf("check %s: pass %v actual %v (%s); want %v %v", got.Expr, got.Pass, got.Actual,
						got.FormatActual(), want.pass, want.actual)
				}
				if got.Advisory != (i >= len(c.thresholds)) {
					t.Errorf("check %s: Advisory = %v", got.Expr, got.Advisory)
				}
			}
			wantWords(t, "reasons", v.Reasons, c.reasons)
		})
	}
}

func TestJudgeNoRequestsChecksNote(t *testing.T) {
	r := judgeFixture(t)
	if err := r.Judge(mustRules(t, []string{"query_filtered:p95<1s"}, nil), 0); err != nil {
		t.Fatal(err)
	}
	c := r.Verdict.Checks[0]
	if c.Note != "no requests" || c.FormatActual() != "no requests" {
		t.Errorf("check of an idle endpoint: Note %q, FormatActual %q", c.Note, c.FormatActual())
	}
}

func TestJudgeZeroRequests(t *testing.T) {
	m := &Manifest{Status: StatusComplete, Scenario: ScenarioInfo{Endpoints: testEndpoints()}}
	for _, rules := range [][]string{nil, {"p95<2s", "failures<1%"}} {
		r := buildReport(t, m, nil)
		if err := r.Judge(mustRules(t, rules, nil), 0); err != nil {
			t.Fatal(err)
		}
		v := r.Verdict
		if v.Pass || len(v.Reasons) == 0 || v.Reasons[0] != "no requests were sent" {
			t.Errorf("rules %q: Pass %v, reasons %q; want FAIL because no requests were sent", rules, v.Pass, v.Reasons)
		}
		for _, c := range v.Checks {
			if c.Pass || c.Note != "no requests" {
				t.Errorf("check %s: pass %v note %q", c.Expr, c.Pass, c.Note)
			}
		}
	}
}

func TestJudgeUnknownEndpoint(t *testing.T) {
	r := judgeFixture(t)
	err := r.Judge(mustRules(t, []string{"p95<2s", "nope:p95<1s"}, nil), 0)
	if err == nil {
		t.Fatal("Judge with an unknown endpoint succeeded")
	}
	for _, w := range []string{`"nope"`, `query "/query (basic)"`, `health "health"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	// A mark naming an unknown endpoint is an error too.
	if err := r.Judge(mustRules(t, nil, []string{"nope:p95<1s"}), 0); err == nil {
		t.Error("Judge with a mark on an unknown endpoint succeeded")
	}

	// Without a manifest, foreign endpoints are known by name only.
	bare := buildReport(t, nil, []*vegeta.Result{res("GET", "http://h/x", 200, time.Millisecond, 0)})
	if err := bare.Judge(mustRules(t, []string{"GET /x:p95<1s"}, nil), 1); err != nil || !bare.Verdict.Pass {
		t.Errorf("bare report, endpoint by name: err %v, verdict %+v", err, bare.Verdict)
	}
	err = bare.Judge(mustRules(t, []string{"query:p95<1s"}, nil), 0)
	if err == nil || !strings.Contains(err.Error(), `"GET /x"`) {
		t.Errorf("bare report, unknown key: err %v", err)
	}
}

func TestJudgeReplacesVerdict(t *testing.T) {
	r := judgeFixture(t)
	if err := r.Judge(mustRules(t, []string{"p95<1ms"}, nil), 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Judge(mustRules(t, []string{"p95<2ms"}, nil), 0); err != nil {
		t.Fatal(err)
	}
	if !r.Verdict.Pass || len(r.Verdict.Checks) != 1 || len(r.Verdict.Reasons) != 0 {
		t.Errorf("second Judge left %+v", r.Verdict)
	}
}

func TestCheckFormat(t *testing.T) {
	mk := func(expr string, actual float64) Check {
		t.Helper()
		th, err := threshold.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		return Check{Threshold: th, Actual: actual}
	}
	cases := []struct {
		check  Check
		actual string
		reason string
	}{
		{mk("p95<2s", float64(2345*time.Millisecond)), "2345.0 ms", "overall p95 is 2345.0 ms, not < 2s"},
		{mk("q:p99<=1500ms", float64(12345*time.Millisecond)), "12345 ms", "q p99 is 12345 ms, not <= 1.5s"},
		{mk("failures<1%", 0.0123), "1.23%", "overall failures is 1.23%, not < 1%"},
		{mk("failures<0.005", 0.01), "1.00%", "overall failures is 1.00%, not < 0.5%"},
		{mk("failures<7%", 0.08), "8.00%", "overall failures is 8.00%, not < 7%"},
		{mk("failures<29%", 0.5), "50.00%", "overall failures is 50.00%, not < 29%"},
		{mk("rps>=45", 44.96), "45.0/s", "overall rps is 45.0/s, not >= 45"},
		{mk("requests>100", 100), "100", "overall requests is 100, not > 100"},
	}
	for _, c := range cases {
		if got := c.check.FormatActual(); got != c.actual {
			t.Errorf("%s: FormatActual = %q, want %q", c.check.Expr, got, c.actual)
		}
		if got := c.check.Reason(); got != c.reason {
			t.Errorf("%s: Reason = %q, want %q", c.check.Expr, got, c.reason)
		}
	}
}

func TestFormatMillis(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "0.0"},
		{1234567 * time.Nanosecond, "1.2"},
		{1250 * time.Microsecond, "1.2"}, // %.1f rounds half to even in binary
		{999 * time.Millisecond, "999.0"},
		{9999940 * time.Microsecond, "9999.9"},
		{10 * time.Second, "10000"},
		{12345600 * time.Microsecond, "12346"},
	}
	for _, c := range cases {
		if got := FormatMillis(c.d); got != c.want {
			t.Errorf("FormatMillis(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// TestJudgeInterrupted: an interrupted run did not send its plan, so
// thresholds that held are not a PASS but "not conclusive"; one left at
// once on a second Ctrl-C also says how many requests it abandoned in
// flight (probably its slowest). A failed threshold still fails.
func TestJudgeInterrupted(t *testing.T) {
	for _, c := range []struct {
		sent, completed uint64
		threshold       string
		word, why       string
	}{
		{40, 35, "p95<2s", WordInconclusive, "interrupted: the run did not finish its plan, and 5 requests still in flight when ragload exited at once are not counted; they may be the slowest"},
		{40, 40, "p95<2s", WordInconclusive, "interrupted: the run did not finish its plan"},
		{40, 40, "p95<1us", wordFail, ""},
	} {
		m := &Manifest{Status: StatusInterrupted, Planned: 100, Sent: c.sent, Completed: c.completed, Scenario: ScenarioInfo{Endpoints: testEndpoints()}}
		r := buildReport(t, m, evenly(t, 3, time.Second, 0))
		if err := r.Judge(mustRules(t, []string{c.threshold}, nil), 1); err != nil {
			t.Fatal(err)
		}
		why := strings.Join(r.Verdict.Inconclusive, "; ")
		if r.Verdict.Pass || r.Verdict.Word() != c.word || why != c.why {
			t.Errorf("sent %d, completed %d, %s: %s (%q); want %s (%q)", c.sent, c.completed, c.threshold, r.Verdict.Word(), why, c.word, c.why)
		}
	}
}

// TestJudgeFewSamples: a percentile from fewer samples than
// MinSamples(q) (p95 needs 100) does not make a PASS; --min-samples
// lowers the bar; a mark with few samples changes nothing; a FAIL stays
// a FAIL.
func TestJudgeFewSamples(t *testing.T) {
	if MinSamples(95) != 100 || MinSamples(99) != 500 || MinSamples(50) != 10 {
		t.Fatalf("MinSamples: p95 %d, p99 %d, p50 %d; want 100, 500, 10", MinSamples(95), MinSamples(99), MinSamples(50))
	}
	for _, c := range []struct {
		n          int
		thresholds []string
		marks      []string
		min        uint64
		word       string
		note       string // the verdict's note on a moved sample bar
	}{
		{17, []string{"p95<2s"}, nil, 0, WordInconclusive, ""},
		{99, []string{"p95<2s"}, nil, 0, WordInconclusive, ""},
		{100, []string{"p95<2s"}, nil, 0, wordPass, ""},
		{17, []string{"p95<2s"}, nil, 10, wordPass, "sample bar lowered to 10 by --min-samples (a p95 needs 100)"},
		{17, []string{"p95<2s", "service_p95<2s"}, []string{"p99<3s"}, 1, wordPass, "sample bar lowered to 1 by --min-samples (a p95 needs 100, a p99 500)"},
		{17, []string{"p95<2s"}, []string{"p50<1s"}, 10, wordPass, "sample bar lowered to 10 by --min-samples (a p95 needs 100)"}, // p50's bar is 10
		{17, []string{"p95<2s"}, []string{"p50<1s"}, 20, WordInconclusive, "sample bar set to 20 by --min-samples (a p95 needs 100, a p50 10)"},
		{600, []string{"p99<3s"}, nil, 1000, WordInconclusive, "sample bar raised to 1000 by --min-samples (a p99 needs 500)"},
		{100, []string{"p95<2s"}, nil, 100, wordPass, ""}, // the bar it had
		{100, []string{"p95<2s"}, []string{"p99<3s"}, 0, wordPass, ""},
		{100, []string{"p99<3s"}, nil, 0, WordInconclusive, ""},
		{17, []string{"p95<1us"}, nil, 0, wordFail, ""},
		{17, []string{"max<2s", "mean<2s", "failures<1%"}, nil, 10, wordPass, ""}, // no percentile to lower the bar of
	} {
		r := buildReport(t, &Manifest{Scenario: ScenarioInfo{Endpoints: testEndpoints()}}, evenly(t, c.n, 10*time.Millisecond, 0))
		if err := r.Judge(mustRules(t, c.thresholds, c.marks), c.min); err != nil {
			t.Fatal(err)
		}
		if got := r.Verdict.Word(); got != c.word {
			t.Errorf("%d samples, %v marks %v, --min-samples %d: %s (%q), want %s", c.n, c.thresholds, c.marks, c.min, got, r.Verdict.Inconclusive, c.word)
		}
		if c.word == WordInconclusive && !strings.Contains(r.Verdict.Inconclusive[0], fmt.Sprintf("rests on %d samples", c.n)) {
			t.Errorf("%d samples: the reason %q does not say how many", c.n, r.Verdict.Inconclusive)
		}
		var want []string
		if c.note != "" {
			want = []string{c.note}
		}
		if !slices.Equal(r.Verdict.Notes, want) {
			t.Errorf("%d samples, %v marks %v, --min-samples %d: notes %q, want %q", c.n, c.thresholds, c.marks, c.min, r.Verdict.Notes, want)
		}
	}
}

// TestJudgeDropped: a run whose generator dropped requests did not put
// the planned load on the server: thresholds that held are not a PASS.
func TestJudgeDropped(t *testing.T) {
	m := &Manifest{Status: StatusComplete, Planned: 100, Sent: 90, Completed: 90, Scenario: ScenarioInfo{Endpoints: testEndpoints()},
		Plan: Plan{MaxLag: Duration(time.Second)}, Dropped: &Drops{Total: 10, Late: 10, Endpoints: map[string]uint64{"health": 10}}}
	r := buildReport(t, m, evenly(t, 90, 10*time.Millisecond, 0))
	if err := r.Judge(mustRules(t, []string{"p95<2s"}, nil), 0); err != nil {
		t.Fatal(err)
	}
	want := "ragload dropped 10 (10.0%) of the planned requests: it could not send them within 1s of their due time"
	if r.Verdict.Word() != WordInconclusive || !strings.HasPrefix(strings.Join(r.Verdict.Inconclusive, "; "), want) {
		t.Errorf("%s %q, want %s starting %q", r.Verdict.Word(), r.Verdict.Inconclusive, WordInconclusive, want)
	}
	if r.Total.Dropped != 10 {
		t.Errorf("total dropped %d, want 10", r.Total.Dropped)
	}
}

// TestJudgeFailedByALimitedGenerator: a run whose generator dropped
// requests or was saturated cannot tell a missed latency or rate
// threshold from its own lag (NOT CONCLUSIVE, exit 4), but a failures
// threshold counts the server's answers and still FAILs.
func TestJudgeFailedByALimitedGenerator(t *testing.T) {
	cases := []struct {
		name       string
		dropped    bool
		saturated  bool
		failures   int // of 90 results, HTTP 500
		thresholds []string
		word       string
		why        string
	}{
		{"dropped, p95 missed", true, false, 0, []string{"p95<500us"}, WordInconclusive, "ragload dropped 10 (10.0%)"},
		{"saturated, p95 missed", false, true, 0, []string{"p95<500us", "failures<1%"}, WordInconclusive, "the load generator was saturated"},
		{"dropped, failures missed", true, false, 9, []string{"p95<500us", "failures<1%"}, wordFail, ""},
		{"saturated, failures missed", false, true, 9, []string{"failures<1%"}, wordFail, ""},
		{"neither, p95 missed", false, false, 0, []string{"p95<500us"}, wordFail, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := &Manifest{Status: StatusComplete, Planned: 90, Sent: 90, Completed: 90, Scenario: ScenarioInfo{Endpoints: testEndpoints()},
				Plan: Plan{MaxLag: Duration(time.Second)}}
			if c.dropped {
				m.Planned = 100
				m.Dropped = &Drops{Total: 10, Late: 10, Endpoints: map[string]uint64{"health": 10}}
			}
			if c.saturated {
				m.Generator = &GeneratorInfo{Saturated: true}
			}
			rs := evenly(t, 90, 10*time.Millisecond, 0)
			for i := range c.failures {
				rs[i].Code, rs[i].Error = 500, "500 Internal Server Error"
			}
			r := buildReport(t, m, rs)
			if err := r.Judge(mustRules(t, c.thresholds, nil), 10); err != nil {
				t.Fatal(err)
			}
			v := r.Verdict
			if v.Word() != c.word || len(v.Reasons) == 0 {
				t.Fatalf("%s (reasons %q, inconclusive %q), want %s with its reasons", v.Word(), v.Reasons, v.Inconclusive, c.word)
			}
			if why := strings.Join(v.Inconclusive, "; "); c.why != "" && (!strings.Contains(why, c.why) || !strings.Contains(why, "cannot tell whether the server missed them")) {
				t.Errorf("inconclusive %q, want it to say %q and that the server's part cannot be told", why, c.why)
			}
		})
	}
}

// TestJudgeWorkersFull: a run held back by a full --max-workers cap, not
// by a lack of CPU, says so and what to do (raise the cap), not "spread
// the load over more generators", which would not help.
func TestJudgeWorkersFull(t *testing.T) {
	for _, c := range []struct {
		inFlight int64
		want     string
	}{
		{8, "requests waited for one of ragload's 8 workers (--max-workers)"},
		{5, "the load generator was saturated"},
	} {
		m := &Manifest{Status: StatusComplete, Planned: 90, Sent: 90, Completed: 90, Scenario: ScenarioInfo{Endpoints: testEndpoints()},
			Plan:      Plan{MaxLag: Duration(time.Second), MaxWorkers: 8},
			Generator: &GeneratorInfo{Saturated: true, Samples: []GenSample{{InFlight: 3}, {InFlight: c.inFlight}}}}
		r := buildReport(t, m, evenly(t, 90, 10*time.Millisecond, 0))
		if err := r.Judge(mustRules(t, []string{"p95<500us"}, nil), 10); err != nil {
			t.Fatal(err)
		}
		why := strings.Join(r.Verdict.Inconclusive, "; ")
		if r.Verdict.Word() != WordInconclusive || !strings.Contains(why, c.want) {
			t.Errorf("%d in flight of 8: %s %q, want it to say %q", c.inFlight, r.Verdict.Word(), why, c.want)
		}
		if c.inFlight == 8 && strings.Contains(why, "more generators") {
			t.Errorf("a full worker cap advises more generators: %q", why)
		}
	}
}
