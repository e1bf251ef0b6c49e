package attack

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
)

// capture records every request of a run into a replay stream: method,
// path and query, headers without those that may carry secrets
// (replay.StripSecrets), body, and when it left.
// For open-model attacks it sits in the HTTP transport, where vegeta's
// requests carry their sequence number; the result then gives the send
// time and the recorder writes the entries in that order.
type capture struct {
	rec  *replay.Recorder
	name *lockedResolver // virtual users name their requests concurrently

	mu      sync.Mutex
	pending map[uint64]replay.Entry
	base    http.RoundTripper
}

func newCapture(rec *replay.Recorder, m *results.Manifest) *capture {
	return &capture{rec: rec, name: &lockedResolver{rs: results.NewResolverFor(m)}, pending: map[uint64]replay.Entry{}}
}

// lockedResolver is a results.Resolver (whose cache is a plain map) safe
// for concurrent use.
type lockedResolver struct {
	mu sync.Mutex
	rs *results.Resolver
}

// Name returns the endpoint name of r.
func (l *lockedResolver) Name(r *vegeta.Result) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rs.Name(r)
}

// wrap returns a copy of client whose transport captures requests.
func (c *capture) wrap(client *http.Client) *http.Client {
	cp := *client
	c.base = client.Transport
	cp.Transport = c
	return &cp
}

// entry describes req; body is its body (vegeta's are in memory).
func entryOf(req *http.Request, body []byte) replay.Entry {
	return replay.Entry{
		Method: req.Method, URL: req.URL.RequestURI(), Auth: req.Header.Get("Authorization") != "",
		Header: replay.StripSecrets(req.Header.Clone()), Body: body,
	}
}

// RoundTrip implements http.RoundTripper.
func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	if seq, err := strconv.ParseUint(req.Header.Get("X-Vegeta-Seq"), 10, 64); err == nil {
		var body []byte
		if req.GetBody != nil {
			if rc, err := req.GetBody(); err == nil {
				body, _ = io.ReadAll(rc)
				rc.Close()
			}
		}
		e := entryOf(req, body)
		c.mu.Lock()
		c.pending[seq] = e
		c.mu.Unlock()
	}
	return c.base.RoundTrip(req)
}

// record writes the request of result r, sent at r.Timestamp of a run that
// began at began; a result without a request (it failed before it was
// sent) is skipped, so the stream stays in order.
func (c *capture) record(r *vegeta.Result, began time.Time) error {
	c.mu.Lock()
	e, ok := c.pending[r.Seq]
	delete(c.pending, r.Seq)
	c.mu.Unlock()
	if !ok {
		c.rec.Skip(r.Seq)
		return nil
	}
	e.Offset = max(r.Timestamp.Sub(began), 0)
	e.Endpoint = c.name.Name(r)
	return c.rec.Add(r.Seq, e)
}

// CreateRecording creates a new stream file for a run's Setup.Record, private (mode
// 0600: a request's body or a header that no rule knows may still be
// sensitive); it refuses to overwrite one.
func CreateRecording(path string) (*replay.Recorder, func() error, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, err
	}
	rec := replay.NewRecorder(f)
	return rec, func() error {
		err := rec.Close()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("recording %s: %w", path, err)
		}
		return nil
	}, nil
}
