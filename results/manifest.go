package results

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/results/internal/jsonfile"
)

// File names inside a run directory.
const (
	ManifestFile = "run.json"
	ResultsFile  = "results.bin"
)

// ManifestSchema identifies the manifest format; readers accept any
// manifest whose schema starts with "ragload.run/".
const ManifestSchema = "ragload.run/v1"

// Run statuses.
const (
	StatusRunning     = "running"
	StatusComplete    = "complete"
	StatusInterrupted = "interrupted"
	StatusFailed      = "failed"
)

// Manifest describes a run: what was planned, what happened, and how to
// judge it. It never holds secrets (no password, no token): the password
// of a target URL with userinfo (http://user:pw@host) is stored as
// "xxxxx" (see RedactURL).
//
// Warnings (omitted when there are none) are what ragload warned about
// before sending, e.g. that credentials went over plain HTTP to a host
// that is not loopback.
type Manifest struct {
	Schema string `json:"schema"`
	Tool   string `json:"tool"`
	Name   string `json:"name"` // Result.Attack of every result
	// RunID names the run the shards of one plan share; Shard is this
	// generator's part (nil when the plan was not spread).
	RunID    string       `json:"run_id,omitempty"`
	Shard    *ShardInfo   `json:"shard,omitempty"`
	Mode     string       `json:"mode"`   // attack | users | replay
	Target   string       `json:"target"` // userinfo redacted
	Warnings []string     `json:"warnings,omitempty"`
	Plan     Plan         `json:"plan"`
	Scenario ScenarioInfo `json:"scenario"`
	Auth     AuthInfo     `json:"auth"`
	Seed     uint64       `json:"seed"`

	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Started is the zero of the schedule: request n was due at
	// Started + its planned offset.
	Started time.Time `json:"started"`
	// ClockOffset is the server's clock minus this generator's, from the
	// Date header of its first login (one second resolution): shards
	// compare theirs to see whether their clocks agree.
	ClockOffset *Duration `json:"clock_offset,omitempty"`
	// StartAt is when sending was asked to start (--start-at), if it was.
	StartAt time.Time `json:"start_at,omitzero"`
	// SendEnded is when sending stopped (plan done or interrupted).
	SendEnded time.Time `json:"send_ended"`
	Ended     time.Time `json:"ended"`
	Planned   uint64    `json:"planned"`   // requests the plan called for
	Sent      uint64    `json:"sent"`      // requests sent
	Completed uint64    `json:"completed"` // results written
	// Dropped are the requests the plan called for that ragload did not
	// send (k6's dropped_iterations): never sent, so the server never saw
	// them, and not in the results file. nil when none were.
	Dropped *Drops `json:"dropped,omitempty"`

	// Generator is ragload's record of its own health during the run.
	Generator *GeneratorInfo `json:"generator,omitempty"`
	// Replay describes replays of a recorded stream (mode replay).
	Replay *ReplayInfo `json:"replay,omitempty"`
	// Users describes closed-loop runs (mode users); nil otherwise.
	Users *UsersInfo `json:"users,omitempty"`

	Thresholds []string `json:"thresholds"`
	Marks      []string `json:"marks"`
	// MinSamples, when set, replaces MinSamples(q) as the fewest samples a
	// percentile threshold is judged from (--min-samples).
	MinSamples uint64   `json:"min_samples,omitempty"`
	Results    []string `json:"results"` // results files, relative to the run directory
}

// ShardInfo is a generator's part of a plan spread over Count (Index from 0).
type ShardInfo struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ReplayInfo is the stream a replay played.
type ReplayInfo struct {
	Source   string   `json:"source"`
	Format   string   `json:"format"` // stream, access-log, vegeta
	Digest   string   `json:"digest"` // sha256 of the source file
	Requests int64    `json:"requests"`
	Skipped  int64    `json:"skipped,omitempty"` // bad lines left out
	Sorted   bool     `json:"sorted"`            // the source was in order
	Speed    float64  `json:"speed"`
	Loops    int      `json:"loops"`
	MaxGap   Duration `json:"max_gap,omitempty"`
}

// Plan is the load plan as recorded.
type Plan struct {
	// Description is the plan in words, e.g. "constant 50/s for 1m0s".
	Description string   `json:"description"`
	Kind        string   `json:"kind"`               // constant | ramp | stages | users
	Arrivals    string   `json:"arrivals,omitempty"` // poisson; empty for evenly spaced
	StartRate   float64  `json:"start_rate"`
	Stages      []Stage  `json:"stages,omitempty"`
	Duration    Duration `json:"duration"`
	Timeout     Duration `json:"timeout"`
	MaxWorkers  uint64   `json:"max_workers,omitempty"` // the cap on requests in flight
	// MaxLag is how late a request could leave before it was dropped.
	MaxLag Duration `json:"max_lag,omitempty"`
}

// Drops counts the requests a run dropped instead of sending, by why and
// by endpoint name.
type Drops struct {
	Total uint64 `json:"total"`
	// Late could not leave within the plan's max_lag of their due time:
	// the generator was that far behind its schedule.
	Late uint64 `json:"late"`
	// Capped were due while max_workers requests were in flight, and none
	// finished within max_lag.
	Capped    uint64            `json:"capped"`
	Endpoints map[string]uint64 `json:"endpoints,omitempty"`
}

// Add counts d's drops into ds.
func (ds *Drops) Add(d *Drops) {
	if d == nil {
		return
	}
	ds.Total += d.Total
	ds.Late += d.Late
	ds.Capped += d.Capped
	for name, n := range d.Endpoints {
		if ds.Endpoints == nil {
			ds.Endpoints = map[string]uint64{}
		}
		ds.Endpoints[name] += n
	}
}

