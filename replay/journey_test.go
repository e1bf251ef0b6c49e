package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/targets"
)

// conversation is a recorded journey: a start that saved cid, and two
// follow-ups that used it, the last ending the journey.
func conversation(n int, at time.Duration) []Entry {
	cid := "c-" + string(rune('0'+n))
	sess := "conversation/" + string(rune('0'+n))
	return []Entry{
		{Offset: at, Endpoint: "start_chat", Method: "POST", URL: "/api/v1/chat/", Auth: true, Body: []byte(`{"message":"hi"}`),
			Session: sess, Saves: []Save{{Var: "cid", From: "conversation_id", Value: cid}}},
		{Offset: at + time.Millisecond, Endpoint: "follow_up", Method: "POST", URL: "/api/v1/chat/" + cid + "/messages", Auth: true,
			Body: []byte(`{"message":"about ` + cid + `"}`), Session: sess, Step: 1, Uses: map[string]string{"cid": cid}},
		{Offset: at + 2*time.Millisecond, Endpoint: "follow_up", Method: "POST", URL: "/api/v1/chat/" + cid + "/messages", Auth: true,
			Session: sess, Step: 1, Uses: map[string]string{"cid": cid}, End: "ok"},
	}
}

func TestEntryJourneyFieldsRoundTrip(t *testing.T) {
	e := conversation(1, time.Second)[1]
	e.Saves = []Save{{Var: "turn", From: "header:X-Turn", Value: "2"}}
	e.End = `step 2 (follow_up): HTTP 500`
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `"session":"conversation/1","step":1,"saves":[{"var":"turn","from":"header:X-Turn","value":"2"}],"uses":{"cid":"c-1"},"end":"step 2 (follow_up): HTTP 500"}`
	if !strings.HasSuffix(string(b), want) {
		t.Errorf("line %s\nwant it to end %s", b, want)
	}
	var back Entry
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	equal(t, "entry", back, e)

	// A stream without the fields reads as before: no session.
	var old Entry
	if err := json.Unmarshal([]byte(`{"offset_us":1,"method":"GET","url":"/health","future":{"x":1}}`), &old); err != nil || old.Session != "" || old.Saves != nil || old.Uses != nil {
		t.Errorf("old line: %+v, %v", old, err)
	}
}

func TestEntryJourneyFieldErrors(t *testing.T) {
	long := strings.Repeat("v", targets.MaxVarValue+1)
	for _, tt := range []struct{ line, want string }{
		{`{"offset_us":1,"method":"GET","url":"/","step":1}`, "step: needs a session"},
		{`{"offset_us":1,"method":"GET","url":"/","saves":[{"var":"a","from":"id"}]}`, "saves: needs a session"},
		{`{"offset_us":1,"method":"GET","url":"/","uses":{"a":"1"}}`, "uses: needs a session"},
		{`{"offset_us":1,"method":"GET","url":"/","end":"ok"}`, "end: needs a session"},
		{`{"offset_us":1,"method":"GET","url":"/","session":"/1"}`, `session: "" is not a journey's name`},
		{`{"offset_us":1,"method":"GET","url":"/","session":"a\u0001"}`, "session: " + `"a\x01" holds a control character`},
		{`{"offset_us":1,"method":"GET","url":"/","session":"j/1","step":32}`, "step: 32 is not in [0, 32)"},
		{`{"offset_us":1,"method":"GET","url":"/","session":"j/1","step":-1}`, "step: -1 is not in [0, 32)"},
		{`{"offset_us":1,"method":"GET","url":"/","session":"j/1","saves":[{"var":"1a","from":"id"}]}`, `saves: "1a" is not a variable name`},
		{`{"offset_us":1,"method":"GET","url":"/","session":"j/1","saves":[{"var":"a","from":""}]}`, "saves: a: from must hold 1 to 1024 bytes"},
		{`{"offset_us":1,"method":"GET","url":"/","session":"j/1","saves":[{"var":"a","from":"id","value":"` + long + `"}]}`, "saves: a: the value is longer than 1024 bytes"},
		{`{"offset_us":1,"method":"GET","url":"/","session":"j/1","uses":{"a-b":"1"}}`, `uses: "a-b" is not a variable name`},
		{`{"offset_us":1,"method":"GET","url":"/","session":"j/1","step":"1"}`, "step:"},
	} {
		_, err := decodeEntry([]byte(tt.line))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.line, err, tt.want)
		}
	}
}

func TestEntrySubstitute(t *testing.T) {
	e := Entry{Method: "POST", URL: "/chat/a%20b/messages?c=a+b&d=x", Body: []byte(`{"about":"a b","q":"\"q\""}`),
		Header: http.Header{"X-Conv": {"a b"}}, Session: "j/1", Step: 1, Uses: map[string]string{"cid": "a b", "q": `"q"`}}
	got, err := e.Substitute(map[string]string{"cid": "c/9", "q": `r"`})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "url", got.URL, "/chat/c%2F9/messages?c=c%2F9&d=x")
	equal(t, "body", string(got.Body), `{"about":"c/9","q":"r\""}`)
	equal(t, "header", got.Header.Get("X-Conv"), "c/9")
	equal(t, "uses", got.Uses, map[string]string{"cid": "c/9", "q": `r"`})
	if string(e.Body) != `{"about":"a b","q":"\"q\""}` || e.Header.Get("X-Conv") != "a b" || e.Uses["cid"] != "a b" {
		t.Errorf("the entry itself changed: %+v", e)
	}
	equal(t, "route", e.Route(), "/chat/{{cid}}/messages")

	// Values swap in one pass: c-1 → c-2 and c-2 → c-1 do not chain.
	two := Entry{Method: "GET", URL: "/x/c-1/c-2", Session: "j/1", Uses: map[string]string{"a": "c-1", "b": "c-2"}}
	if got, _ := two.Substitute(map[string]string{"a": "c-2", "b": "c-1"}); got.URL != "/x/c-2/c-1" {
		t.Errorf("swapped: %s", got.URL)
	}

	_, err = e.Substitute(map[string]string{"cid": "x"})
	var missing *targets.MissingVarError
	if !errors.As(err, &missing) || missing.Var != "q" {
		t.Errorf("a variable missing: %v", err)
	}
}

