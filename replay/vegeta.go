package replay

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/targets"
)

// FromVegeta reads a vegeta targets file, in vegeta's "http" or "json"
// format ("" picks json for a .json file, http otherwise), with vegeta's
// own parsers, and returns an Opener of a stream at a constant rate: entry
// n is due at n/rate, cycling through the targets in file order, for
// duration (entries due before it: ⌈rate × duration⌉). Each entry's URL is
// the path and query of the target's URL (the base URL of the run replaces
// scheme and host), its headers are the target's without credentials, and
// its endpoint is "METHOD /path". A target whose method and path are an
// endpoint of sc (nil: none) takes that endpoint's name. Auth is set when
// the target had an Authorization header (dropped: the replay logs in and
// sends its own token) or is one of sc's authenticated endpoints: vegeta
// targets exported without tokens (ragload targets --export) log in as
// the scenario would. Info.Notes says what was done. The file is read by targets.ReadVegeta: in the http
// format a relative @body path is read next to the targets file, or else
// from the working directory (as vegeta does), and the file and its body
// files may not exceed targets.MaxVegetaBytes together. The targets are
// held in memory; the stream is generated as it is read.
func FromVegeta(path, format string, rate float64, duration time.Duration, sc *targets.Scenario) (Opener, Info, error) {
	if format == "" {
		format = vegeta.HTTPTargetFormat
		if strings.EqualFold(filepath.Ext(path), ".json") {
			format = vegeta.JSONTargetFormat
		}
	}
	if format != vegeta.HTTPTargetFormat && format != vegeta.JSONTargetFormat {
		return nil, Info{}, fmt.Errorf("vegeta format %s isn't one of [%s]", input.Quote(format), strings.Join(vegeta.TargetFormats, " "))
	}
	if !(rate > 0) || math.IsInf(rate, 0) {
		return nil, Info{}, fmt.Errorf("rate %g must be > 0", rate)
	}
	if duration <= 0 {
		return nil, Info{}, fmt.Errorf("duration %s must be > 0", duration)
	}
	hits := math.Ceil(rate*duration.Seconds() - 1e-9)
	if hits > 1<<53 {
		return nil, Info{}, fmt.Errorf("rate %g for %s is too many requests", rate, duration)
	}
	count := max(int64(hits), 1)
	vt, err := targets.ReadVegeta(path, format)
	if err != nil {
		return nil, Info{}, err
	}
	tmpl, err := vegetaEntries(path, vt)
	if err != nil {
		return nil, Info{}, err
	}
	m, err := newMatcher(sc)
	if err != nil {
		return nil, Info{}, fmt.Errorf("scenario %s: %w", input.Quote(sc.Name), err)
	}
	notes := vegetaAuth(path, tmpl, m)
	var eps endpointSet
	for _, e := range tmpl {
		eps.add(e.Endpoint, e.Method, e.URL, e.Auth)
	}
	info := Info{
		Format: "vegeta-" + vt.Format, Count: count, Duration: vegetaOffset(count-1, rate),
		Endpoints: eps.list, Digest: vt.Digest, Sorted: true, Notes: notes,
	}
	open := func() (Source, error) { return &cycleSource{tmpl: tmpl, rate: rate, count: count}, nil }
	return open, info, nil
}

// vegetaAuth names the targets of tmpl that are endpoints of m's scenario
// after them, and marks those that need a login: the targets that had an
// Authorization header, and those of the scenario's authenticated
// endpoints. It returns notes of what it did, for the user.
func vegetaAuth(path string, tmpl []Entry, m *matcher) []string {
	dropped := 0
	var stamped []string // the endpoints that get a token they did not carry
	n := 0
	for i := range tmpl {
		e := &tmpl[i]
		if e.Auth {
			dropped++
		}
		rt := m.route(e.Method, e.URL)
		if rt == nil {
			continue
		}
		e.Endpoint = rt.name
		if rt.auth && !e.Auth {
			e.Auth = true
			n++
			if !slices.Contains(stamped, rt.name) {
				stamped = append(stamped, rt.name)
			}
		}
	}
	var notes []string
	if dropped > 0 {
		notes = append(notes, fmt.Sprintf("%s: dropped the Authorization header of %d targets: ragload logs in itself and sends its own token", path, dropped))
	}
	if n > 0 {
		notes = append(notes, fmt.Sprintf("%s: %d targets without an Authorization header are the scenario's authenticated endpoints (%s): ragload logs in and sends its token to them",
			path, n, strings.Join(stamped, ", ")))
	}
	return notes
}

func vegetaOffset(n int64, rate float64) time.Duration {
	return time.Duration(float64(n) / rate * float64(time.Second))
}

// vegetaEntries turns each target into an entry without offset.
func vegetaEntries(path string, vt *targets.VegetaTargets) ([]Entry, error) {
	out := make([]Entry, 0, len(vt.Targets))
	for i, t := range vt.Targets {
		e, err := vegetaEntry(t)
		if err != nil {
			return nil, &targets.FileError{File: path, Line: vt.Lines[i], Err: fmt.Errorf("target %d: %w", i+1, err)}
		}
		out = append(out, e)
	}
	return out, nil
}

func vegetaEntry(t vegeta.Target) (Entry, error) {
	u, err := url.Parse(t.URL)
	if err != nil {
		return Entry{}, &fieldError{"url", fmt.Errorf("%s: %w", input.Quote(t.URL), input.CutError(errors.Unwrap(err)))}
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	auth := false
	for k := range t.Header {
		auth = auth || strings.EqualFold(k, "Authorization")
	}
	var h http.Header
	if len(t.Header) > 0 {
		h = make(http.Header, len(t.Header))
		for k, vs := range t.Header {
			h[http.CanonicalHeaderKey(k)] = vs
		}
		if h = StripCredentials(h); len(h) == 0 {
			h = nil
		}
	}
	var body []byte
	if len(t.Body) > 0 {
		body = t.Body
	}
	e := Entry{Endpoint: t.Method + " " + stripQuery(p), Method: t.Method, URL: p, Auth: auth, Header: h, Body: body}
	return e, e.validate()
}

// cycleSource hands out the targets in turn at a constant rate.
type cycleSource struct {
	tmpl  []Entry
	rate  float64
	count int64
	n     int64
}

func (c *cycleSource) Next() (Entry, error) {
	if c.n >= c.count {
		return Entry{}, io.EOF
	}
	e := c.tmpl[c.n%int64(len(c.tmpl))]
	e.Offset = vegetaOffset(c.n, c.rate)
	c.n++
	return e, nil
}

func (c *cycleSource) Close() error { return nil }
