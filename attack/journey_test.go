package attack_test

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
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
	"github.com/ragload/ragload/results/journey"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// chatScenario is the conversation journey of the README, with short
// think times.
const chatScenario = `endpoints:
  - key: start_chat
    method: POST
    path: /api/v1/chat/
    auth: true
    json: {message: "{{query}}"}
  - key: follow_up
    method: POST
    path: /api/v1/chat/{{cid}}/messages
    auth: true
    json: {message: "{{query}}"}
journeys:
  - name: conversation
    steps:
      - endpoint: start_chat
        save: {cid: conversation_id}
      - endpoint: follow_up
        repeat: 2-4
        think: 5ms-20ms
`

// uploadScenario uploads a document, polls its status until it is
// ready, then asks about it.
const uploadScenario = `endpoints:
  - key: upload
    method: POST
    path: /api/v1/documents/upload
    auth: true
    upload: {field: file, dir: ./docs}
  - key: doc_status
    method: GET
    path: /api/v1/documents/{{doc}}
    auth: true
journeys:
  - name: ask-about-upload
    steps:
      - endpoint: upload
        save: {doc: id}
      - endpoint: doc_status
        until: {json: status, equals: ready, every: 50ms, within: 5s}
      - endpoint: query
        json: {query: "Summarise {{doc}}", max_results: 5}
`