func TestSecretSavesNotRecorded(t *testing.T) {
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	r.DropHeaders("X-Session")
	e := conversation(1, 0)[0]
	e.Saves = append(e.Saves, Save{Var: "tok", From: "header:X-Auth-Token", Value: "s3cret-1"},
		Save{Var: "t2", From: "data.access_token", Value: "s3cret-2"}, Save{Var: "t3", From: "header:x-session", Value: "s3cret-3"})
	if err := r.Add(0, e); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "s3cret") || !strings.Contains(buf.String(), `"value":"c-1"`) {
		t.Errorf("recorded %s", buf.String())
	}
	if !r.SecretSource("header:X-Session") || r.SecretSource("conversation_id") {
		t.Error("SecretSource")
	}
}

func TestStreamSessionsInfoAndRoutes(t *testing.T) {
	entries := append(conversation(1, 0), conversation(2, 10*time.Millisecond)...)
	entries = append(entries, Entry{Offset: 20 * time.Millisecond, Endpoint: "/health", Method: "GET", URL: "/health"})
	_, info, err := OpenStream(writeStream(t, entries), false)
	if err != nil {
		t.Fatal(err)
	}
	if info.Sessions != 6 || len(info.Journeys) != 1 || info.Journeys[0].Name != "conversation" || info.Journeys[0].Weight != 2 {
		t.Fatalf("info: sessions %d, journeys %+v", info.Sessions, info.Journeys)
	}
	equal(t, "steps", info.Journeys[0].Steps, []string{"start_chat", "follow_up"})
	var routes []string
	for _, ep := range info.Endpoints {
		routes = append(routes, ep.Key+" "+ep.Path)
	}
	// Both conversations' follow-ups are one endpoint.
	equal(t, "endpoints", routes, []string{"start_chat /api/v1/chat/", "follow_up /api/v1/chat/{{cid}}/messages", "health /health"})
	key := EndpointKeys(info.Endpoints)
	if k := key(&entries[4]); k != "follow_up" {
		t.Errorf("key of a follow-up: %q", k)
	}
}

func TestScaledLoopsRenameSessions(t *testing.T) {
	path := writeStream(t, conversation(1, 0))
	open, info, err := OpenStream(path, false)
	if err != nil {
		t.Fatal(err)
	}
	open, info, err = Scaled(open, info, 1, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	var sessions []string
	for _, e := range readAll(t, open) {
		sessions = append(sessions, e.Session)
	}
	equal(t, "sessions", sessions, []string{"conversation/1", "conversation/1", "conversation/1", "conversation/1/2", "conversation/1/2", "conversation/1/2"})
	if info.Sessions != 6 || SessionJourney("conversation/1/2") != "conversation" {
		t.Errorf("sessions %d", info.Sessions)
	}
}

func TestShardedKeepsSessionsTogether(t *testing.T) {
	var entries []Entry
	for n := range 8 {
		entries = append(entries, conversation(n, time.Duration(n)*10*time.Millisecond)...)
		entries = append(entries, Entry{Offset: time.Duration(n)*10*time.Millisecond + 5*time.Millisecond, Method: "GET", URL: "/health"})
	}
	open, info, err := OpenStream(writeStream(t, entries), false)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	seen := map[string]int{}
	for i := range 3 {
		o, in, err := Sharded(open, info, i, 3)
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, o)
		if int64(len(got)) != in.Count {
			t.Errorf("shard %d: %d entries, Info says %d", i, len(got), in.Count)
		}
		total += len(got)
		for _, e := range got {
			if e.Session == "" {
				continue
			}
			if s, ok := seen[e.Session]; ok && s != i {
				t.Errorf("session %s in shards %d and %d", e.Session, s, i)
			}
			seen[e.Session] = i
		}
	}
	if total != len(entries) || len(seen) != 8 {
		t.Errorf("%d entries in the shards of %d; %d sessions", total, len(entries), len(seen))
	}
}

func TestPlayerNext(t *testing.T) {
	entries := conversation(1, 0)
	open, info, err := OpenStream(writeStream(t, entries), false)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlayer(open, info)
	var got []Entry
	for {
		e, err := p.Next()
		if err != nil {
			break
		}
		got = append(got, e)
	}
	if len(got) != 3 || got[2].End != "ok" || p.Err() != nil {
		t.Errorf("read %d entries (%v)", len(got), p.Err())
	}
}

// TestSubstituteShortIDs: a short recorded id is replaced where the
// journey put it, not inside other words and numbers of the request.
func TestSubstituteShortIDs(t *testing.T) {
	e := Entry{Method: "POST", URL: "/api/v1/chat/1/messages?page=1&v=21", Uses: map[string]string{"cid": "1"},
		Body: []byte(`{"message":"top 10 results for 2021 in 1"}`)}
	got, err := e.Substitute(map[string]string{"cid": "42"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "/api/v1/chat/42/messages?page=42&v=21"; got.URL != want {
		t.Errorf("URL %q, want %q", got.URL, want)
	}
	if want := `{"message":"top 10 results for 2021 in 42"}`; string(got.Body) != want {
		t.Errorf("body %s, want %s", got.Body, want)
	}
	if r := e.Route(); r != "/api/v1/chat/{{cid}}/messages" {
		t.Errorf("route %q", r)
	}
}
