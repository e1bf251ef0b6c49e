package demo

import (
	"errors"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxStoredUploads bounds how many ready uploaded documents are
// remembered; the oldest upload is forgotten first. Seeded documents are
// always kept, and so is every document still indexing, up to
// maxIndexing.
const maxStoredUploads = 1000

// maxIndexing bounds the uploads remembered, ready or not: beyond it (that
// many documents indexing at once) an upload is refused with 503.
const maxIndexing = 100_000

// errIndexingFull is returned by docStore.add when maxIndexing documents
// are remembered and none can be forgotten.
var errIndexingFull = errors.New("indexing queue full")

// Document statuses.
const (
	statusIndexing = "indexing"
	statusReady    = "ready"
)

// docPrefix starts every document id: "doc-<n>", n from 1.
const docPrefix = "doc-"

// docID numbers a document; it reads and writes as "doc-<n>" in JSON.
type docID int64

func (id docID) String() string { return docPrefix + strconv.FormatInt(int64(id), 10) }

// MarshalJSON writes id as "doc-<n>".
func (id docID) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, id.String()), nil
}

// UnmarshalJSON reads "doc-<n>" (tests decode responses with it).
func (id *docID) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return errors.New("document id: want a string")
	}
	n, ok := parseDocID(s)
	if !ok {
		return errors.New(`document id: want "doc-<n>"`)
	}
	*id = n
	return nil
}

// parseDocID reads "doc-<n>" as written by docID.String: n from 1, in
// decimal without leading zeros or sign.
func parseDocID(s string) (docID, bool) {
	digits, ok := strings.CutPrefix(s, docPrefix)
	if !ok || digits == "" || len(digits) > 18 || digits[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 1 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	return docID(n), true
}

// document is the metadata kept for a document; content is never stored.
type document struct {
	ID         docID  `json:"id"`
	Title      string `json:"title"`
	Filename   string `json:"filename"`
	Size       int64  `json:"size"`
	UploadedAt string `json:"uploaded_at"`
	// Status is "indexing" or "ready", filled in when the document is
	// read out (statusAt).
	Status string `json:"status"`

	readyAt time.Time // zero for seeded documents
}

// statusAt returns d with Status as of now.
func (d document) statusAt(now time.Time) document {
	d.Status = statusReady
	if now.Before(d.readyAt) {
		d.Status = statusIndexing
	}
	return d
}

// seedDocuments are present, ready, in every Server.
var seedDocuments = []document{
	{ID: 1, Title: "Employee Handbook 2025", Filename: "Employee Handbook 2025.pdf", Size: 482133, UploadedAt: "2025-01-06T09:12:44Z"},
	{ID: 2, Title: "Kubernetes Operations Runbook", Filename: "Kubernetes Operations Runbook.md", Size: 96412, UploadedAt: "2025-02-17T14:03:10Z"},
	{ID: 3, Title: "Q3 Security Incident Postmortem", Filename: "Q3 Security Incident Postmortem.docx", Size: 153870, UploadedAt: "2025-03-02T11:45:00Z"},
	{ID: 4, Title: "API Rate Limiting Design", Filename: "API Rate Limiting Design.md", Size: 41288, UploadedAt: "2025-03-21T16:20:31Z"},
	{ID: 5, Title: "Customer Onboarding Guide", Filename: "Customer Onboarding Guide.pdf", Size: 1204551, UploadedAt: "2025-04-08T08:30:12Z"},
	{ID: 6, Title: "Data Retention Policy", Filename: "Data Retention Policy.pdf", Size: 218004, UploadedAt: "2025-05-14T13:57:49Z"},
	{ID: 7, Title: "PostgreSQL Backup and Restore Procedures", Filename: "PostgreSQL Backup and Restore Procedures.md", Size: 67309, UploadedAt: "2025-06-30T10:05:26Z"},
}

// docStore holds seeded and uploaded document metadata.
type docStore struct {
	delay   time.Duration // from upload to ready
	mu      sync.RWMutex
	uploads []document // oldest first, with consecutive ids
	nextID  docID
}

func newDocStore(delay time.Duration) *docStore {
	return &docStore{delay: delay, nextID: docID(len(seedDocuments)) + 1}
}

// add records an uploaded file, indexing until now + the store's delay,
// and returns its metadata as of now. It forgets the oldest ready uploads
// beyond maxStoredUploads, and returns errIndexingFull, recording
// nothing, when maxIndexing uploads are remembered none of which is ready.
func (d *docStore) add(title, filename string, size int64, now time.Time) (document, error) {
	if title == "" {
		title = strings.TrimSuffix(filename, path.Ext(filename))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.uploads) >= maxStoredUploads && !now.Before(d.uploads[0].readyAt) {
		d.uploads[0] = document{}
		d.uploads = d.uploads[1:] // append reallocates: memory stays bounded
	}
	if len(d.uploads) >= maxIndexing {
		return document{}, errIndexingFull
	}
	doc := document{
		ID:         d.nextID,
		Title:      title,
		Filename:   filename,
		Size:       size,
		UploadedAt: now.UTC().Format(time.RFC3339),
		readyAt:    now.Add(d.delay),
	}
	d.nextID++
	d.uploads = append(d.uploads, doc)
	return doc.statusAt(now), nil
}

// get returns document id as of now, or false when it is unknown (never
// uploaded, or forgotten).
func (d *docStore) get(id docID, now time.Time) (document, bool) {
	if id >= 1 && int(id) <= len(seedDocuments) {
		return seedDocuments[id-1].statusAt(now), true
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if len(d.uploads) == 0 {
		return document{}, false
	}
	k := int64(id) - int64(d.uploads[0].ID)
	if k < 0 || k >= int64(len(d.uploads)) {
		return document{}, false
	}
	return d.uploads[k].statusAt(now), true
}

// list returns documents newest first as of now, skipping skip and
// returning at most limit entries.
func (d *docStore) list(skip, limit int, now time.Time) []document {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]document, 0, min(limit, len(d.uploads)+len(seedDocuments)))
	i := 0
	emit := func(doc document) bool {
		if i >= skip {
			out = append(out, doc.statusAt(now))
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

// maxDocRefs bounds how many document ids of one query are looked up.
const maxDocRefs = 16

// docRefs returns the document ids ("doc-<n>", as a word: not preceded
// or followed by a letter, digit, '_' or '-') that text names, at most
// maxDocRefs of them. Ids that parseDocID refuses ("doc-0", "doc-007")
// are returned as 0, which no document has.
func docRefs(text string) []docID {
	var out []docID
	for i := 0; len(out) < maxDocRefs; {
		j := strings.Index(text[i:], docPrefix)
		if j < 0 {
			break
		}
		start := i + j
		end := start + len(docPrefix)
		for end < len(text) && text[end] >= '0' && text[end] <= '9' {
			end++
		}
		i = start + len(docPrefix)
		if end == i || (start > 0 && wordByte(text[start-1])) || (end < len(text) && wordByte(text[end])) {
			continue
		}
		id, _ := parseDocID(text[start:end]) // 0 when refused
		out = append(out, id)
		i = end
	}
	return out
}

// wordByte reports whether b continues a document id's word.
func wordByte(b byte) bool {
	return b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
