package replay

import (
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
}

// MaxEndpoints bounds Info.Endpoints: an access log with an ID in every
// path would otherwise list every request. Requests of endpoints past it
// are still replayed; reports name them "METHOD /path".
const MaxEndpoints = 1000

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