// loadScenarioFile writes text (and a docs folder with two files) and
// loads it as ragload does.
func loadScenarioFile(t *testing.T, text string) *targets.Scenario {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, body := range []string{"Refunds are issued within 30 days.", "Shipping takes 3 to 5 days."} {
		if err := os.WriteFile(filepath.Join(dir, "docs", fmt.Sprintf("doc%d.txt", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "scenario.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := targets.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// demoAccounts registers n users with the demo and returns their credentials.
func demoAccounts(n int) (map[string]string, []auth.Credential) {
	users := map[string]string{}
	var creds []auth.Credential
	for i := range n {
		u, p := fmt.Sprintf("user%02d@example.com", i), fmt.Sprintf("pass-%02d-secret", i)
		users[u] = p
		creds = append(creds, auth.Credential{Username: u, Password: p})
	}
	return users, creds
}

// journeyRun is what a run's results file says, read back independently.
type journeyRun struct {
	byEndpoint map[string]uint64 // successful results per endpoint
	failed     uint64
	marks      []journey.Mark
	results    []*vegeta.Result
}

func readJourneyRun(t *testing.T, dir string) journeyRun {
	t.Helper()
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := results.NewResolverFor(m)
	out := journeyRun{byEndpoint: map[string]uint64{}}
	if err := results.ReadFile(filepath.Join(dir, results.ResultsFile), func(r *vegeta.Result) error {
		if results.Failed(r) {
			out.failed++
		} else {
			out.byEndpoint[names.Name(r)]++
		}
		if mk, ok := journey.MarkOf(r); ok {
			out.marks = append(out.marks, mk)
		}
		cp := *r
		out.results = append(out.results, &cp)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestConversationJourneyAgainstDemo is issue 22's first acceptance test:
// 20 users run the conversation journey against the demo; the demo's own
// counts of conversations and follow-ups equal ragload's per-step counts,
// and every follow-up used an id the demo issued to that very user (none
// refused as another user's or unknown).
func TestConversationJourneyAgainstDemo(t *testing.T) {
	users, creds := demoAccounts(20)
	srv := demo.New(demo.Config{Workers: 64, QueryLatency: 10 * time.Millisecond, Sigma: -1, Users: users, LoginLatency: -1})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	dir := filepath.Join(t.TempDir(), "run")
	j := &attack.UsersJob{Users: plan.Spawn(20, 0, 3*time.Second), Wait: plan.Wait{Kind: plan.WaitConstant, Min: 10 * time.Millisecond, Max: 10 * time.Millisecond},
		Setup: attack.Setup{Dir: dir, Target: hs.URL, Scenario: loadScenarioFile(t, chatScenario), Credentials: creds,
			Seed: 11, Options: attack.Options{Name: "chat"}, Tool: "ragload test"}}
	rep, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := readJourneyRun(t, dir)
	st := srv.Stats()
	if st.Conversations < 20 {
		t.Fatalf("only %d conversations in 3 s of 20 users", st.Conversations)
	}
	if got.failed != 0 {
		t.Errorf("%d requests failed", got.failed)
	}
	if n := got.byEndpoint["start_chat"]; n != uint64(st.Conversations) {
		t.Errorf("ragload counted %d start_chat, the demo %d conversations", n, st.Conversations)
	}
	if n := got.byEndpoint["follow_up"]; n != uint64(st.FollowUps) {
		t.Errorf("ragload counted %d follow_up, the demo %d follow-ups", n, st.FollowUps)
	}
	if st.FollowUpsForeign != 0 || st.FollowUpsUnknown != 0 {
		t.Errorf("follow-ups on another user's conversation: %d, on an unknown one: %d", st.FollowUpsForeign, st.FollowUpsUnknown)
	}
	t.Logf("demo: %d conversations, %d follow-ups (foreign %d, unknown %d); ragload: %d start_chat, %d follow_up",
		st.Conversations, st.FollowUps, st.FollowUpsForeign, st.FollowUpsUnknown, got.byEndpoint["start_chat"], got.byEndpoint["follow_up"])
	var started, followed int64
	for u := range users {
		c := srv.ChatsBy(u)
		started, followed = started+c.Started, followed+c.FollowUps
	}
	if started != st.Conversations || followed != st.FollowUps {
		t.Errorf("per user: %d conversations and %d follow-ups, in all %d and %d", started, followed, st.Conversations, st.FollowUps)
	}
	// Every completed journey has 1 start and 2–4 follow-ups, in order.
	steps := map[uint64][]int{}
	ended := map[uint64]string{}
	for _, mk := range got.marks {
		steps[mk.Instance] = append(steps[mk.Instance], mk.Step)
		if mk.End != "" {
			ended[mk.Instance] = mk.End
		}
	}
	completed := 0
	for id, s := range steps {
		if s[0] != 0 || !sort.IntsAreSorted(s) {
			t.Fatalf("journey %d ran steps %v", id, s)
		}
		if end, ok := ended[id]; ok {
			if end != "ok" {
				t.Errorf("journey %d ended %q", id, end)
			}
			if n := len(s) - 1; n < 2 || n > 4 {
				t.Errorf("journey %d made %d follow-ups, want 2-4", id, n)
			}
			completed++
		}
	}
	js := rep.Journeys
	if len(js) != 1 || js[0].Name != "conversation" || js[0].Completed != uint64(completed) || js[0].Failed != 0 {
		t.Fatalf("report journeys %+v, want conversation with %d completed", js, completed)
	}
	if js[0].Started != uint64(st.Conversations) {
		t.Errorf("report: %d journeys started, the demo %d conversations", js[0].Started, st.Conversations)
	}
}

// TestUploadJourneyWaitsUntilReady is issue 22's second acceptance test:
// the journey polls the document's status until the demo marks it ready,
// and no query about it comes before (the demo counts violations).
func TestUploadJourneyWaitsUntilReady(t *testing.T) {
	srv := demo.New(demo.Config{Workers: 64, QueryLatency: 5 * time.Millisecond, Sigma: -1, IndexDelay: 300 * time.Millisecond,
		UploadLatency: 5 * time.Millisecond, LoginLatency: -1})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	dir := filepath.Join(t.TempDir(), "run")
	j := &attack.UsersJob{Users: plan.Spawn(5, 0, 2500*time.Millisecond), Wait: plan.Wait{Kind: plan.WaitConstant, Min: 10 * time.Millisecond, Max: 10 * time.Millisecond},
		Setup: attack.Setup{Dir: dir, Target: hs.URL, Scenario: loadScenarioFile(t, uploadScenario),
			Credentials: []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
			Seed:        11, Options: attack.Options{Name: "upload"}, Tool: "ragload test"}}
	rep, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	got := readJourneyRun(t, dir)
	queries := got.byEndpoint["/query (basic)"]
	if st.Uploads < 5 || queries < 5 {
		t.Fatalf("%d uploads and %d queries: too few to tell", st.Uploads, queries)
	}
	t.Logf("demo: %d uploads, %d status polls, %d queries before ready, %d about unknown documents; ragload: %d queries, %d polls",
		st.Uploads, st.StatusPolls, st.QueriesBeforeReady, st.QueriesUnknownDoc, queries, got.byEndpoint["doc_status"])
	if st.QueriesBeforeReady != 0 || st.QueriesUnknownDoc != 0 {
		t.Errorf("queries about a document not ready yet: %d, about an unknown one: %d", st.QueriesBeforeReady, st.QueriesUnknownDoc)
	}
	if polls := got.byEndpoint["doc_status"]; polls < 2*uint64(queries) || polls != uint64(st.StatusPolls) {
		t.Errorf("%d status polls (demo: %d) for %d queries: each waits 300 ms at 50 ms a poll", polls, st.StatusPolls, queries)
	}
	if js := rep.Journeys; len(js) != 1 || js[0].Completed != queries {
		t.Errorf("report journeys %+v, want %d completed", js, queries)
	} else if p50 := js[0].Quantile(50); p50 < 300*time.Millisecond {
		t.Errorf("journeys took %s at the median, less than the 300 ms of indexing", p50)
	}
}

// TestJourneyFailsWithReason: a step whose saved value is missing ends
// its journey with the reason, and the journey's later steps are not sent.
func TestJourneyFailsWithReason(t *testing.T) {
	srv := demo.New(demo.Config{Workers: 64, QueryLatency: 5 * time.Millisecond, Sigma: -1, LoginLatency: -1})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	text := strings.Replace(chatScenario, "save: {cid: conversation_id}", "save: {cid: conversation.id}", 1)
	dir := filepath.Join(t.TempDir(), "run")
	j := &attack.UsersJob{Users: plan.Spawn(2, 0, time.Second), Wait: plan.Wait{Kind: plan.WaitConstant, Min: 20 * time.Millisecond, Max: 20 * time.Millisecond},
		Setup: attack.Setup{Dir: dir, Target: hs.URL, Scenario: loadScenarioFile(t, text),
			Credentials: []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
			Seed:        11, Options: attack.Options{Name: "fail"}, Tool: "ragload test"}}
	rep, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.FollowUps+st.FollowUpsUnknown+st.FollowUpsForeign != 0 {
		t.Errorf("%+v: a follow-up was sent without its conversation id", st)
	}
	js := rep.Journeys
	if len(js) != 1 || js[0].Failed == 0 || js[0].Completed != 0 || len(js[0].Reasons) != 1 {
		t.Fatalf("report journeys %+v, want only failures of one reason", js)
	}
	want := `step 1 (start_chat): "conversation.id" not in the response`
	if r := js[0].Reasons[0]; r.Reason != want || r.Count != js[0].Failed {
		t.Errorf("reason %q ×%d, want %q ×%d", r.Reason, r.Count, want, js[0].Failed)
	}
}

// TestOpenModelJourneysStartOnSchedule is issue 22's third acceptance
// test: in the open model, journeys start at the planned arrival rate: 40
// journeys at 20/s, each first request sent at its due time within the
// accuracy the open model keeps for single requests.
func TestOpenModelJourneysStartOnSchedule(t *testing.T) {
	users, creds := demoAccounts(4)
	srv := demo.New(demo.Config{Workers: 256, QueryLatency: 20 * time.Millisecond, Sigma: -1, Users: users, LoginLatency: -1})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	dir := filepath.Join(t.TempDir(), "run")
	j := &attack.Job{Plan: plan.Constant(20, 2*time.Second), Setup: attack.Setup{Dir: dir, Target: hs.URL,
		Scenario: loadScenarioFile(t, chatScenario), Credentials: creds, Seed: 5, Options: attack.Options{Name: "open"}, Tool: "ragload test"}}
	rep, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := readJourneyRun(t, dir)
	var dues []time.Time
	var worst time.Duration
	for _, r := range got.results {
		mk, ok := journey.MarkOf(r)
		if !ok || mk.Step != 0 {
			continue
		}
		lag, scheduled := results.Lag(r)
		if !scheduled {
			t.Fatalf("a journey's first result has no schedule lag")
		}
		dues = append(dues, r.Timestamp.Add(-lag))
		worst = max(worst, lag)
	}
	if len(dues) != 40 || srv.Stats().Conversations != 40 {
		t.Fatalf("%d journeys started (demo: %d conversations), want the plan's 40", len(dues), srv.Stats().Conversations)
	}
	sort.Slice(dues, func(a, b int) bool { return dues[a].Before(dues[b]) })
	for i := 1; i < len(dues); i++ { // due times are the plan's, 50 ms apart
		if gap := dues[i].Sub(dues[i-1]); math.Abs(float64(gap-50*time.Millisecond)) > float64(time.Millisecond) {
			t.Fatalf("journeys %d and %d were due %s apart, want 50ms", i-1, i, gap)
		}
	}
	t.Logf("%d journeys started, due 50 ms apart; worst start lag %s", len(dues), worst)
	if worst > 50*time.Millisecond {
		t.Errorf("a journey started %s after it was due", worst)
	}
	if js := rep.Journeys; len(js) != 1 || js[0].Started != 40 || js[0].Completed != 40 {
		t.Errorf("report journeys %+v, want 40 started and completed", js)
	}
	if m := rep.Manifest; m.Sent != uint64(len(got.results)) || m.Dropped != nil {
		t.Errorf("manifest: sent %d of %d results, dropped %+v", m.Sent, len(got.results), m.Dropped)
	}
}

// TestOpenModelJourneysDrop: lateness and drops apply to journey starts.
// With at most 2 journeys at once against slow answers, a journey due
// while both run waits max-lag for one to end and is dropped after it,
// counted under its first endpoint; every planned journey is either
// started or dropped.
func TestOpenModelJourneysDrop(t *testing.T) {
	srv := demo.New(demo.Config{Workers: 64, QueryLatency: 300 * time.Millisecond, Sigma: -1, LoginLatency: -1})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	dir := filepath.Join(t.TempDir(), "run")
	j := &attack.Job{Plan: plan.Constant(20, time.Second), Setup: attack.Setup{Dir: dir, Target: hs.URL,
		Scenario:    loadScenarioFile(t, chatScenario),
		Credentials: []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}},
		Seed:        5, Options: attack.Options{Name: "drops", MaxWorkers: 2, MaxLag: 100 * time.Millisecond}, Tool: "ragload test"}}
	rep, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := rep.Manifest.Dropped
	started := rep.Journeys[0].Started
	if d == nil || d.Capped == 0 || d.Endpoints["start_chat"] != d.Total {
		t.Fatalf("dropped %+v: want capped drops, all under start_chat", d)
	}
	if started+d.Total != 20 || started > 4 {
		t.Errorf("%d journeys started and %d dropped of the 20 planned (2 at a time, each over 900 ms)", started, d.Total)
	}
	t.Logf("20 planned: %d started, %d dropped (%d capped, %d late)", started, d.Total, d.Capped, d.Late)
}
