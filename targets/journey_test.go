package targets

import (
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// exampleScenario is the example of the journeys design (testdata/journeys),
// with an upload folder of two files, a dotfile and a subfolder.
const exampleScenario = "testdata/journeys/scenario.yaml"

func loadExample(t *testing.T) *Scenario {
	t.Helper()
	sc, err := Load(exampleScenario)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return sc
}

func TestParseJourneysExample(t *testing.T) {
	sc := loadExample(t)
	want := []Journey{
		{Name: "conversation", Weight: 3, Steps: []Step{
			{Endpoint: "start_chat", Save: []Save{{"cid", "conversation_id"}}, Repeat: [2]int{1, 1}},
			{Endpoint: "follow_up", Repeat: [2]int{2, 4}, Think: [2]time.Duration{time.Second, 3 * time.Second}},
		}},
		{Name: "ask-about-upload", Weight: 1, Steps: []Step{
			{Endpoint: "upload", Save: []Save{{"doc", "id"}}, Repeat: [2]int{1, 1}},
			{Endpoint: "doc_status", Repeat: [2]int{1, 1}, Until: &Until{JSON: "status", Equals: "ready", Every: 500 * time.Millisecond, Within: 30 * time.Second}},
			{Endpoint: "query", Repeat: [2]int{1, 1}, JSON: map[string]any{"query": "Summarise {{doc}}", "max_results": 5}},
		}},
	}
	if !reflect.DeepEqual(sc.Journeys, want) {
		t.Errorf("journeys =\n%#v\nwant\n%#v", sc.Journeys, want)
	}
	// The endpoints the journeys use, in scenario order (the built-in
	// ones first): enhanced, health, documents and stream are not sent.
	var active []string
	for _, e := range sc.Active() {
		active = append(active, e.Key)
	}
	if want := []string{"query", "start_chat", "follow_up", "upload", "doc_status"}; !slices.Equal(active, want) {
		t.Errorf("Active = %v, want %v", active, want)
	}
	if !sc.NeedsAuth() {
		t.Error("NeedsAuth = false; query is authenticated")
	}

	up := endpointByKey(t, sc, "upload")
	if up.Upload == nil || up.Upload.Field != "file" || up.Upload.Dir != "./docs" || !slices.Equal(up.Upload.Files, []string{"policy.txt", "runbook.md"}) {
		t.Fatalf("upload = %+v; want the two files, without .hidden and sub/", up.Upload)
	}
	for i, name := range up.Upload.Files {
		content, _ := os.ReadFile(filepath.Join("testdata/journeys/docs", name))
		field, file, got := readMultipart(t, up.Upload.ContentType, up.Bodies[i])
		if field != "file" || file != name || string(got) != string(content) {
			t.Errorf("body %d: field %q, file %q, content %q; want file, %q, %q", i, field, file, got, name, content)
		}
	}
	// Loading again gives the same bodies (the boundary comes from the files).
	again := loadExample(t)
	if !reflect.DeepEqual(sc, again) {
		t.Error("two loads of the example differ")
	}
}

// readMultipart reads the one part of a multipart/form-data body.
func readMultipart(t *testing.T, contentType string, body []byte) (field, file string, content []byte) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		t.Fatalf("Content-Type %q: %v", contentType, err)
	}
	r := multipart.NewReader(strings.NewReader(string(body)), params["boundary"])
	p, err := r.NextPart()
	if err != nil {
		t.Fatalf("part: %v", err)
	}
	content, err = io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.NextPart(); err != io.EOF {
		t.Errorf("a second part, or a broken end: %v", err)
	}
	return p.FormName(), p.FileName(), content
}

