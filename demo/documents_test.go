package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
)

// upload posts a small file and returns the document the server made.
func upload(t *testing.T, hs *httptest.Server, tok string) document {
	t.Helper()
	ctype, body := multipartBody(t, "file", "Quarterly Plan.md", 100)
	resp, b := call(t, hs, http.MethodPost, "/api/v1/documents/upload", tok, ctype, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	var doc document
	mustJSON(t, b, &doc)
	return doc
}

// docStatus polls GET /api/v1/documents/{id}.
func docStatus(t *testing.T, hs *httptest.Server, tok, id string) (int, document) {
	t.Helper()
	resp, b := call(t, hs, http.MethodGet, "/api/v1/documents/"+id, tok, "", nil)
	var doc document
	if resp.StatusCode == http.StatusOK {
		mustJSON(t, b, &doc)
	}
	return resp.StatusCode, doc
}

// query sends text to path (a query route) and wants 200.
func query(t *testing.T, hs *httptest.Server, tok, path, text string) {
	t.Helper()
	resp, b := call(t, hs, http.MethodPost, path, tok, "application/json", strings.NewReader(fmt.Sprintf(`{"query":%q}`, text)))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %q: %d %s", path, text, resp.StatusCode, b)
	}
}

// TestUploadIndexing: an upload is "indexing" until IndexDelay has passed,
// then "ready"; a query naming it before that counts as a violation, one
// after does not; an unknown id counts apart; seeded documents are ready.
func TestUploadIndexing(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.IndexDelay = 300 * time.Millisecond
	s, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	begin := time.Now()
	doc := upload(t, hs, tok)
	if doc.ID.String() != "doc-8" || doc.Status != statusIndexing || doc.Filename != "Quarterly Plan.md" || doc.Size != 100 {
		t.Fatalf("upload: %+v", doc)
	}
	if code, got := docStatus(t, hs, tok, "doc-8"); code != 200 || got.Status != statusIndexing || got.ID != doc.ID {
		t.Fatalf("poll at once: %d %+v", code, got)
	}
	query(t, hs, tok, "/api/v1/query/", "Summarise doc-8")
	query(t, hs, tok, "/api/v1/query/enhanced", "Compare doc-8 with doc-3")
	if st := s.Stats(); st.QueriesBeforeReady != 2 || st.QueriesUnknownDoc != 0 {
		t.Fatalf("before ready: %d, unknown %d; want 2, 0", st.QueriesBeforeReady, st.QueriesUnknownDoc)
	}
	polls := 1
	testtool.WaitFor(t, 5*time.Second, "doc-8 to be ready", func() bool {
		polls++
		_, got := docStatus(t, hs, tok, "doc-8")
		return got.Status == statusReady
	})
	if took := time.Since(begin); took < 300*time.Millisecond {
		t.Errorf("ready after %v, before the 300ms index delay", took)
	}
	query(t, hs, tok, "/api/v1/query/", "Summarise doc-8")
	query(t, hs, tok, "/api/v1/query/", "What does doc-3 say? And doc-1?")
	query(t, hs, tok, "/api/v1/query/", "Summarise doc-9 and doc-8")
	query(t, hs, tok, "/api/v1/query/", "Summarise doc-08 and xdoc-8 and doc-8b")
	for _, id := range []string{"doc-9", "doc-0", "doc-08", "8", "upload/x"} {
		if code, _ := docStatus(t, hs, tok, id); code != http.StatusNotFound {
			t.Errorf("GET /api/v1/documents/%s: %d, want 404", id, code)
		}
	}
	if code, got := docStatus(t, hs, tok, "doc-3"); code != 200 || got.Status != statusReady || got.Title != seedDocuments[2].Title {
		t.Errorf("a seeded document: %d %+v", code, got)
	}
	st := s.Stats()
	if st.QueriesBeforeReady != 2 || st.QueriesUnknownDoc != 2 || st.Uploads != 1 || st.StatusPolls != int64(polls)+1 {
		t.Errorf("before ready %d, unknown %d, uploads %d, polls %d; want 2, 2, 1, %d",
			st.QueriesBeforeReady, st.QueriesUnknownDoc, st.Uploads, st.StatusPolls, polls+1)
	}
	if st.Requests["doc_status"] != st.StatusPolls+4 || st.Requests["other"] != 1 || st.Requests["documents"] != 0 {
		t.Errorf("requests: %v", st.Requests)
	}
	// The list still answers, with statuses.
	resp, b := call(t, hs, http.MethodGet, "/api/v1/documents/?limit=2", tok, "", nil)
	var docs []document
	mustJSON(t, b, &docs)
	if resp.StatusCode != 200 || len(docs) != 2 || docs[0].ID != doc.ID || docs[0].Status != statusReady || docs[1].Status != statusReady {
		t.Errorf("list: %d %s", resp.StatusCode, b)
	}
}

