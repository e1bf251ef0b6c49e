package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results/journey"
)

// Journeys of the tests: a conversation (start_chat, follow_up) and an
// upload (upload, doc_status, query), instances numbered across both.

func journeyManifest() *Manifest {
	eps := []EndpointInfo{
		{Key: "start_chat", Name: "start_chat", Method: "POST", Path: "/chat", Auth: true},
		{Key: "follow_up", Name: "follow_up", Method: "POST", Path: "/chat/messages", Auth: true},
		{Key: "upload", Name: "upload", Method: "POST", Path: "/upload", Auth: true},
		{Key: "doc_status", Name: "doc_status", Method: "GET", Path: "/status", Auth: true},
		{Key: "query", Name: "query", Method: "POST", Path: "/query", Auth: true},
	}
	return &Manifest{Schema: ManifestSchema, Name: "journeys", Mode: "attack", Target: "http://api.test", Status: StatusComplete,
		Started: t0, SendEnded: t0.Add(60 * time.Second),
		Scenario: ScenarioInfo{Name: "rag", Source: "scenario.yaml", Endpoints: eps, Journeys: []JourneyInfo{
			{Name: "conversation", Weight: 3, Steps: []string{"start_chat", "follow_up"}},
			{Name: "upload", Weight: 1, Steps: []string{"upload", "doc_status", "query"}},
		}}}
}

// journeyStep is one result of a journey's step.
type journeyStep struct {
	name      string
	inst      uint64
	step      int
	end       string
	sent      time.Duration // from t0
	latency   time.Duration
	lag       time.Duration
	code      uint16 // 200 when 0, unless err
	err       string
	url, meth string
}

func (s journeyStep) result() *vegeta.Result {
	code := s.code
	if code == 0 && s.err == "" {
		code = 200
	}
	r := &vegeta.Result{Attack: "journeys", Code: code, Method: s.meth, URL: s.url, Timestamp: t0.Add(s.sent), Latency: s.latency, Error: s.err}
	if code >= 400 {
		r.Error = fmt.Sprintf("%d Internal Server Error", code)
	}
	if s.lag > 0 {
		SetLag(r, s.lag)
	}
	journey.SetMark(r, s.name, s.inst, s.step)
	switch s.end {
	case "":
	case journey.Ok:
		journey.SetEnd(r, "")
	default:
		journey.SetEnd(r, s.end)
	}
	return r
}

// Outcomes of the test journeys.
const (
	reasonHTTP    = "step 2 (follow_up): HTTP 500"
	reasonTimeout = "step 1 (start_chat): timeout"
	reasonReady   = "step 2 (doc_status): not ready within 30s"
)

// journeyResults returns the results of one file of journeys: of
// conversation, 10 that complete in 1s…10s (from the first step's due
// time), 2 that fail with reasonHTTP, 1 with reasonTimeout, 2 cut
// unfinished; of upload, 4 that complete in 2, 4, 6 and 8s, 2 that fail
// with reasonReady, 1 cut. Instances are numbered from first, steps are
// sent back to back, every first step 5ms late, and the results are in
// the order their responses ended (interleaved).
func journeyResults(first uint64) []*vegeta.Result {
	const lag = 5 * time.Millisecond
	var steps []journeyStep
	inst := first
	start := time.Duration(0)
	conv := func(d time.Duration, end string, stop int) {
		due := start
		start += 700 * time.Millisecond
		inst++
		s0 := journeyStep{name: "conversation", inst: inst, sent: due + lag, latency: 200 * time.Millisecond, lag: lag, meth: "POST", url: "/chat"}
		if end == reasonTimeout {
			s0.end, s0.err, s0.latency = end, `Post "http://api.test/chat": context deadline exceeded`, time.Second
			steps = append(steps, s0)
			return
		}
		steps = append(steps, s0)
		if stop == 0 {
			return
		}
		s1 := journeyStep{name: "conversation", inst: inst, step: 1, sent: due + 300*time.Millisecond, meth: "POST", url: "/chat/messages"}
		s1.latency = d - 300*time.Millisecond
		if end == reasonHTTP {
			s1.code, s1.latency = 500, 100*time.Millisecond
		}
		s1.end = end
		steps = append(steps, s1)
	}
	upload := func(d time.Duration, end string, stop int) {
		due := start
		start += 900 * time.Millisecond
		inst++
		steps = append(steps, journeyStep{name: "upload", inst: inst, sent: due + lag, latency: 100 * time.Millisecond, lag: lag, meth: "POST", url: "/upload"})
		poll := journeyStep{name: "upload", inst: inst, step: 1, sent: due + 200*time.Millisecond, latency: 50 * time.Millisecond, meth: "GET", url: "/status"}
		if stop == 1 {
			steps = append(steps, poll)
			return
		}
		if end == reasonReady {
			poll.end = end
			steps = append(steps, poll)
			return
		}
		steps = append(steps, poll)
		steps = append(steps, journeyStep{name: "upload", inst: inst, step: 2, sent: due + 500*time.Millisecond,
			latency: d - 500*time.Millisecond, meth: "POST", url: "/query", end: journey.Ok})
	}
	for i := range 10 {
		conv(time.Duration(10-i)*time.Second, journey.Ok, 1)
		if i < 4 {
			upload(time.Duration(2*(i+1))*time.Second, journey.Ok, 2)
		}
	}
	conv(0, reasonHTTP, 1)
	upload(0, reasonReady, 2)
	conv(0, reasonTimeout, 1)
	conv(0, reasonHTTP, 1)
	upload(0, reasonReady, 2)
	conv(0, "", 0) // cut after its first step
	upload(0, "", 1)
	conv(0, "", 0)

	rs := make([]*vegeta.Result, len(steps))
	for i, s := range steps {
		rs[i] = s.result()
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].End().Before(rs[j].End()) })
	for i, r := range rs {
		r.Seq = uint64(i)
	}
	return rs
}