func TestActiveAndValidateWithJourneys(t *testing.T) {
	// Every endpoint at weight 0: without journeys nothing is sent, with
	// journeys the weights do not matter.
	base := "endpoints:\n  - {key: query, weight: 0}\n  - {key: enhanced, weight: 0}\n  - {key: health, weight: 0}\n  - {key: documents, weight: 0}\n"
	if _, err := Parse("s.yaml", []byte(base)); err == nil || !strings.Contains(err.Error(), "no endpoint has a weight > 0") {
		t.Fatalf("without journeys: %v", err)
	}
	sc := mustParse(t, base+"journeys:\n  - name: j\n    steps:\n      - endpoint: health\n      - endpoint: stream\n")
	var keys []string
	for _, e := range sc.Active() {
		keys = append(keys, e.Key)
	}
	if !slices.Equal(keys, []string{"health", "stream"}) {
		t.Errorf("Active = %v, want [health stream]", keys)
	}
	m, err := NewMix(sc, "http://127.0.0.1:8000")
	if err != nil || m.Len() != 2 {
		t.Fatalf("NewMix of a scenario with journeys: %v", err)
	}
	// A step brings in a built-in endpoint that replace_endpoints dropped.
	sc = mustParse(t, "replace_endpoints: true\nendpoints:\n  - {key: x, path: /x}\njourneys:\n  - name: j\n    steps: [{endpoint: x}, {endpoint: documents}]\n")
	keys = nil
	for _, e := range sc.Active() {
		keys = append(keys, e.Key+" "+e.Path)
	}
	if !slices.Equal(keys, []string{"x /x", "documents /api/v1/documents/"}) {
		t.Errorf("Active = %v, want x and the built-in documents", keys)
	}
	// journeys: [] is no journeys: the mix as before, and a variable
	// outside journeys is placed at its endpoint.
	if _, err := Parse("s.yaml", []byte("endpoints:\n  - {key: x, path: '/x/{{id}}'}\njourneys: []\n")); err == nil || !strings.HasPrefix(err.Error(), "s.yaml:2: endpoints[0].path: {{id}} is a variable") {
		t.Errorf("err = %v", err)
	}
	sc = mustParse(t, "journeys: []\n")
	if len(sc.Journeys) != 0 || len(sc.Active()) != 4 {
		t.Errorf("journeys: [] gives %d journeys and %d active endpoints", len(sc.Journeys), len(sc.Active()))
	}
}

// testJourneys compiles the scenario src against base.
func testJourneys(t *testing.T, src, base string) (*Scenario, *Journeys) {
	t.Helper()
	sc := mustParse(t, src)
	js, err := NewJourneys(sc, base)
	if err != nil || js == nil {
		t.Fatalf("NewJourneys: %v, %v", js, err)
	}
	return sc, js
}

const substScenario = `queries: ["What is \"RAG\"?"]
endpoints:
  - key: start
    method: POST
    path: /chat/
    json: {message: "{{query}}"}
  - key: follow
    method: POST
    path: /chat/{{cid}}/messages?tag={{tag}}
    auth: true
    headers: {X-Static: yes}
    json: {message: "{{query}}", note: "about {{cid}}: {{tag}}", nested: [{id: "{{cid}}"}], n: 5}
  - key: raw
    method: PUT
    path: /raw/{{cid}}
    body: "cid={{cid}}&q={{query}}"
  - key: hdr
    path: /h
    headers: {X-Conversation: "{{cid}}"}
journeys:
  - name: j
    steps:
      - endpoint: start
        save: {cid: id, tag: "header:X-Tag"}
      - endpoint: follow
      - endpoint: raw
      - endpoint: follow
        body: "{{tag}}"
      - endpoint: hdr
`

