package attack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results/journey"
	"github.com/ragload/ragload/targets/auth"
)

// readStream reads a stream file's entries.
func readStream(t *testing.T, path string) []replay.Entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []replay.Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e replay.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		out = append(out, e)
	}
	return out
}

// startConversations starts n conversations on the demo at url as user,
// so that the ids the demo issues next are not those of a fresh one.
func startConversations(t *testing.T, url_, user, pass string, n int) {
	t.Helper()
	resp, err := http.PostForm(url_+"/api/v1/auth/login", url.Values{"username": {user}, "password": {pass}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("login: %v (status %s)", err, resp.Status)
	}
	for range n {
		req, _ := http.NewRequest(http.MethodPost, url_+"/api/v1/chat/", strings.NewReader(`{"message":"hello"}`))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("start a conversation: %s", resp.Status)
		}
	}
}

// TestReplayJourneysInOrder records 8 users running the conversation
// journey for 2 s, then replays the recording against a new demo whose
// conversation ids are shifted (3 conversations of another user come
// first). The new demo sees as many conversations and follow-ups as the
// recording holds, none refused as another user's or unknown (the ids
// of the new server were put in place of the recorded ones), and every
// follow-up left after its conversation's start was answered. Without
// sessions, the replay sends the recorded ids: 403s and 404s.
func TestReplayJourneysInOrder(t *testing.T) {
	users, creds := demoAccounts(8)
	cfg := demo.Config{Workers: 64, QueryLatency: 10 * time.Millisecond, Sigma: -1, Users: users, LoginLatency: -1}
	recSrv := demo.New(cfg)
	hs := httptest.NewServer(recSrv)
	defer hs.Close()
	stream := filepath.Join(t.TempDir(), "rec", "stream.jsonl")
	rec, closeRec, err := attack.CreateRecording(stream)
	if err != nil {
		t.Fatal(err)
	}
	j := &attack.UsersJob{Users: plan.Spawn(8, 0, 2*time.Second), Wait: plan.Wait{Kind: plan.WaitConstant, Min: 10 * time.Millisecond, Max: 10 * time.Millisecond},
		Setup: attack.Setup{Dir: filepath.Join(t.TempDir(), "run"), Target: hs.URL, Scenario: loadScenarioFile(t, chatScenario), Credentials: creds,
			Seed: 3, Options: attack.Options{Name: "chat"}, Tool: "ragload test", Record: rec}}
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := closeRec(); err != nil {
		t.Fatal(err)
	}

	// The recording: each entry of a journey names its session and step;
	// a start saved the id the demo issued, a follow-up used it.
	entries := readStream(t, stream)
	recorded := recSrv.Stats()
	var starts, follows, completed int
	cids := map[string]string{} // session -> its recorded conversation id
	for i, e := range entries {
		switch {
		case e.Session == "" || !strings.HasPrefix(e.Session, "conversation/"):
			t.Fatalf("entry %d has no session: %+v", i, e)
		case e.Step == 0:
			starts++
			if len(e.Saves) != 1 || e.Saves[0] != (replay.Save{Var: "cid", From: "conversation_id", Value: e.Saves[0].Value}) || !strings.HasPrefix(e.Saves[0].Value, "c-") {
				t.Fatalf("entry %d: saves %+v", i, e.Saves)
			}
			cids[e.Session] = e.Saves[0].Value
		default:
			follows++
			if cid := cids[e.Session]; e.Uses["cid"] != cid || e.URL != "/api/v1/chat/"+cid+"/messages" {
				t.Fatalf("entry %d of %s uses %v, url %s; its start saved %q", i, e.Session, e.Uses, e.URL, cid)
			}
		}
		if e.End == "ok" {
			completed++
		}
		if e.Header.Get("Authorization") != "" {
			t.Fatalf("entry %d carries credentials", i)
		}
	}
	if int64(starts) != recorded.Conversations || int64(follows) != recorded.FollowUps || starts < 20 {
		t.Fatalf("recorded %d starts and %d follow-ups; the demo saw %d and %d", starts, follows, recorded.Conversations, recorded.FollowUps)
	}

	// The replay, against a new demo whose ids are not the recording's.
	users["other@example.com"] = "other-secret"
	newSrv := demo.New(cfg)
	hs2 := httptest.NewServer(newSrv)
	defer hs2.Close()
	startConversations(t, hs2.URL, "other@example.com", "other-secret", 3)
	open, info, err := replay.OpenStream(stream, false)
	if err != nil {
		t.Fatal(err)
	}
	if info.Sessions != int64(len(entries)) || len(info.Journeys) != 1 || info.Journeys[0].Name != "conversation" {
		t.Fatalf("info: %d entries of sessions, journeys %+v", info.Sessions, info.Journeys)
	}
	sc := loadScenarioFile(t, chatScenario)
	rj := replayJob(t, hs2.URL, open, info, creds)
	rj.Scenario = sc
	again := filepath.Join(t.TempDir(), "again.jsonl") // the replay recorded in turn
	if rj.Record, closeRec, err = attack.CreateRecording(again); err != nil {
		t.Fatal(err)
	}
	rep, err := rj.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := closeRec(); err != nil {
		t.Fatal(err)
	}
	st := newSrv.Stats()
	t.Logf("recorded: %d conversations, %d follow-ups, %d journeys completed; replayed: %d conversations, %d follow-ups (foreign %d, unknown %d)",
		starts, follows, completed, st.Conversations-3, st.FollowUps, st.FollowUpsForeign, st.FollowUpsUnknown)
	if st.Conversations-3 != int64(starts) || st.FollowUps != int64(follows) {
		t.Errorf("replayed %d conversations and %d follow-ups, recorded %d and %d", st.Conversations-3, st.FollowUps, starts, follows)
	}
	if st.FollowUpsForeign != 0 || st.FollowUpsUnknown != 0 {
		t.Errorf("follow-ups on another user's conversation: %d, on an unknown one: %d", st.FollowUpsForeign, st.FollowUpsUnknown)
	}

	// The results: one journey per session, its steps in order, each
	// follow-up sent after the previous step's response.
	got := readJourneyRun(t, rj.Dir)
	if got.failed != 0 || got.byEndpoint["start_chat"] != uint64(starts) || got.byEndpoint["follow_up"] != uint64(follows) {
		t.Errorf("results: %d failed, by endpoint %v", got.failed, got.byEndpoint)
	}
	prevEnd := map[uint64]time.Time{}
	var lastSent time.Time
	for _, r := range got.results {
		if r.Timestamp.After(lastSent) {
			lastSent = r.Timestamp
		}
		mk, ok := journey.MarkOf(r)
		if !ok {
			t.Fatalf("a result has no journey mark: %s %s", r.Method, r.URL)
		}
		if end, ok := prevEnd[mk.Instance]; mk.Step > 0 && (!ok || r.Timestamp.Before(end)) {
			t.Fatalf("journey %d: a follow-up left at %s, before its previous step ended at %s", mk.Instance, r.Timestamp, end)
		}
		if _, ok := prevEnd[mk.Instance]; !ok && mk.Step != 0 {
			t.Fatalf("journey %d starts at step %d", mk.Instance, mk.Step)
		}
		prevEnd[mk.Instance] = r.Timestamp.Add(r.Latency)
	}
	// Recorded again, the replay keeps its journeys, with the new ids.
	newCids := map[string]string{}
	reEntries := readStream(t, again)
	for i, e := range reEntries {
		switch {
		case e.Session == "":
			t.Fatalf("re-recorded entry %d has no session", i)
		case e.Step == 0 && len(e.Saves) == 1:
			newCids[e.Session] = e.Saves[0].Value
		case e.Uses["cid"] != newCids[e.Session] || e.URL != "/api/v1/chat/"+newCids[e.Session]+"/messages":
			t.Fatalf("re-recorded entry %d of %s uses %v, url %s; its start saved %q", i, e.Session, e.Uses, e.URL, newCids[e.Session])
		}
	}
	issued := map[string]bool{} // the new demo's ids after the 3 of another user
	for n := 4; n <= 3+starts; n++ {
		issued[fmt.Sprintf("c-%d", n)] = true
	}
	for sess, cid := range newCids {
		if !issued[cid] {
			t.Fatalf("re-recorded session %s saved %q, not an id the new demo issued to the replay", sess, cid)
		}
		delete(issued, cid)
	}
	if len(reEntries) != len(entries) || len(newCids) != starts {
		t.Errorf("re-recorded %d entries of %d, %d sessions of %d", len(reEntries), len(entries), len(newCids), starts)
	}

	js := rep.Journeys
	if len(js) != 1 || js[0].Name != "conversation" || js[0].Started != uint64(starts) || js[0].Completed != uint64(completed) || js[0].Failed != 0 {
		t.Fatalf("report journeys %+v; want %d started, %d completed", js, starts, completed)
	}
	if m := rep.Manifest; !m.SendEnded.Equal(lastSent) { // the rate's window: to the last request, not the last session's start
		t.Errorf("manifest: sending ended %s after the start, the last request left %s after it", m.SendEnded.Sub(m.Started), lastSent.Sub(m.Started))
	}
	if m := rep.Manifest; m.Planned != uint64(len(entries)) || m.Sent != uint64(len(entries)) || len(m.Scenario.Journeys) != 1 {
		t.Errorf("manifest: planned %d, sent %d of %d; journeys %+v", m.Planned, m.Sent, len(entries), m.Scenario.Journeys)
	}
}

