package demo

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestQuery(t *testing.T) {
	t.Parallel()
	s, hs := start(t, fastConfig())
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"query":"How do I rotate Kubernetes secrets?","max_results":3}`, 3},
		{`{"query":"What is the data retention period?"}`, defaultMaxResults},
		{`{"query":"vacation policy","max_results":12}`, 12},
	} {
		resp, b := call(t, hs, http.MethodPost, "/api/v1/query/", tok, "application/json", strings.NewReader(tc.body))
		if resp.StatusCode != 200 {
			t.Fatalf("query: %d %s", resp.StatusCode, b)
		}
		var qr queryResponse
		mustJSON(t, b, &qr)
		if len(qr.Sources) != tc.want {
			t.Errorf("%s: %d sources, want %d", tc.body, len(qr.Sources), tc.want)
		}
		topic := strings.TrimRight(qr.Query, "?")
		if !strings.Contains(qr.Answer, topic) || strings.Count(qr.Answer, ". ") < 2 {
			t.Errorf("answer does not mention %q or is too short: %s", topic, qr.Answer)
		}
		if qr.ProcessingTime < 0 || qr.Reasoning != "" || strings.Contains(string(b), "reasoning") {
			t.Errorf("unexpected fields: %s", b)
		}
		for i, src := range qr.Sources {
			if src.DocumentID < 1 || src.Title == "" || src.Score <= 0 || src.Score > 1 ||
				(i > 0 && src.Score > qr.Sources[i-1].Score) {
				t.Errorf("bad source %d: %+v", i, src)
			}
		}
	}
	if st := s.Stats(); st.Requests["query"] != 3 || st.Authorized["query"] != 3 {
		t.Errorf("stats %v %v", st.Requests, st.Authorized)
	}
}

func TestQueryValidation(t *testing.T) {
	t.Parallel()
	_, hs := start(t, fastConfig())
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	for _, body := range []string{``, `{`, `{}`, `{"query":""}`, `{"query":"   "}`, `{"query":5}`, `{"query":"x","max_results":"many"}`} {
		for _, path := range []string{"/api/v1/query/", "/api/v1/query/enhanced"} {
			resp, b := call(t, hs, http.MethodPost, path, tok, "application/json", strings.NewReader(body))
			wantDetail(t, resp, b, http.StatusUnprocessableEntity, "")
		}
	}
}

func TestEnhancedQuery(t *testing.T) {
	t.Parallel()
	s, hs := start(t, fastConfig())
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	resp, b := call(t, hs, http.MethodPost, "/api/v1/query/enhanced", tok, "application/json",
		strings.NewReader(`{"query":"backup procedure","max_results":2}`))
	if resp.StatusCode != 200 {
		t.Fatalf("enhanced: %d %s", resp.StatusCode, b)
	}
	var qr queryResponse
	mustJSON(t, b, &qr)
	if qr.Reasoning == "" || len(qr.Sources) != 2 || !strings.Contains(qr.Answer, "backup procedure") {
		t.Errorf("enhanced response: %s", b)
	}
	if st := s.Stats(); st.Requests["enhanced"] != 1 || st.Requests["query"] != 0 {
		t.Errorf("requests %v", st.Requests)
	}
}

// multipartBody builds a multipart body with a "file" part of size bytes.
func multipartBody(t *testing.T, field, filename string, size int) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(bytes.Repeat([]byte("x"), size))
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &buf
}

func TestUploadThenList(t *testing.T) {
	t.Parallel()
	s, hs := start(t, fastConfig())
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	ctype, body := multipartBody(t, "file", "Incident Response Plan.pdf", 12345)
	resp, b := call(t, hs, http.MethodPost, "/api/v1/documents/upload", tok, ctype, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	var doc document
	mustJSON(t, b, &doc)
	if doc.Filename != "Incident Response Plan.pdf" || doc.Title != "Incident Response Plan" ||
		doc.Size != 12345 || doc.ID != docID(len(seedDocuments))+1 || doc.UploadedAt == "" {
		t.Errorf("uploaded doc = %+v", doc)
	}
	resp, b = call(t, hs, http.MethodGet, "/api/v1/documents/", tok, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}
	var docs []document
	mustJSON(t, b, &docs)
	if len(docs) != len(seedDocuments)+1 || docs[0] != doc {
		t.Errorf("list has %d docs, first %+v; want upload first", len(docs), docs[0])
	}
	resp, b = call(t, hs, http.MethodGet, "/api/v1/documents/?skip=1&limit=2", tok, "", nil)
	mustJSON(t, b, &docs)
	if resp.StatusCode != 200 || len(docs) != 2 || docs[0].ID != docID(len(seedDocuments)) {
		t.Errorf("paged list: %d %s", resp.StatusCode, b)
	}
	resp, b = call(t, hs, http.MethodGet, "/api/v1/documents/?limit=abc", tok, "", nil)
	wantDetail(t, resp, b, http.StatusUnprocessableEntity, "")
	if st := s.Stats(); st.Uploads != 1 || st.Requests["upload"] != 1 || st.Requests["documents"] != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestUploadErrors(t *testing.T) {
	t.Parallel()
	cfg := fastConfig()
	cfg.MaxUploadBytes = 1000
	_, hs := start(t, cfg)
	tok := login(t, hs, DefaultUsername, DefaultPassword)
	resp, b := call(t, hs, http.MethodPost, "/api/v1/documents/upload", tok, "application/json", strings.NewReader(`{}`))
	wantDetail(t, resp, b, http.StatusUnprocessableEntity, "")
	ctype, body := multipartBody(t, "attachment", "a.txt", 10)
	resp, b = call(t, hs, http.MethodPost, "/api/v1/documents/upload", tok, ctype, body)
	wantDetail(t, resp, b, http.StatusUnprocessableEntity, "file is required")
	ctype, body = multipartBody(t, "file", "big.bin", 1001)
	resp, b = call(t, hs, http.MethodPost, "/api/v1/documents/upload", tok, ctype, body)
	wantDetail(t, resp, b, http.StatusRequestEntityTooLarge, "File too large")
	ctype, body = multipartBody(t, "file", "ok.bin", 1000)
	if resp, b = call(t, hs, http.MethodPost, "/api/v1/documents/upload", tok, ctype, body); resp.StatusCode != 201 {
		t.Errorf("upload at limit: %d %s", resp.StatusCode, b)
	}
}

func TestDocStoreRetention(t *testing.T) {
	t.Parallel()
	d := newDocStore(0)
	for range maxStoredUploads + 5 {
		d.add("", "f.txt", 1, timeZero)
	}
	all := d.list(0, 1<<20, timeZero)
	if len(all) != maxStoredUploads+len(seedDocuments) || all[0].ID != docID(len(seedDocuments)+maxStoredUploads+5) {
		t.Errorf("retention: %d docs, newest id %d", len(all), all[0].ID)
	}
}

var timeZero = time.Unix(0, 0)
