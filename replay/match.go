package replay

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"

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
	rt := &route{name: e.Name, auth: e.Auth, header: http.Header{}}
	for k, v := range e.Header {
		rt.header.Set(k, v)
	}
	needsQuery := containsPlaceholder(e.JSON) || strings.Contains(e.Body, targets.QueryPlaceholder)
	if needsQuery && len(queries) == 0 {
		return nil, fmt.Errorf("endpoint %q: its body uses %s but the question pool is empty", e.Key, targets.QueryPlaceholder)
	}
	switch {
	case e.JSON != nil:
		if rt.header.Get("Content-Type") == "" {
			rt.header.Set("Content-Type", "application/json")
		}
		if !needsQuery {
			queries = []string{""}
		}
		for _, q := range queries {
			b, err := json.Marshal(substitute(e.JSON, q))
			if err != nil {
				return nil, fmt.Errorf("endpoint %q: json body: %w", e.Key, err)
			}
			rt.bodies = append(rt.bodies, b)
		}
	case e.Body != "":
		if !needsQuery {
			rt.bodies = [][]byte{[]byte(e.Body)}
			break
		}
		for _, q := range queries {
			rt.bodies = append(rt.bodies, []byte(strings.ReplaceAll(e.Body, targets.QueryPlaceholder, q)))
		}
	case len(e.Bodies) > 0:
		rt.bodies = e.Bodies
	}
	if len(rt.header) == 0 {
		rt.header = nil
	}
	return rt, nil
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

// substitute returns a copy of the JSON template v with the placeholder in
// every string replaced by q (as targets does).
func substitute(v any, q string) any {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(t, targets.QueryPlaceholder, q)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = substitute(x, q)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = substitute(x, q)
		}
		return out
	}
	return v
}

func containsPlaceholder(v any) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, targets.QueryPlaceholder)
	case map[string]any:
		for _, x := range t {
			if containsPlaceholder(x) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if containsPlaceholder(x) {
				return true
			}
		}
	}
	return false
}
