package demo

import (
	"path"
	"strings"
	"sync"
	"time"
)

// maxStoredUploads bounds how many uploaded documents are remembered; the
// oldest upload is forgotten first. Seeded documents are always kept.
const maxStoredUploads = 1000

// document is the metadata kept for a document; content is never stored.
type document struct {
	ID         int64  `json:"id"`
	Title      string `json:"title"`
	Filename   string `json:"filename"`
	Size       int64  `json:"size"`
	UploadedAt string `json:"uploaded_at"`
}

// seedDocuments are present in every Server.
var seedDocuments = []document{
	{1, "Employee Handbook 2025", "Employee Handbook 2025.pdf", 482133, "2025-01-06T09:12:44Z"},
	{2, "Kubernetes Operations Runbook", "Kubernetes Operations Runbook.md", 96412, "2025-02-17T14:03:10Z"},
	{3, "Q3 Security Incident Postmortem", "Q3 Security Incident Postmortem.docx", 153870, "2025-03-02T11:45:00Z"},
	{4, "API Rate Limiting Design", "API Rate Limiting Design.md", 41288, "2025-03-21T16:20:31Z"},
	{5, "Customer Onboarding Guide", "Customer Onboarding Guide.pdf", 1204551, "2025-04-08T08:30:12Z"},
	{6, "Data Retention Policy", "Data Retention Policy.pdf", 218004, "2025-05-14T13:57:49Z"},
	{7, "PostgreSQL Backup and Restore Procedures", "PostgreSQL Backup and Restore Procedures.md", 67309, "2025-06-30T10:05:26Z"},
}

// docStore holds seeded and uploaded document metadata.
type docStore struct {
	mu      sync.RWMutex
	uploads []document // oldest first, at most maxStoredUploads
	nextID  int64
}

func newDocStore() *docStore {
	return &docStore{nextID: int64(len(seedDocuments)) + 1}
}

// add records an uploaded file and returns its metadata.
func (d *docStore) add(title, filename string, size int64, now time.Time) document {
	if title == "" {
		title = strings.TrimSuffix(filename, path.Ext(filename))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	doc := document{
		ID:         d.nextID,
		Title:      title,
		Filename:   filename,
		Size:       size,
		UploadedAt: now.UTC().Format(time.RFC3339),
	}
	d.nextID++
	if len(d.uploads) >= maxStoredUploads {
		d.uploads = append(d.uploads[:0], d.uploads[1:]...)
	}
	d.uploads = append(d.uploads, doc)
	return doc
}

// list returns documents newest first, skipping skip and returning at most
// limit entries.
func (d *docStore) list(skip, limit int) []document {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]document, 0, min(limit, len(d.uploads)+len(seedDocuments)))
	i := 0
	emit := func(doc document) bool {
		if i >= skip {
			out = append(out, doc)
		}
		i++
		return len(out) < limit
	}
	for k := len(d.uploads) - 1; k >= 0; k-- {
		if !emit(d.uploads[k]) {
			return out
		}
	}
	for k := len(seedDocuments) - 1; k >= 0; k-- {
		if !emit(seedDocuments[k]) {
			return out
		}
	}
	return out
}
