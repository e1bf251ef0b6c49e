package replay

import (
	"fmt"
	"math/rand/v2"
	"net/http"

	"github.com/ragload/ragload/targets"
)

// matcher maps the method and path of a logged request to a scenario
// endpoint, with its bodies prepared in advance.
type matcher struct {
	routes map[string]*route // "METHOD /path" (no query)
}

// route is a scenario endpoint compiled for replay.
type route struct {
	name   string
	auth   bool
	header http.Header // shared read-only by every entry
	bodies [][]byte    // one per question when the body uses it; none when there is no body
}

// newMatcher compiles the endpoints of sc (nil: none). Active endpoints
// come first, so when two share a route the one in the mix names it.
func newMatcher(sc *targets.Scenario) (*matcher, error) {
	m := &matcher{routes: map[string]*route{}}
	if sc == nil {
		return m, nil
	}
	var eps []targets.Endpoint
	eps = append(eps, sc.Active()...)
	for _, e := range sc.Endpoints {
		if e.Weight <= 0 {
			eps = append(eps, e)
		}
	}
	for _, e := range eps {
		k := e.Method + " " + stripQuery(e.Path)
		if m.routes[k] != nil {
			continue
		}
		rt, err := compileRoute(e, sc.Queries)
		if err != nil {
			return nil, err
		}
		m.routes[k] = rt
	}
	return m, nil
}

// compileRoute builds an endpoint's headers and bodies by the rules of the
// targets package: a JSON template gets Content-Type application/json and
// the question substituted into its strings (as a JSON string); a raw body
// gets it verbatim; imported bodies are sent as they are.
func compileRoute(e targets.Endpoint, queries []string) (*route, error) {
	if e.UsesQuery() && len(queries) == 0 {
		return nil, fmt.Errorf("endpoint %q: its body uses %s but the question pool is empty", e.Key, targets.QueryPlaceholder)
	}
	header, bodies, err := e.Prepare(queries)
	if err != nil {
		return nil, err
	}
	if len(header) == 0 {
		header = nil
	}
	return &route{name: e.Name, auth: e.Auth, header: header, bodies: bodies}, nil
}

// route returns the endpoint of a request, or nil.
func (m *matcher) route(method, target string) *route {
	return m.routes[method+" "+stripQuery(target)]
}

// entry builds the request for a logged method and target, drawing a body
// with rng when the endpoint has several.
func (m *matcher) entry(method, target string, rng *rand.Rand) Entry {
	rt := m.route(method, target)
	if rt == nil {
		return Entry{Endpoint: method + " " + stripQuery(target), Method: method, URL: target}
	}
	e := Entry{Endpoint: rt.name, Method: method, URL: target, Auth: rt.auth, Header: rt.header}
	switch n := len(rt.bodies); {
	case n == 1:
		e.Body = rt.bodies[0]
	case n > 1:
		e.Body = rt.bodies[rng.IntN(n)]
	}
	return e
}
