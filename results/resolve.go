package results

import (
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Resolver names the endpoint of a result: by the scenario's method and
// path when the manifest lists endpoints, by a "#key" URL fragment (which
// never reaches the server) when two endpoints share a method and path,
// and as "METHOD /path" for foreign vegeta files.
type Resolver struct {
	byRoute map[string]string // "METHOD /path" -> name
	byKey   map[string]string // key -> name
	cache   map[string]map[string]string
}

// NewResolver returns a Resolver for the endpoints (which may be empty).
func NewResolver(endpoints []EndpointInfo) *Resolver {
	rs := &Resolver{byRoute: map[string]string{}, byKey: map[string]string{}, cache: map[string]map[string]string{}}
	for _, e := range endpoints {
		rs.byRoute[e.Method+" "+e.Path] = e.Name
		rs.byKey[e.Key] = e.Name
	}
	return rs
}

// NewResolverFor returns the Resolver of a run (m may be nil). When the
// target has a path (https://host/api), requests went to that path plus the
// endpoint's, so both routes name the endpoint.
func NewResolverFor(m *Manifest) *Resolver {
	if m == nil {
		return NewResolver(nil)
	}
	rs := NewResolver(m.Scenario.Endpoints)
	if strings.Contains(m.Target, "://") {
		prefix, _ := splitURL(m.Target)
		if prefix = strings.TrimRight(prefix, "/"); prefix != "" {
			for _, e := range m.Scenario.Endpoints {
				rs.byRoute[e.Method+" "+prefix+e.Path] = e.Name
			}
		}
	}
	return rs
}

// Name returns the endpoint name of r. Not safe for concurrent use.
func (rs *Resolver) Name(r *vegeta.Result) string {
	byURL := rs.cache[r.Method]
	if name, ok := byURL[r.URL]; ok {
		return name
	}
	if byURL == nil {
		byURL = map[string]string{}
		rs.cache[r.Method] = byURL
	}
	name := rs.resolve(r.Method, r.URL)
	if len(byURL) < 10000 { // bound the cache for files with unique URLs
		byURL[r.URL] = name
	}
	return name
}

func (rs *Resolver) resolve(method, rawURL string) string {
	path, frag := splitURL(rawURL)
	if name, ok := rs.byKey[frag]; ok && frag != "" {
		return name
	}
	if name, ok := rs.byRoute[method+" "+path]; ok {
		return name
	}
	if method == "" {
		method = "GET"
	}
	return method + " " + path
}

// RequestURI is u without its scheme and host: "http://h:8000/a?b#c" is
// "/a?b#c" and "http://h" is "/". Anything without "://" is returned as it
// is. Runs store their results' URLs in this form.
func RequestURI(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return u
	}
	u = u[i+3:]
	// The host ends at the first '/', '?' or '#'.
	switch j := strings.IndexAny(u, "/?#"); {
	case j < 0:
		return "/"
	case u[j] != '/':
		return "/" + u[j:]
	default:
		return u[j:]
	}
}

// splitURL returns the path (without query) and the fragment of a URL,
// without the cost of url.Parse.
func splitURL(u string) (path, fragment string) {
	u = RequestURI(u)
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, fragment = u[:i], u[i+1:]
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	if u == "" {
		u = "/"
	}
	return u, fragment
}
