package replay

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
)

// Source yields the entries of a recording in non-decreasing Offset order;
// Next returns io.EOF after the last. Close releases its file.
type Source interface {
	Next() (Entry, error)
	Close() error
}

// Opener opens a fresh Source at the start of a recording. The
// constructors (OpenStream, FromAccessLog, FromVegeta) check the whole
// input once and return an Opener that reads it again, streaming, each time
// it is called: Scaled calls it once per loop.
type Opener func() (Source, error)

// Info describes what an Opener's sources yield.
type Info struct {
	// Format is what was read: "stream", "combined", "jsonl", "vegeta-http"
	// or "vegeta-json".
	Format string
	// Count is the number of entries a source yields (per loop).
	Count int64
	// Duration is the offset of the last entry.
	Duration time.Duration
	// Endpoints are the distinct endpoints seen (name, method, path without
	// query), at most MaxEndpoints, in order of first appearance. Key is a
	// slug of the name ("/query (basic)" → "query_basic"), Weight the number
	// of entries (per cycle of the targets for FromVegeta), Auth whether any
	// of them carried credentials. Reports group results by them; an
	// unnamed entry is named "METHOD /path".
	Endpoints []results.EndpointInfo
	// Digest is the SHA-256 of the input file, "sha256:<hex>".
	Digest string
	// Skipped counts the malformed lines left out (with skipBad), and
	// BadLine describes the first of them.
	Skipped int64
	BadLine string
	// Sorted reports whether the input was already in time order. When it
	// was not (GoReplay writes slightly out-of-order files), the source
	// sorts it: stably, through an index of 16 bytes a line.
	Sorted bool
	// Notes say what the import did that the user should know (vegeta
	// targets: credentials dropped, logins added).
	Notes []string
	// Sessions counts the entries that belong to a session (a recorded
	// journey, Entry.Session); 0 for a stream of independent requests.
	Sessions int64
	// Journeys are the journeys the sessions belong to, in order of first
	// appearance (at most targets.MaxJourneys): Weight counts the sessions
	// whose step 0 the stream holds, Steps names the endpoint of each step
	// seen (first seen), up to the highest.
	Journeys []results.JourneyInfo
}

// MaxEndpoints bounds Info.Endpoints: an access log with an ID in every
// path would otherwise list every request. Requests of endpoints past it
// are still replayed; reports name them "METHOD /path".
const MaxEndpoints = 1000

// journeySet collects the journeys of a recording's sessions.
type journeySet struct {
	n    int64
	list []results.JourneyInfo
}

func (s *journeySet) add(e *Entry) {
	if e.Session == "" {
		return
	}
	s.n++
	name := SessionJourney(e.Session)
	i := slices.IndexFunc(s.list, func(j results.JourneyInfo) bool { return j.Name == name })
	if i < 0 {
		if len(s.list) >= targets.MaxJourneys {
			return
		}
		i = len(s.list)
		s.list = append(s.list, results.JourneyInfo{Name: name})
	}
	j := &s.list[i]
	if e.Step == 0 {
		j.Weight++
	}
	for len(j.Steps) <= e.Step {
		j.Steps = append(j.Steps, "")
	}
	if j.Steps[e.Step] == "" {
		j.Steps[e.Step] = e.Endpoint
		if e.Endpoint == "" {
			j.Steps[e.Step] = e.Method + " " + e.Route()
		}
	}
}

// endpointSet collects the distinct endpoints of a recording.
type endpointSet struct {
	index map[string]int // name + method + path -> position in list
	keys  map[string]bool
	list  []results.EndpointInfo
}

func (s *endpointSet) add(name, method, rawURL string, auth bool) {
	path := stripQuery(rawURL)
	if name == "" {
		name = method + " " + path
	}
	id := name + "\x00" + method + "\x00" + path
	if i, ok := s.index[id]; ok {
		s.list[i].Weight++
		s.list[i].Auth = s.list[i].Auth || auth
		return
	}
	if len(s.list) >= MaxEndpoints {
		return
	}
	if s.index == nil {
		s.index, s.keys = map[string]int{}, map[string]bool{}
	}
	key := targets.Slug(name)
	if key == "" {
		key = "endpoint"
	}
	s.index[id] = len(s.list)
	s.list = append(s.list, results.EndpointInfo{
		Key: targets.UniqueKey(s.keys, key), Name: name, Method: method, Path: path, Weight: 1, Auth: auth,
	})
}

// EndpointKeys returns what gives the key of an entry's endpoint among
// endpoints (an Info's): the endpoint of the same name, method and route
// (Entry.Route); "" for one past MaxEndpoints.
func EndpointKeys(endpoints []results.EndpointInfo) func(*Entry) string {
	keys := make(map[string]string, len(endpoints))
	for _, ep := range endpoints {
		keys[ep.Name+"\x00"+ep.Method+"\x00"+ep.Path] = ep.Key
	}
	return func(e *Entry) string {
		route := e.Route()
		name := e.Endpoint
		if name == "" {
			name = e.Method + " " + route
		}
		return keys[name+"\x00"+e.Method+"\x00"+route]
	}
}

// stripQuery returns the path of a path-and-query URL (also dropping a
// fragment).
func stripQuery(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if u == "" {
		return "/"
	}
	return u
}

// Choice is the recording to replay, one of Stream, AccessLog and Vegeta,
// and how to play it.
type Choice struct {
	Stream    string // a stream file (OpenStream)
	AccessLog string // an access log (FromAccessLog, with Seed)
	Vegeta    string // a vegeta targets file (FromVegeta, with the fields below)

	VegetaFormat string // "http" or "json"; "": from the file's extension
	Rate         float64
	Duration     time.Duration
	Seed         uint64
	SkipBad      bool
	// Scenario is called for access logs and vegeta targets, whose
	// requests are matched to its endpoints.
	Scenario func() (*targets.Scenario, error)

	Speed  float64 // as Scaled takes them
	MaxGap time.Duration
	Loops  int
}

// Open opens c's recording, scaled as c says. It returns its path (the
// run's source) beside the Opener and its Info.
func Open(c Choice) (Opener, Info, string, error) {
	var (
		open Opener
		info Info
		err  error
	)
	name := c.Stream + c.AccessLog + c.Vegeta
	switch {
	case name != c.Stream && name != c.AccessLog && name != c.Vegeta, name == "":
		return nil, info, "", errors.New("replay: give one of a stream, an access log or vegeta targets")
	case c.Stream != "":
		open, info, err = OpenStream(c.Stream, c.SkipBad)
	default:
		sc, serr := c.Scenario()
		switch {
		case serr != nil:
			return nil, info, "", serr
		case c.AccessLog != "":
			open, info, err = FromAccessLog(c.AccessLog, sc, c.Seed, c.SkipBad)
		default:
			open, info, err = FromVegeta(c.Vegeta, c.VegetaFormat, c.Rate, c.Duration, sc)
		}
	}
	if err == nil {
		open, info, err = Scaled(open, info, c.Speed, c.MaxGap, c.Loops)
	}
	if err != nil {
		return nil, info, "", err
	}
	return open, info, name, nil
}