// TestQueryJudgedAtArrival: a query about a document that arrives while
// the document is indexing counts as a violation even when it waits in the
// queue until after the document is ready (it was sent too early).
func TestQueryJudgedAtArrival(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Workers, cfg.Sigma, cfg.QueryLatency, cfg.IndexDelay = 1, -1, 700*time.Millisecond, 350*time.Millisecond
	s, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	uploaded := time.Now()
	doc := upload(t, hs, tok) // ready 350ms after the server stored it, before we got here
	hold := make(chan error, 1)
	go func() { // holds the only worker for 700ms
		_, _, err := callCtx(context.Background(), hs, http.MethodPost, "/api/v1/query/", tok, "application/json", strings.NewReader(queryBody))
		hold <- err
	}()
	testtool.WaitFor(t, 5*time.Second, "the first query to hold the worker", func() bool { return s.Stats().InFlight == 1 })
	sent := time.Since(uploaded)
	query(t, hs, tok, "/api/v1/query/", "Summarise "+doc.ID.String())
	if err := <-hold; err != nil {
		t.Fatal(err)
	}
	if sent >= 300*time.Millisecond {
		t.Skipf("the query was sent %v after the upload: too late to be early (busy machine)", sent)
	}
	if st := s.Stats(); st.QueriesBeforeReady != 1 {
		t.Errorf("a query sent %v after the upload, served after the document was ready: %d violations, want 1", sent, st.QueriesBeforeReady)
	}
}

// TestIndexDelayNone: a negative IndexDelay makes uploads ready at once.
func TestIndexDelayNone(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.IndexDelay, cfg.StreamFirstToken, cfg.StreamTokenRate = -1, -1, -1
	s, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	if doc := upload(t, hs, tok); doc.Status != statusReady {
		t.Errorf("upload: %+v", doc)
	}
	query(t, hs, tok, "/api/v1/query/stream", "Summarise doc-8")
	if st := s.Stats(); st.QueriesBeforeReady != 0 || st.QueriesUnknownDoc != 0 {
		t.Errorf("stats: %+v", st)
	}
}

// TestDocStoreKeepsIndexing: documents still indexing are not forgotten
// beyond maxStoredUploads; at maxIndexing the store refuses more.
func TestDocStoreKeepsIndexing(t *testing.T) {
	t.Parallel()
	d := newDocStore(time.Hour)
	for i := range maxIndexing {
		if _, err := d.add("", "f.txt", 1, timeZero); err != nil {
			t.Fatalf("upload %d: %v", i+1, err)
		}
	}
	if _, err := d.add("", "f.txt", 1, timeZero); err != errIndexingFull {
		t.Errorf("upload past maxIndexing: %v", err)
	}
	if doc, ok := d.get(docID(len(seedDocuments)+1), timeZero); !ok || doc.Status != statusIndexing {
		t.Errorf("the first upload: %+v, %v", doc, ok)
	}
	later := timeZero.Add(time.Hour)
	if _, err := d.add("", "f.txt", 1, later); err != nil { // all ready now: the oldest go
		t.Fatal(err)
	}
	if _, ok := d.get(docID(len(seedDocuments)+1), later); ok || len(d.uploads) != maxStoredUploads {
		t.Errorf("after they were ready: the first upload still known (%v), %d kept", ok, len(d.uploads))
	}
	newest := docID(len(seedDocuments) + maxIndexing + 1)
	if doc, ok := d.get(newest, later); !ok || doc.ID != newest || doc.Status != statusIndexing {
		t.Errorf("the newest: %+v, %v", doc, ok)
	}
}