// TestReplaySessionFailsWithReason: a session whose value to save is not
// in the response fails there with the reason, its later entries are not
// sent (nor planned), and the replay goes on with the other sessions.
func TestReplaySessionFailsWithReason(t *testing.T) {
	srv := demo.New(demo.Config{Workers: 64, QueryLatency: 5 * time.Millisecond, Sigma: -1, LoginLatency: -1})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	const start = `{"offset_us":%d,"endpoint":"start_chat","method":"POST","url":"/api/v1/chat/","auth":true,"headers":{"Content-Type":["application/json"]},"body":"{\"message\":\"hi\"}","session":"conversation/%d","saves":[{"var":"cid","from":"%s","value":"c-%d"}]}`
	const follow = `{"offset_us":%d,"endpoint":"follow_up","method":"POST","url":"/api/v1/chat/c-%d/messages","auth":true,"headers":{"Content-Type":["application/json"]},"body":"{\"message\":\"more\"}","session":"conversation/%d","step":1,"uses":{"cid":"c-%d"}%s}`
	lines := []string{
		fmt.Sprintf(start, 0, 1, "conversation_id", 1),
		fmt.Sprintf(start, 1000, 2, "conversation.id", 2), // not in the demo's answer
		fmt.Sprintf(follow, 50000, 1, 1, 1, ""),
		fmt.Sprintf(follow, 60000, 2, 2, 2, ""),
		fmt.Sprintf(follow, 70000, 1, 1, 1, `,"end":"ok"`),
		fmt.Sprintf(follow, 80000, 2, 2, 2, `,"end":"ok"`),
		`{"offset_us":90000,"endpoint":"/health","method":"GET","url":"/health"}`,
	}
	path := filepath.Join(t.TempDir(), "stream.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	open, info, err := replay.OpenStream(path, false)
	if err != nil {
		t.Fatal(err)
	}
	rj := replayJob(t, hs.URL, open, info, []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}})
	rep, err := rj.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Conversations != 2 || st.FollowUps != 2 || st.FollowUpsUnknown+st.FollowUpsForeign != 0 {
		t.Errorf("demo %+v: want 2 conversations and the 2 follow-ups of the first", st)
	}
	js := rep.Journeys
	want := `step 1 (start_chat): "conversation.id" not in the response`
	if len(js) != 1 || js[0].Started != 2 || js[0].Completed != 1 || js[0].Failed != 1 || len(js[0].Reasons) != 1 || js[0].Reasons[0].Reason != want {
		t.Fatalf("report journeys %+v; want 1 completed and 1 failed with %q", js, want)
	}
	if m := rep.Manifest; m.Sent != 5 || m.Planned != 5 {
		t.Errorf("manifest: sent %d, planned %d; want 5 and 5 (the failed session's 2 follow-ups cut)", m.Sent, m.Planned)
	}
	got := readJourneyRun(t, rj.Dir)
	if got.byEndpoint["/health"] != 1 {
		t.Errorf("by endpoint %v: the entry without a session was not sent", got.byEndpoint)
	}
}