// journeysOf are the journeys of a report as "name started completed
// failed unfinished reasons".
func journeysOf(rep *Report) []string {
	var out []string
	for _, j := range rep.Journeys {
		out = append(out, fmt.Sprintf("%s %d %d %d %d %v %d", j.Name, j.Started, j.Completed, j.Failed, j.Unfinished, j.Reasons, j.OtherReasons))
	}
	return out
}

// TestJourneyFigures: from interleaved results, the aggregation counts
// each journey's started, completed, failed (by reason) and unfinished
// instances, and its durations' percentiles are the hand-computed ones
// (nearest rank, to the histogram's 0.1%), measured from the first
// step's due time (its send less its lag).
func TestJourneyFigures(t *testing.T) {
	rs := journeyResults(0)
	var interleaved bool
	for i := 1; i < len(rs); i++ {
		a, _ := journey.MarkOf(rs[i-1])
		b, _ := journey.MarkOf(rs[i])
		interleaved = interleaved || (a.Instance > b.Instance && b.Step > 0)
	}
	if !interleaved {
		t.Fatal("the test's results are not interleaved")
	}
	rep := buildReport(t, journeyManifest(), rs)
	want := []string{
		fmt.Sprintf("conversation 15 10 3 2 [{%s 2} {%s 1}] 0", reasonHTTP, reasonTimeout),
		fmt.Sprintf("upload 7 4 2 1 [{%s 2}] 0", reasonReady),
	}
	if got := journeysOf(rep); !slices.Equal(got, want) {
		t.Fatalf("journeys\n%q\nwant\n%q", got, want)
	}
	// Hand computation: hdrhistogram's rank is round(q/100·n), at least 1.
	for i, durs := range [][]time.Duration{
		{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, // seconds
		{2, 4, 6, 8},
	} {
		j := rep.Journeys[i]
		p := j.Duration()
		if p.Count != uint64(len(durs)) || p.Min != durs[0]*time.Second || p.Max != durs[len(durs)-1]*time.Second {
			t.Errorf("%s: count %d min %v max %v, want %d %vs %vs", j.Name, p.Count, p.Min, p.Max, len(durs), durs[0], durs[len(durs)-1])
		}
		for _, q := range []float64{50, 90, 95, 99} {
			rank := max(int(q/100*float64(len(durs))+0.5), 1)
			want := durs[rank-1] * time.Second
			got := j.Quantile(q)
			if got < want || float64(got) > 1.001*float64(want) {
				t.Errorf("%s p%g = %v, want %v (within 0.1%%)", j.Name, q, got, want)
			}
		}
		if p.P50 != j.Quantile(50) || p.P95 != j.Quantile(95) {
			t.Errorf("%s: Duration() %+v disagrees with Quantile", j.Name, p)
		}
	}
	if r := rep.Journeys[0].FailureRate(); r != 3.0/13 {
		t.Errorf("conversation failure rate %g, want 3/13", r)
	}
	// The steps are ordinary results of their endpoints.
	if rep.Total.Requests != uint64(len(rs)) || len(rep.Endpoints) != 5 || rep.Endpoints[1].Failures != 2 {
		t.Errorf("total %d requests (want %d), %d endpoints, follow_up failures %d", rep.Total.Requests, len(rs), len(rep.Endpoints), rep.Endpoints[1].Failures)
	}
}

// TestJourneysAbsent: a run without journeys has none in its report, and
// a run whose scenario has journeys lists them even when none started.
func TestJourneysAbsent(t *testing.T) {
	plain := buildReport(t, nil, []*vegeta.Result{res("GET", "/health", 200, time.Millisecond, 0)})
	if plain.Journeys != nil {
		t.Errorf("a run without journeys: %v", journeysOf(plain))
	}
	none := buildReport(t, journeyManifest(), []*vegeta.Result{res("GET", "/health", 200, time.Millisecond, 0)})
	if got := journeysOf(none); !slices.Equal(got, []string{"conversation 0 0 0 0 [] 0", "upload 0 0 0 0 [] 0"}) {
		t.Errorf("journeys of a run that started none: %q", got)
	}
}

// TestJudgeJourneys: journey thresholds pass, fail, or rest on too few
// completed journeys to be conclusive, as endpoints' do; a journey the
// run does not have is an error.
func TestJudgeJourneys(t *testing.T) {
	rep := buildReport(t, journeyManifest(), journeyResults(0))
	for _, c := range []struct {
		rules   []string
		min     uint64
		word    string
		actual  string // of the first rule
		because string // in the reasons or the inconclusive
	}{
		{rules: []string{"journey:conversation:p50<6s", "journey:conversation:failures<30%", "journey:upload:max<=8s"},
			word: wordPass, actual: "5001.2 ms"},
		{rules: []string{"journey:conversation:max<9s"}, word: wordFail, actual: "10000 ms",
			because: "journey conversation max is 10000 ms, not < 9s"},
		{rules: []string{"journey:upload:failures<10%"}, word: wordFail, actual: "33.33%",
			because: "journey upload failures is 33.33%, not < 10%"},
		{rules: []string{"journey:conversation:p95<20s"}, word: WordInconclusive, actual: "10000 ms",
			because: "journey:conversation:p95<20s rests on 10 samples, fewer than the 100 a p95 needs"},
		{rules: []string{"journey:conversation:p95<20s"}, min: 10, word: wordPass, actual: "10000 ms"},
		{rules: []string{"journey:upload:p99<1s"}, word: wordFail, actual: "8000.0 ms"}, // fails, few samples or not
	} {
		if err := rep.Judge(mustRules(t, c.rules, nil), c.min); err != nil {
			t.Fatal(err)
		}
		v := rep.Verdict
		all := strings.Join(append(slices.Clone(v.Reasons), v.Inconclusive...), "\n")
		if v.Word() != c.word || v.Checks[0].FormatActual() != c.actual || !strings.Contains(all, c.because) {
			t.Errorf("%q: %s, %s, %q; want %s, %s, %q", c.rules, v.Word(), v.Checks[0].FormatActual(), all, c.word, c.actual, c.because)
		}
		if c.rules[0] == "journey:conversation:p95<20s" && (v.Checks[0].Samples != 10 || v.Checks[0].Scope() != "journey conversation") {
			t.Errorf("%q: samples %d, scope %q", c.rules, v.Checks[0].Samples, v.Checks[0].Scope())
		}
	}
	err := rep.Judge(mustRules(t, []string{"journey:chat:p95<1s"}, nil), 0)
	if err == nil || err.Error() != `threshold names journey "chat", which this run does not have (have: conversation, upload)` {
		t.Errorf("unknown journey: %v", err)
	}
	// A journey of the scenario that never started: the check fails with
	// a note, as an endpoint without requests does.
	empty := buildReport(t, journeyManifest(), []*vegeta.Result{res("GET", "/status", 200, time.Millisecond, 0)})
	if err := empty.Judge(mustRules(t, []string{"journey:upload:failures<1%"}, nil), 0); err != nil {
		t.Fatal(err)
	}
	if c := empty.Verdict.Checks[0]; c.Pass || c.Note != "no journey started" || empty.Verdict.Word() != wordFail {
		t.Errorf("a journey that never started: %+v, %s", c, empty.Verdict.Word())
	}
	bare := buildReport(t, nil, []*vegeta.Result{res("GET", "/status", 200, time.Millisecond, 0)})
	if err := bare.Judge(mustRules(t, []string{"journey:upload:p95<1s"}, nil), 0); err == nil || !strings.Contains(err.Error(), "(it has none)") {
		t.Errorf("a journey threshold on a run without journeys: %v", err)
	}
}

// TestJourneysShards: two shards of one run number their instances from
// the same 0; the report counts each file's journeys apart. The second
// shard's file starts with a step whose journey began before it (as a
// file cut at its start would): it must not end the first file's open
// instance of that number. The summaries give the same figures as the
// files, and a summary written before journeys existed still reads.
func TestJourneysShards(t *testing.T) {
	root := t.TempDir()
	shard := func(i int) *Manifest {
		m := journeyManifest()
		m.RunID, m.Shard = "r1", &ShardInfo{Index: i, Count: 2}
		return m
	}
	a := journeyResults(0)
	b := journeyResults(0) // the same instance numbers
	// The first file's last open conversation is instance 22 (cut after
	// its first step); the second file opens with instance 22's step 1.
	orphan := journeyStep{name: "conversation", inst: 22, step: 1, end: journey.Ok, sent: 0, latency: time.Millisecond, meth: "POST", url: "/chat/messages"}
	b = append([]*vegeta.Result{orphan.result()}, b...)
	if m, _ := journey.MarkOf(a[len(a)-1]); m.Instance != 22 || m.Step != 0 || m.End != "" {
		t.Fatalf("the first file ends with %+v, want instance 22's open first step", m)
	}
	writeSummarizedRun(t, filepath.Join(root, "s0"), shard(0), a)
	writeSummarizedRun(t, filepath.Join(root, "s1"), shard(1), b)

	glob := filepath.Join(root, "s*")
	if used := summaryUse(t, glob); !slices.Equal(used, []bool{true, true}) {
		t.Errorf("summaries used %v, want both", used)
	}
	rep := sameReports(t, glob)
	want := []string{
		fmt.Sprintf("conversation 30 20 6 4 [{%s 4} {%s 2}] 0", reasonHTTP, reasonTimeout),
		fmt.Sprintf("upload 14 8 4 2 [{%s 4}] 0", reasonReady),
	}
	in, err := Resolve([]string{glob})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Load(in, WithoutSummaries())
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Report{"summaries": rep, "files": raw} {
		if got := journeysOf(r); !slices.Equal(got, want) {
			t.Errorf("%s: journeys\n%q\nwant\n%q", name, got, want)
		}
		if p := r.Journeys[0].Duration(); p.Count != 20 || p.Max != 10*time.Second {
			t.Errorf("%s: conversation durations %+v, want 20 of at most 10s", name, p)
		}
	}

	// A summary written before journeys existed (no "journeys") of a run
	// without journeys still reads, and gives what the file gives.
	old := filepath.Join(root, "old")
	writeSummarizedRun(t, old, summaryManifest(), summaryResults(t, 300, false))
	sp := filepath.Join(old, SummaryFile)
	doc, err := os.ReadFile(sp)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(doc, []byte(`"journeys"`)) {
		t.Errorf("the summary of a run without journeys has journeys: %s", doc)
	}
	if used := summaryUse(t, old); !slices.Equal(used, []bool{true}) {
		t.Errorf("an old summary is not used: %v", used)
	}
	if r := sameReports(t, old); r.Journeys != nil {
		t.Errorf("journeys from an old summary: %v", journeysOf(r))
	}
}

// TestJourneySummaryDamaged: a summary whose journeys do not add up is
// refused (the file is read instead, with a warning).
func TestJourneySummaryDamaged(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	writeSummarizedRun(t, dir, journeyManifest(), journeyResults(0))
	sp := filepath.Join(dir, SummaryFile)
	b, err := os.ReadFile(sp)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["journeys"].([]any)[0].(map[string]any)["completed"] = 11
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := Resolve([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Load(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := journeysOf(rep); got[0] != fmt.Sprintf("conversation 15 10 3 2 [{%s 2} {%s 1}] 0", reasonHTTP, reasonTimeout) ||
		!strings.Contains(strings.Join(rep.Warnings, "\n"), "do not add up") {
		t.Errorf("journeys %q, warnings %q", got, rep.Warnings)
	}
}

// TestJourneyHeaders: the marks round-trip through a results file, read
// by ReadFile and by vegeta's own decoder (vegeta report still reads the
// file); malformed marks are no marks.
func TestJourneyHeaders(t *testing.T) {
	r := &vegeta.Result{Code: 200, Timestamp: t0, Latency: time.Millisecond, Method: "GET", URL: "/status"}
	Trim(r, false)
	SetLag(r, time.Millisecond)
	journey.SetMark(r, "ask-about-upload", 18446744073709551615, 2)
	journey.SetEnd(r, "")
	if got := r.Headers[journey.Header][0]; got != "ask-about-upload/18446744073709551615/2" {
		t.Errorf("header %q", got)
	}
	r2 := &vegeta.Result{Code: 500, Error: "500 Internal Server Error", Timestamp: t0, Method: "POST", URL: "/chat"}
	journey.SetMark(r2, "conversation", 7, 0)
	journey.SetEnd(r2, reasonTimeout)
	path := filepath.Join(t.TempDir(), ResultsFile)
	writeResults(t, path, []*vegeta.Result{r, r2})

	got, err := readAll(t, path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	var viaVegeta []*vegeta.Result
	var m vegeta.Metrics
	for {
		v := new(vegeta.Result)
		if err := dec.Decode(v); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("vegeta's decoder: %v", err)
		}
		m.Add(v)
		viaVegeta = append(viaVegeta, v)
	}
	m.Close()
	if m.Requests != 2 || m.Success != 0.5 {
		t.Errorf("vegeta's metrics: %d requests, success %v", m.Requests, m.Success)
	}
	wants := []journey.Mark{{Journey: "ask-about-upload", Instance: 18446744073709551615, Step: 2, End: journey.Ok},
		{Journey: "conversation", Instance: 7, End: reasonTimeout}}
	for name, rs := range map[string][]*vegeta.Result{"ReadFile": got, "vegeta": viaVegeta} {
		for i, w := range wants {
			if j, ok := journey.MarkOf(rs[i]); !ok || j != w {
				t.Errorf("%s result %d: %+v %v, want %+v", name, i, j, ok, w)
			}
		}
	}

	for _, v := range []string{
		"", "conversation", "conversation/1", "/1/0", "conversation/x/0", "conversation/1/x", "conversation/1/-1",
		"conversation/1/65536", "conversation/-1/0", "conversation/1/0/extra", "a/b/1/0", "conver\nsation/1/0",
		strings.Repeat("n", 65) + "/1/0", "conversation/18446744073709551616/0",
	} {
		r := &vegeta.Result{Headers: map[string][]string{journey.Header: {v}, journey.EndHeader: {"ok"}}}
		if j, ok := journey.MarkOf(r); ok {
			t.Errorf("journey.MarkOf(%q) = %+v, want no mark", v, j)
		}
	}
	if _, ok := journey.MarkOf(&vegeta.Result{Headers: map[string][]string{journey.Header: {}}}); ok {
		t.Error("an empty header is a mark")
	}
	if n := testing.AllocsPerRun(100, func() { journey.MarkOf(r) }); n != 0 {
		t.Errorf("journey.MarkOf allocates %g times", n)
	}
	long := strings.Repeat("n", 64)
	if j, ok := journey.MarkOf(&vegeta.Result{Headers: map[string][]string{journey.Header: {long + "/0/31"}}}); !ok || j.Journey != long || j.Step != 31 || j.End != "" {
		t.Errorf("a 64-byte name: %+v %v", j, ok)
	}
}

// TestJourneysFromTheMiddle: results read by an aggregator from
// the middle of journeys (a warm-up skipped) count only the journeys
// whose first step it saw.
func TestJourneysFromTheMiddle(t *testing.T) {
	rs := journeyResults(0)
	agg := NewAggregator(journeyManifest())
	for _, r := range rs {
		if r.Timestamp.Sub(t0) >= 3*time.Second {
			agg.Add(r)
		}
	}
	js := agg.Journeys()
	for _, j := range js {
		if j.Started != j.Completed+j.Failed+j.Unfinished || j.Started == 0 {
			t.Errorf("%s: %+v", j.Name, j.Counts)
		}
		if p := j.Duration(); p.Count != j.Completed {
			t.Errorf("%s: %d durations for %d completed", j.Name, p.Count, j.Completed)
		}
	}
}