func TestJourneysTarget(t *testing.T) {
	_, js := testJourneys(t, substScenario, "http://127.0.0.1:8000/base/")
	rng := rand.New(rand.NewPCG(1, 2))
	vars := Vars{"cid": `a/b?c "d"` + "\n", "tag": "x&y=z"}
	var tgt vegeta.Target

	if err := js.Target(&tgt, 0, 0, vars, rng, "tok"); err != nil {
		t.Fatal(err)
	}
	if tgt.Method != "POST" || tgt.URL != "http://127.0.0.1:8000/base/chat/" || string(tgt.Body) != `{"message":"What is \"RAG\"?"}` || tgt.Header.Get("Authorization") != "" {
		t.Errorf("start: %s %s %s %v", tgt.Method, tgt.URL, tgt.Body, tgt.Header)
	}

	if err := js.Target(&tgt, 0, 1, vars, rng, "tok"); err != nil {
		t.Fatal(err)
	}
	// The path segment and the query value are escaped; the fragment names
	// the endpoint (its path holds variables).
	if want := "http://127.0.0.1:8000/base/chat/a%2Fb%3Fc%20%22d%22%0A/messages?tag=x%26y%3Dz#follow"; tgt.URL != want {
		t.Errorf("URL = %s, want %s", tgt.URL, want)
	}
	req, err := tgt.Request()
	if err != nil {
		t.Fatal(err)
	}
	seg, _ := url.PathUnescape(strings.Split(req.URL.EscapedPath(), "/")[3])
	if seg != vars["cid"] || req.URL.Query().Get("tag") != vars["tag"] || req.URL.Fragment != "follow" {
		t.Errorf("the server reads path segment %q and tag %q", seg, req.URL.Query().Get("tag"))
	}
	var body map[string]any
	if err := json.Unmarshal(tgt.Body, &body); err != nil {
		t.Fatalf("body %s: %v", tgt.Body, err)
	}
	wantBody := map[string]any{"message": `What is "RAG"?`, "note": "about " + vars["cid"] + ": x&y=z", "nested": []any{map[string]any{"id": vars["cid"]}}, "n": 5.0}
	if !reflect.DeepEqual(body, wantBody) {
		t.Errorf("body = %#v, want %#v", body, wantBody)
	}
	if tgt.Header.Get("Authorization") != "Bearer tok" || tgt.Header.Get("X-Static") != "yes" || tgt.Header.Get("Content-Type") != "application/json" {
		t.Errorf("header = %v", tgt.Header)
	}
	// A header value is verbatim, and a line break in it is refused.
	if err := js.Target(&tgt, 0, 4, Vars{"cid": `c "1"/x`}, rng, "tok"); err != nil || tgt.Header.Get("X-Conversation") != `c "1"/x` || tgt.Header.Get("Authorization") != "" {
		t.Errorf("header %v, %v; want X-Conversation verbatim and no token (hdr has no auth)", tgt.Header, err)
	}
	if err := js.Target(&tgt, 0, 4, vars, rng, "tok"); err != nil {
		// vars["cid"] ends in a newline: the header cannot hold it.
		if !strings.Contains(err.Error(), "X-Conversation") {
			t.Errorf("err = %v", err)
		}
	} else {
		t.Errorf("a header value with a line break was sent: %q", tgt.Header.Get("X-Conversation"))
	}

	// A raw body takes values verbatim.
	raw := Vars{"cid": `a"b&c`, "tag": "t"}
	if err := js.Target(&tgt, 0, 2, raw, rng, ""); err != nil {
		t.Fatal(err)
	}
	if string(tgt.Body) != `cid=a"b&c&q=What is "RAG"?` || tgt.URL != "http://127.0.0.1:8000/base/raw/a%22b&c#raw" || tgt.Method != "PUT" {
		t.Errorf("raw: %s %s %q", tgt.Method, tgt.URL, tgt.Body)
	}
	// A step's body replaces the endpoint's, and its Content-Type is the
	// endpoint's (set by json:).
	if err := js.Target(&tgt, 0, 3, raw, rng, ""); err != nil || string(tgt.Body) != "t" {
		t.Errorf("override: %q, %v", tgt.Body, err)
	}

	// A variable missing: a *MissingVarError naming it.
	err = js.Target(&tgt, 0, 1, Vars{"cid": "c"}, rng, "")
	var mv *MissingVarError
	if !errors.As(err, &mv) || mv.Var != "tag" || err.Error() != `no variable "tag"` {
		t.Errorf("err = %v, want no variable \"tag\"", err)
	}
}

// TestJourneysTargetQuestions: {{query}} draws from the pool with the
// caller's generator: the same seed gives the same questions, and every
// question comes up.
func TestJourneysTargetQuestions(t *testing.T) {
	src := "queries: [q1, q2, q3]\nendpoints:\n  - {key: x, method: POST, path: /x, json: {q: \"{{query}}\", d: \"{{d}}\"}}\njourneys:\n  - name: j\n    steps:\n      - {endpoint: health, save: {d: id}}\n      - endpoint: x\n"
	_, js := testJourneys(t, src, "http://h")
	draw := func(seed uint64) []string {
		rng := rand.New(rand.NewPCG(seed, 0))
		var out []string
		for range 30 {
			var tgt vegeta.Target
			if err := js.Target(&tgt, 0, 1, Vars{"d": "v"}, rng, ""); err != nil {
				t.Fatal(err)
			}
			var b struct{ Q, D string }
			json.Unmarshal(tgt.Body, &b)
			out = append(out, b.Q)
		}
		return out
	}
	a, b := draw(7), draw(7)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different questions: %v, %v", a, b)
	}
	for _, q := range []string{"q1", "q2", "q3"} {
		if !slices.Contains(a, q) {
			t.Errorf("%s never drawn in 30: %v", q, a)
		}
	}
}