// Stage is one piece of a piecewise-linear rate plan: the rate moves
// linearly to Target requests per second over Duration.
type Stage struct {
	Duration Duration `json:"duration"`
	Target   float64  `json:"target"`
}

// ScenarioInfo is the effective scenario, without secrets.
type ScenarioInfo struct {
	Name      string         `json:"name"`
	Source    string         `json:"source"`
	Endpoints []EndpointInfo `json:"endpoints"`
	Queries   int            `json:"queries"`
	// Checks are the display names of each endpoint's response checks, by
	// endpoint name, in order: a result's failed check indexes (checks.Recorded)
	// index its endpoint's list. nil when no endpoint has checks.
	Checks map[string][]string `json:"checks,omitempty"`
	// SLO is the scenario's objectives; nil when it has none.
	SLO *SLO `json:"slo,omitempty"`
	// Journeys are the scenario's journeys, in its order; nil when it has
	// none (then it sends endpoints by weight).
	Journeys []JourneyInfo `json:"journeys,omitempty"`
}

// JourneyInfo is one journey of the scenario: its name (the results'
// journey.Header), weight, and the endpoint names of its steps in order
// (EndpointInfo.Name).
type JourneyInfo struct {
	Name   string   `json:"name"`
	Weight int      `json:"weight"`
	Steps  []string `json:"steps"`
}

// EndpointInfo maps requests to an endpoint's names.
type EndpointInfo struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Weight int    `json:"weight"`
	Auth   bool   `json:"auth"`
	Stream string `json:"stream,omitempty"` // sse | chunked
	// Setup marks requests that are not the load: the logins of virtual
	// users. They have their own row, outside TOTAL and the verdict.
	Setup bool `json:"setup,omitempty"`
}

// setupEndpoints names the endpoints of m whose requests are setup, not
// load: those marked so, and the logins of users runs written before the
// mark existed.
func setupEndpoints(m *Manifest) map[string]bool {
	if m == nil {
		return nil
	}
	var names map[string]bool
	for _, e := range m.Scenario.Endpoints {
		if e.Setup || (m.Mode == "users" && e.Key == "login") {
			if names == nil {
				names = map[string]bool{}
			}
			names[e.Name] = true
		}
	}
	return names
}

// AuthInfo says how the run authenticated.
type AuthInfo struct {
	Mode          string `json:"mode"` // bearer | anonymous | none
	Users         int    `json:"users"`
	Logins        int64  `json:"logins"`
	Refreshes     int64  `json:"refreshes"`
	LoginFailures int64  `json:"login_failures"`
	Unauthorized  int64  `json:"unauthorized"`
}

// Duration is a time.Duration that reads and writes as "1m30s" in JSON.
type Duration time.Duration

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a Go duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var ns int64
		if err2 := json.Unmarshal(b, &ns); err2 != nil {
			return fmt.Errorf("duration: %w", err)
		}
		*d = Duration(ns)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return input.CutError(err) // it quotes s whole
	}
	*d = Duration(v)
	return nil
}

// WriteManifest writes m to dir/run.json atomically (a temporary file
// renamed into place), so a reader never sees half a manifest.
func WriteManifest(dir string, m *Manifest) error {
	if m.Schema == "" {
		m.Schema = ManifestSchema
	}
	m.Target = RedactURL(m.Target)
	return jsonfile.Write(dir, ManifestFile, "manifest", m)
}

// RedactURL returns s with the userinfo of the URL redacted, for storing
// and printing: "http://admin:pw@host" becomes "http://admin:xxxxx@host",
// and a lone user name, which may be a token ("https://TOKEN@host"),
// becomes "xxxxx". Other strings are returned as they are.
func RedactURL(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	u, err := url.Parse(s)
	if err == nil {
		switch {
		case u.User == nil:
			return s
		case hasPassword(u.User):
			return u.Redacted()
		}
		// A lone user name, or one with an empty password ("TOKEN:@host",
		// as curl -u TOKEN: sends), may be the token itself.
		u.User = url.User("xxxxx")
		return u.String()
	}
	// Not a URL Go can parse (a bad escape, say): cut the userinfo by hand.
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	if i := strings.LastIndex(host, "@"); i >= 0 {
		return scheme + "://xxxxx" + rest[i:]
	}
	return s
}

// hasPassword reports whether u has a password that is not empty.
func hasPassword(u *url.Userinfo) bool {
	pw, _ := u.Password()
	return pw != ""
}

// RedactURLs returns s, a message, with the userinfo of every URL in it
// ("scheme://user:pass@host" or "scheme://TOKEN@host") replaced by
// "xxxxx", as RedactURL writes a lone user name; the rest of s is kept.
// A URL's authority ends at "/", "?", "#", white space or a quote. It does
// not allocate when s has no "@".
func RedactURLs(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i + len("://")
		end := start + strings.IndexFunc(rest[start:], func(r rune) bool {
			return strings.ContainsRune("/?#\"'`<>", r) || unicode.IsSpace(r)
		})
		if end < start { // to the end of s
			end = len(rest)
		}
		at := strings.LastIndexByte(rest[start:end], '@')
		if at < 0 {
			b.WriteString(rest[:end])
			rest = rest[end:]
			continue
		}
		b.WriteString(rest[:start])
		b.WriteString("xxxxx")
		rest = rest[start+at:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// ReadManifest reads dir/run.json, of at most jsonfile.MaxBytes. A missing file
// is an error that errors.Is(err, fs.ErrNotExist) reports. The target's
// userinfo is redacted, as WriteManifest stores it, even in older files.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	b, err := jsonfile.Read(path, "a run.json")
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read manifest %q: %w", path, input.CutError(err))
	}
	m.Target = RedactURL(m.Target) // a file written before targets were redacted
	return &m, nil
}
