package attack

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
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

// held is the recorded request of a journey step, kept back until its
// response is in: its entry then says what the step saved and whether the
// journey ended there (replay.Entry's Session, Step, Saves, Uses, End).
type held struct {
	seq uint64
	e   replay.Entry
	ok  bool // the request was sent: its entry is to be recorded
}

// add records h's entry (if its request was sent); an error is also put
// in r, the step's result.
func (c *capture) add(h *held, r *vegeta.Result) error {
	if h == nil || !h.ok {
		return nil
	}
	err := c.rec.Add(h.seq, h.e)
	if err != nil {
		r.Error = "record: " + err.Error()
	}
	return err
}

// uses returns the values of vars that a step's request puts in (names),
// by variable; those saved from a source that looks secret (secret says
// which: usersRun.secretVars) have their placeholder (secretPlaceholder)
// instead, as the recorded request does (redactEntry). nil when it uses none.
func (c *capture) uses(names []string, vars targets.Vars, secret []string) map[string]string {
	var out map[string]string
	for _, n := range names {
		if v, ok := vars[n]; ok {
			if out == nil {
				out = make(map[string]string, len(names))
			}
			if slices.Contains(secret, n) {
				v = secretPlaceholder(n)
			}
			out[n] = v
		}
	}
	return out
}

// secretVars returns the variables of jr saved from a source that looks
// secret (replay.SecretSource, with the scenario's secret headers): their
// values stay out of the results and the recording.
func (u *usersRun) secretVars(jr *targets.Journey) []string {
	var secret []string
	for _, st := range jr.Steps {
		for _, sv := range st.Save {
			if replay.SecretSource(sv.From, u.job.Options.SecretHeaders...) && !slices.Contains(secret, sv.Var) {
				secret = append(secret, sv.Var)
			}
		}
	}
	return secret
}

// secretValues returns the values vars holds of the variables secret names.
func secretValues(secret []string, vars targets.Vars) []string {
	var out []string
	for _, n := range secret {
		if v := vars[n]; v != "" {
			out = append(out, v)
		}
	}
	return out
}

// secretPlaceholder stands in a recorded request for the value of the
// secret variable name; it reads the same escaped in a path, a query or
// a JSON string, so a replay finds it (replay.Entry.Substitute) and puts
// its own server's value there.
func secretPlaceholder(name string) string { return "ragload-secret-" + name }

// redactEntry replaces in e the values of the secret variables (as vars
// held them when the request was made) with their placeholders, where a
// journey writes them (targets.Journeys.Target): escaped as a path
// segment before the "?", as a query value after it, inside a JSON
// string in a JSON body (else as they are), as they are in headers. Any
// other form of them left (hidden: their values) is masked as "***".
func redactEntry(e *replay.Entry, secret []string, vars targets.Vars, hidden []string) {
	var path, query, body, raw []string
	jsonBody := json.Valid(e.Body)
	for _, n := range secret {
		v := vars[n]
		if v == "" {
			continue
		}
		ph := secretPlaceholder(n)
		path = append(path, url.PathEscape(v), ph)
		query = append(query, url.QueryEscape(v), ph)
		raw = append(raw, v, ph)
		if jsonBody {
			b, _ := json.Marshal(v)
			body = append(body, string(b[1:len(b)-1]), ph)
		} else {
			body = append(body, v, ph)
		}
	}
	p, q, hasQuery := strings.Cut(e.URL, "?")
	e.URL = strings.NewReplacer(path...).Replace(p)
	if hasQuery {
		e.URL += "?" + strings.NewReplacer(query...).Replace(q)
	}
	e.URL = auth.Mask(e.URL, hidden...)
	if len(e.Body) > 0 {
		e.Body = []byte(auth.Mask(strings.NewReplacer(body...).Replace(string(e.Body)), hidden...))
	}
	if len(e.Header) > 0 {
		rp := strings.NewReplacer(raw...)
		h := make(http.Header, len(e.Header))
		for k, vs := range e.Header {
			nv := make([]string, len(vs))
			for i, v := range vs {
				nv[i] = auth.Mask(rp.Replace(v), hidden...)
			}
			h[k] = nv
		}
		e.Header = h
	}
}

// savesOf returns the saves a step's response gave vars: all of them when
// err (SaveFrom's) is nil, else those before the missing one.
func savesOf(saves []targets.Save, vars targets.Vars, err error) []replay.Save {
	var missing *targets.MissingVarError
	errors.As(err, &missing)
	var out []replay.Save
	for _, s := range saves {
		if missing != nil && s.Var == missing.Var {
			break
		}
		out = append(out, replay.Save{Var: s.Var, From: s.From, Value: vars[s.Var]})
	}
	return out
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