// TestJourneysRoundTrip sends the example's steps to a loopback server
// that answers as the demo does: the multipart upload arrives as a file,
// the saved id lands in the next path, and the query names the document.
func TestJourneysRoundTrip(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v1/documents/upload":
			f, h, err := r.FormFile("file")
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			b, _ := io.ReadAll(f)
			got = append(got, "upload "+h.Filename+" "+strings.TrimSpace(string(b))[:6])
			w.Write([]byte(`{"id": "doc 7/x", "status": "indexing"}`))
		case strings.HasPrefix(r.URL.Path, "/api/v1/documents/"):
			got = append(got, "status "+r.URL.Path)
			w.Write([]byte(`{"status": "ready"}`))
		case r.URL.Path == "/api/v1/query/":
			var q struct{ Query string }
			json.NewDecoder(r.Body).Decode(&q)
			got = append(got, "query "+q.Query+" "+r.Header.Get("Authorization"))
			w.Write([]byte(`{"answer": "…"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	sc, js := testJourneys(t, readFile(t, exampleScenario), srv.URL)
	_ = sc
	j := 1 // ask-about-upload
	if js.Journey(j).Name != "ask-about-upload" {
		t.Fatalf("journey %d is %q", j, js.Journey(j).Name)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	vars := Vars{}
	client := &http.Client{Timeout: 5 * time.Second}
	for s := range js.Journey(j).Steps {
		st := &js.Journey(j).Steps[s]
		var tgt vegeta.Target
		if err := js.Target(&tgt, j, s, vars, rng, "tok"); err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
		req, err := tgt.Request()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("step %d: %d %s", s, resp.StatusCode, body)
		}
		if st.Until != nil && !st.Until.Met(body) {
			t.Errorf("step %d: until not met by %s", s, body)
		}
		if err := st.SaveFrom(vars, body, resp.Header); err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
	}
	if len(got) != 3 || !strings.HasPrefix(got[0], "upload ") || got[1] != "status /api/v1/documents/doc 7/x" || got[2] != "query Summarise doc 7/x Bearer tok" {
		t.Errorf("server saw %q", got)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The example's upload folder is relative to its file.
	return strings.ReplaceAll(string(b), "./docs", filepath.Join(filepath.Dir(path), "docs"))
}

func TestSaveFrom(t *testing.T) {
	body := []byte(`{"conversation_id": "c-1", "data": {"items": [{"id": 7}, {"id": 8}]}, "none": null, "obj": {"a": 1}, "long": "` + strings.Repeat("é", 600) + `"}`)
	header := http.Header{"X-Request-Id": {"r-9"}, "X-Empty": {""}}
	st := &Step{Save: []Save{{"cid", "conversation_id"}, {"second", "data.items.1.id"}, {"obj", "obj"}, {"rid", "header:x-request-id"}, {"empty", "header:X-Empty"}, {"long", "long"}}}
	vars := Vars{"old": "kept"}
	if err := st.SaveFrom(vars, body, header); err != nil {
		t.Fatal(err)
	}
	if vars["cid"] != "c-1" || vars["second"] != "8" || vars["obj"] != `{"a": 1}` || vars["rid"] != "r-9" || vars["empty"] != "" || vars["old"] != "kept" {
		t.Errorf("vars = %v", vars)
	}
	if l := vars["long"]; len(l) > MaxVarValue || len(l) < MaxVarValue-1 || !strings.HasPrefix(l, "éé") || strings.ToValidUTF8(l, "?") != l {
		t.Errorf("a long value: %d bytes, want ≤ %d cut on a rune", len(l), MaxVarValue)
	}
	for _, tt := range []struct {
		from, msg string
	}{
		{"missing", `"missing" not in the response`},
		{"none", `"none" not in the response`}, // null
		{"header:X-Absent", `"header:X-Absent" not in the response`},
	} {
		st := &Step{Save: []Save{{"a", "conversation_id"}, {"b", tt.from}, {"c", "conversation_id"}}}
		vars := Vars{}
		err := st.SaveFrom(vars, body, header)
		var mv *MissingVarError
		if !errors.As(err, &mv) || mv.Var != "b" || mv.From != tt.from || err.Error() != tt.msg {
			t.Errorf("from %q: err = %v, want %s", tt.from, err, tt.msg)
		}
		if _, ok := vars["a"]; !ok || len(vars) != 1 {
			t.Errorf("from %q: vars = %v, want the save before the missing one", tt.from, vars)
		}
	}
	// Not JSON at all: missing, not a panic.
	if err := (&Step{Save: []Save{{"a", "id"}}}).SaveFrom(Vars{}, []byte("<html>"), nil); err == nil {
		t.Error("saved from HTML")
	}
}

func TestUntilMetAndNeedsBody(t *testing.T) {
	u := &Until{JSON: "status", Equals: "ready"}
	for body, want := range map[string]bool{
		`{"status": "ready"}`: true, `{"status": "indexing"}`: false, `{}`: false, `not json`: false, `{"status": "ready "}`: false,
	} {
		if got := u.Met([]byte(body)); got != want {
			t.Errorf("Met(%s) = %v, want %v", body, got, want)
		}
	}
	// equals: true in a file is the text "true".
	sc := mustParse(t, "journeys:\n  - name: j\n    steps:\n      - endpoint: query\n        until: {json: ok, equals: true}\n")
	if u := sc.Journeys[0].Steps[0].Until; u.Equals != "true" || u.Every != DefaultEvery || u.Within != DefaultWithin || !u.Met([]byte(`{"ok": true}`)) {
		t.Errorf("until = %+v", u)
	}
	if !(&Until{JSON: "n", Equals: "3"}).Met([]byte(`{"n": 3}`)) || !(&Until{JSON: "ok", Equals: "true"}).Met([]byte(`{"ok": true}`)) {
		t.Error("numbers and booleans compare as their text")
	}
	if !(&Until{JSON: "s", Equals: ""}).Met([]byte(`{"s": ""}`)) || (&Until{JSON: "s", Equals: ""}).Met([]byte(`{}`)) {
		t.Error("an empty value is met only when present")
	}
	for _, tt := range []struct {
		st   Step
		want bool
	}{
		{Step{}, false},
		{Step{Save: []Save{{"a", "header:X"}}}, false},
		{Step{Save: []Save{{"a", "header:X"}, {"b", "id"}}}, true},
		{Step{Until: u}, true},
	} {
		if got := tt.st.NeedsBody(); got != tt.want {
			t.Errorf("NeedsBody(%+v) = %v", tt.st, got)
		}
	}
}

func TestJourneysPick(t *testing.T) {
	src := "journeys:\n  - {name: a, weight: 3, steps: [{endpoint: health}]}\n  - {name: b, steps: [{endpoint: health}]}\n  - {name: c, weight: 6, steps: [{endpoint: health}]}\n"
	_, js := testJourneys(t, src, "http://h")
	if js.Len() != 3 || js.Journey(1).Weight != 1 {
		t.Fatalf("Len %d, weight of b %d", js.Len(), js.Journey(1).Weight)
	}
	const n = 50000
	count := make([]int, 3)
	rng := rand.New(rand.NewPCG(42, 42))
	var seq []int
	for i := range n {
		k := js.Pick(rng)
		count[k]++
		if i < 100 {
			seq = append(seq, k)
		}
	}
	for i, w := range []float64{0.3, 0.1, 0.6} {
		if got := float64(count[i]) / n; got < w-0.01 || got > w+0.01 {
			t.Errorf("journey %d picked %.3f of the time, want %.2f ± 0.01", i, got, w)
		}
	}
	rng = rand.New(rand.NewPCG(42, 42))
	for i, k := range seq {
		if js.Pick(rng) != k {
			t.Fatalf("pick %d differs for the same seed", i)
		}
	}
}

// TestNewJourneysDefaults: journeys built in Go get the file's defaults
// for zero fields; a scenario without journeys gives nil, nil; a broken
// one an error.
func TestNewJourneysDefaults(t *testing.T) {
	sc := Default()
	if js, err := NewJourneys(sc, "http://h"); js != nil || err != nil {
		t.Errorf("no journeys: %v, %v", js, err)
	}
	sc.Journeys = []Journey{{Name: "j", Steps: []Step{{Endpoint: "query", Until: &Until{JSON: "s", Equals: "x"}}}}}
	js, err := NewJourneys(sc, "http://h")
	if err != nil {
		t.Fatal(err)
	}
	st := js.Journey(0).Steps[0]
	if js.Journey(0).Weight != 1 || st.Repeat != [2]int{1, 1} || st.Until.Every != DefaultEvery || st.Until.Within != DefaultWithin {
		t.Errorf("defaults: weight %d, %+v, %+v", js.Journey(0).Weight, st, st.Until)
	}
	if sc.Journeys[0].Steps[0].Until.Every != 0 {
		t.Error("NewJourneys changed the scenario")
	}
	sc.Journeys[0].Steps[0].Endpoint = "nope"
	if _, err := NewJourneys(sc, "http://h"); err == nil || !strings.Contains(err.Error(), `journeys[0].steps[0].endpoint: "nope" is not the key`) {
		t.Errorf("unknown endpoint: %v", err)
	}
}

// TestJSONTemplateMatchesMarshal: a JSON template compiles to what
// json.Marshal writes, so that a body with variables reads as the same
// JSON as one without.
func TestJSONTemplateMatchesMarshal(t *testing.T) {
	for _, v := range []any{
		map[string]any{"b": "x {{v}} <&>", "a": []any{1, 2.5, true, nil, "{{v}}"}, "c": map[string]any{"z": "\x01\"\\é\xff{{v}}"}},
		"{{v}}", "{{{v}}}", "{{ v }} {{v}}", []any{},
	} {
		c := &jsonTemplate{}
		c.value(v)
		got, err := render(nil, c.done(), Vars{"v": "{{v}}"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(v)
		if string(got) != string(want) {
			t.Errorf("template of %#v\n got %s\nwant %s", v, got, want)
		}
	}
	// Values: escaped as json.Marshal escapes them (HTML aside).
	for _, s := range []string{"plain", `q"\`, "line\nbreak\ttab\r\x00\x1f", "é日本\u2028", "\xff\xfe bad"} {
		got := `"` + string(appendJSONString(nil, s)) + `"`
		want, _ := json.Marshal(s)
		var back, wantBack string
		json.Unmarshal(want, &wantBack)
		if err := json.Unmarshal([]byte(got), &back); err != nil || back != wantBack {
			t.Errorf("%q → %s → %q, %v; json.Marshal reads back as %q", s, got, back, err, wantBack)
		}
	}
}

// TestUploadInMix: an upload endpoint outside journeys is an ordinary
// endpoint of the mix, its files drawn at random with their Content-Type.
func TestUploadInMix(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "docs"), 0o755)
	for _, n := range []string{"a.txt", "b.txt", "c.txt"} {
		os.WriteFile(filepath.Join(dir, "docs", n), []byte("content of "+n), 0o600)
	}
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("replace_endpoints: true\nendpoints:\n  - key: up\n    method: POST\n    path: /up\n    headers: {Content-Type: text/plain}\n    upload: {dir: docs, field: document}\n"), 0o600)
	sc, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMix(sc, "http://h")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	rng := rand.New(rand.NewPCG(5, 5))
	for range 40 {
		var tgt vegeta.Target
		i, b := m.Pick(rng)
		m.Fill(&tgt, i, b, nil)
		field, file, content := readMultipart(t, tgt.Header.Get("Content-Type"), tgt.Body)
		if field != "document" || string(content) != "content of "+file {
			t.Fatalf("part %q %q %q", field, file, content)
		}
		seen[file] = true
	}
	if len(seen) != 3 {
		t.Errorf("files drawn: %v, want all 3", seen)
	}
}