func TestDocRefs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want string
	}{
		{"Summarise doc-8", "[doc-8]"},
		{"doc-8, (doc-12) and doc-3.", "[doc-8 doc-12 doc-3]"},
		{"doc-0 doc-007 doc-99999999999999999999", "[doc-0 doc-0 doc-0]"},
		{"xdoc-8 doc-8x doc-8_ doc-8-b doc- doc-a my-doc-8 DOC-8", "[]"},
		{"doc-doc-5", "[]"},
		{"doc-5doc-6", "[]"},
	} {
		if got := fmt.Sprint(docRefs(tc.text)); got != tc.want {
			t.Errorf("docRefs(%q) = %s, want %s", tc.text, got, tc.want)
		}
	}
	if n := len(docRefs(strings.Repeat("doc-1 ", 100))); n != maxDocRefs {
		t.Errorf("%d refs of 100, want at most %d", n, maxDocRefs)
	}
	var id docID
	for _, bad := range []string{`8`, `"8"`, `"doc-"`, `"doc-01"`} {
		if err := json.Unmarshal([]byte(bad), &id); err == nil {
			t.Errorf("decoded %s as %v", bad, id)
		}
	}
}

// TestLookup: the routes with an id, next to the exact ones.
func TestLookup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path string
		want routeID
		id   string
	}{
		{"/api/v1/documents/", routeDocuments, ""},
		{"/api/v1/documents/upload", routeUpload, ""},
		{"/api/v1/documents/doc-8", routeDocStatus, "doc-8"},
		{"/api/v1/chat/", routeChat, ""},
		{"/api/v1/chat/c-1/messages", routeFollowUp, "c-1"},
		{"/api/v1/chat/c-1", routeOther, ""},
		{"/api/v1/chat//messages", routeOther, ""},
		{"/api/v1/chat/a/b/messages", routeOther, ""},
		{"/api/v1/chat/c-1/messages/", routeOther, ""},
		{"/api/v1/documents/doc-8/", routeOther, ""},
		{"/api/v1/documents", routeOther, ""},
	} {
		rt, id, ok := lookup(tc.path)
		if !ok {
			rt.id = routeOther
		}
		if rt.id != tc.want || id != tc.id {
			t.Errorf("lookup(%q) = %s %q, want %s %q", tc.path, routeNames[rt.id], id, routeNames[tc.want], tc.id)
		}
	}
}

// TestStatsJSONJourneys: GET /stats shows the conversation and document
// counters, and no user name.
func TestStatsJSONJourneys(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.Users = map[string]string{"alice@example.com": "a", "bob@example.com": "b"}
	_, hs := start(t, cfg)
	alice, bob := login(t, hs, "alice@example.com", "a"), login(t, hs, "bob@example.com", "b")
	if status, _, err := chat(t.Context(), hs, hs.URL+"/api/v1/chat/", alice, "hi"); err != nil || status != 201 {
		t.Fatalf("start: %d %v", status, err)
	}
	for _, c := range []struct{ tok, id string }{{alice, "c-1"}, {alice, "c-1"}, {bob, "c-1"}, {bob, "c-5"}} {
		chat(t.Context(), hs, hs.URL+"/api/v1/chat/"+c.id+"/messages", c.tok, "more")
	}
	upload(t, hs, alice)
	docStatus(t, hs, alice, "doc-8")
	query(t, hs, alice, "/api/v1/query/", "Summarise doc-8")
	query(t, hs, alice, "/api/v1/query/", "Summarise doc-40")
	resp, b := call(t, hs, http.MethodGet, StatsPath, "", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("stats: %d %s", resp.StatusCode, b)
	}
	var got map[string]any
	mustJSON(t, b, &got)
	for k, want := range map[string]float64{
		"conversations": 1, "follow_ups": 2, "follow_ups_foreign": 1, "follow_ups_unknown": 1,
		"uploads": 1, "status_polls": 1, "queries_before_ready": 1, "queries_unknown_doc": 1,
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	reqs, _ := got["requests"].(map[string]any)
	if reqs["chat"] != 1.0 || reqs["follow_up"] != 4.0 || reqs["doc_status"] != 1.0 {
		t.Errorf("requests: %v", reqs)
	}
	if strings.Contains(string(b), "example.com") {
		t.Errorf("/stats names a user: %s", b)
	}
}
