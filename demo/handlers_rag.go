package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	defaultMaxResults = 5
	maxMaxResults     = 50
	defaultListLimit  = 100
	maxListLimit      = 1000
	maxTitleBytes     = 1024
)

// queryRequest is the JSON body of the query routes.
type queryRequest struct {
	Query      string `json:"query"`
	MaxResults int    `json:"max_results"`
}

// handleQuery answers POST /api/v1/query/.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request, _ string) {
	s.answer(w, r, routeQuery)
}

// handleEnhanced answers POST /api/v1/query/enhanced.
func (s *Server) handleEnhanced(w http.ResponseWriter, r *http.Request, _ string) {
	s.answer(w, r, routeEnhanced)
}

// answer validates a query, spends the route's service time and responds.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, id routeID) {
	req, ok := decodeQuery(w, r)
	if !ok {
		return
	}
	s.judgeDocRefs(r, req.Query)
	if degraded(r) {
		s.answerDegraded(w, req)
		return
	}
	spent, ok := s.work(r, id)
	if !ok {
		return
	}
	srcs := retrieve(req.Query, req.MaxResults)
	resp := queryResponse{
		Query:          req.Query,
		Answer:         compose(req.Query, srcs),
		Sources:        srcs,
		ProcessingTime: spent.Seconds(),
	}
	if id == routeEnhanced {
		resp.Reasoning = reason(req.Query, srcs)
	}
	s.writeJSON(w, http.StatusOK, resp)
}

// decodeQuery reads and validates a query body. On failure it writes the
// 422 response and returns false. max_results <= 0 or absent selects 5;
// larger values are capped at 50.
func decodeQuery(w http.ResponseWriter, r *http.Request) (queryRequest, bool) {
	var req queryRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err := dec.Decode(&req); err != nil {
		writeDetail(w, http.StatusUnprocessableEntity, "invalid JSON body")
		return req, false
	}
	req.Query = strings.TrimSpace(req.Query)
	if req.Query == "" {
		writeDetail(w, http.StatusUnprocessableEntity, "query is required")
		return req, false
	}
	if req.MaxResults <= 0 {
		req.MaxResults = defaultMaxResults
	}
	req.MaxResults = min(req.MaxResults, maxMaxResults)
	return req, true
}

// handleListDocuments answers GET /api/v1/documents/ with optional skip and
// limit query parameters (limit defaults to 100, at most 1000).
func (s *Server) handleListDocuments(w http.ResponseWriter, r *http.Request, _ string) {
	skip, err1 := intParam(r, "skip", 0)
	limit, err2 := intParam(r, "limit", defaultListLimit)
	if err := errors.Join(err1, err2); err != nil || skip < 0 || limit < 1 {
		writeDetail(w, http.StatusUnprocessableEntity, "skip and limit must be non-negative integers")
		return
	}
	if _, ok := s.work(r, routeDocuments); !ok {
		return
	}
	s.writeJSON(w, http.StatusOK, s.docs.list(skip, min(limit, maxListLimit), time.Now()))
}

// handleDocStatus answers GET /api/v1/documents/{id}: the document's
// metadata with its status, "indexing" or "ready"; 404 for an id never
// issued or forgotten.
func (s *Server) handleDocStatus(w http.ResponseWriter, r *http.Request, _ string) {
	if _, ok := s.work(r, routeDocStatus); !ok {
		return
	}
	id, _ := parseDocID(r.PathValue("id")) // 0 when malformed: unknown
	doc, ok := s.docs.get(id, time.Now())
	if !ok {
		writeDetail(w, http.StatusNotFound, "Document not found")
		return
	}
	s.stats.statusPolls.Add(1)
	s.writeJSON(w, http.StatusOK, doc)
}

// judgeDocRefs counts a query whose text names a document still indexing
// when r arrived (QueriesBeforeReady), or an unknown one
// (QueriesUnknownDoc).
func (s *Server) judgeDocRefs(r *http.Request, text string) {
	refs := docRefs(text)
	if len(refs) == 0 {
		return
	}
	at := arrival(r)
	var early, unknown bool
	for _, id := range refs {
		doc, ok := s.docs.get(id, at)
		unknown = unknown || !ok
		early = early || ok && doc.Status != statusReady
	}
	if early {
		s.stats.beforeReady.Add(1)
	}
	if unknown {
		s.stats.unknownDoc.Add(1)
	}
}

// intParam parses query parameter name, returning def when absent.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", name, err)
	}
	return n, nil
}

// handleUpload answers POST /api/v1/documents/upload. The multipart "file"
// part is counted and discarded; only its name and size are kept. An
// optional "title" field sets the title (default: file name sans extension).
// The document is "indexing" until Config.IndexDelay has passed.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request, _ string) {
	limit := s.cfg.MaxUploadBytes
	r.Body = http.MaxBytesReader(w, r.Body, limit+maxFormBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		writeDetail(w, http.StatusUnprocessableEntity, "expected multipart/form-data body")
		return
	}
	var (
		title, filename string
		size            int64
		found           bool
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.uploadError(w, err)
			return
		}
		switch part.FormName() {
		case "file":
			if found {
				continue
			}
			found, filename = true, part.FileName()
			if size, err = io.Copy(io.Discard, io.LimitReader(part, limit+1)); err != nil {
				s.uploadError(w, err)
				return
			}
			if size > limit {
				writeDetail(w, http.StatusRequestEntityTooLarge, "File too large")
				return
			}
		case "title":
			b, err := io.ReadAll(io.LimitReader(part, maxTitleBytes))
			if err != nil {
				s.uploadError(w, err)
				return
			}
			title = strings.TrimSpace(string(b))
		}
	}
	if !found {
		writeDetail(w, http.StatusUnprocessableEntity, "file is required")
		return
	}
	if filename == "" {
		filename = "untitled"
	}
	if _, ok := s.work(r, routeUpload); !ok {
		return
	}
	doc, err := s.docs.add(title, filename, size, time.Now())
	if err != nil {
		s.stats.overloaded.Add(1)
		writeDetail(w, http.StatusServiceUnavailable, "Indexing queue full")
		return
	}
	s.stats.uploads.Add(1)
	s.writeJSON(w, http.StatusCreated, doc)
}

// uploadError maps a body read error to a response.
func (s *Server) uploadError(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeDetail(w, http.StatusRequestEntityTooLarge, "File too large")
		return
	}
	s.logf("demo: read upload: %v", err)
	writeDetail(w, http.StatusUnprocessableEntity, "invalid multipart body")
}
