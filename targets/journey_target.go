package targets

// Journeys compiled for sending: each step's request split at load time
// into literal parts and variables, so that filling a target is appends
// and map lookups, without parsing or regular expressions.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Journeys is a scenario's journeys compiled against a base URL;
// read-only after NewJourneys, safe for concurrent use. Randomness comes
// from the caller's generator.
type Journeys struct {
	list  []Journey
	steps [][]*stepRequest
	cum   []int // cumulative weights
	total int
}

// stepRequest is one step's request, ready to fill.
type stepRequest struct {
	endpoint  Endpoint
	url       []tpart // nil when the URL is urlStatic
	urlStatic string
	header    http.Header // without Authorization; shared read-only
	headerKV  []headerKV  // header as a list, to copy without iterating a map
	hvars     []headerTmpl
	bodies    [][]byte // prepared bodies, one drawn per request (used when body is nil)
	body      []tpart  // a body with variables
	bodySize  int      // of body's literals
	questions [][]byte // the questions as body's {{query}} takes them
}

// headerKV is one of a step's static headers.
type headerKV struct {
	key    string
	values []string // shared read-only
}

// headerTmpl is a header whose value holds variables.
type headerTmpl struct {
	key   string // canonical
	parts []tpart
}

// NewJourneys compiles the journeys of sc against baseURL; nil, nil when
// sc has none. Zero values of a journey's fields take their defaults in
// Journey: Weight 1, Repeat 1-1, Until's DefaultEvery and DefaultWithin.
func NewJourneys(sc *Scenario, baseURL string) (*Journeys, error) {
	if len(sc.Journeys) == 0 {
		return nil, nil
	}
	if err := sc.validateJourneys(); err != nil {
		return nil, fmt.Errorf("scenario %q: %w", sc.Name, err)
	}
	if sc.needsQueries() && len(sc.Queries) == 0 {
		return nil, fmt.Errorf("scenario %q: queries: the pool is empty but a step's body uses %s", sc.Name, QueryPlaceholder)
	}
	active := sc.Active()
	urls := map[string]string{}
	for i, u := range routeURLs(active, baseURL) {
		urls[active[i].Key] = u
	}
	js := &Journeys{}
	var jsonQ, rawQ [][]byte
	for _, q := range sc.Queries {
		jsonQ = append(jsonQ, appendJSONString(nil, q))
		rawQ = append(rawQ, []byte(q))
	}
	for _, j := range sc.Journeys {
		j.Steps = append([]Step(nil), j.Steps...)
		if j.Weight == 0 {
			j.Weight = 1
		}
		reqs := make([]*stepRequest, len(j.Steps))
		for i := range j.Steps {
			st := &j.Steps[i]
			if st.Repeat == [2]int{} {
				st.Repeat = [2]int{1, 1}
			}
			if st.Until != nil {
				u := *st.Until
				u.Every, u.Within = u.defaults()
				st.Until = &u
			}
			e, _ := sc.byKey(st.Endpoint)
			r, err := compileStep(*e, st, urls[e.Key], sc.Queries, jsonQ, rawQ)
			if err != nil {
				return nil, fmt.Errorf("journey %q, step %d: %w", j.Name, i+1, err)
			}
			reqs[i] = r
		}
		js.total += j.Weight
		js.cum = append(js.cum, js.total)
		js.list = append(js.list, j)
		js.steps = append(js.steps, reqs)
	}
	return js, nil
}

// routeURLs returns the URL of each endpoint (by key): the base URL and
// its path, with a "#key" fragment (which never reaches the server) when
// two endpoints share a route, as NewMix does, or when the path holds a
// variable, so that results name the endpoint whatever its values.
func routeURLs(active []Endpoint, baseURL string) []string {
	routes := map[string]int{}
	for _, e := range active {
		routes[e.Method+" "+e.Path]++
	}
	out := make([]string, len(active))
	for i, e := range active {
		out[i] = strings.TrimRight(baseURL, "/") + e.Path
		if routes[e.Method+" "+e.Path] > 1 || hasVars(e.Path) {
			out[i] += "#" + e.Key
		}
	}
	return out
}

// hasVars reports whether the template s uses a variable.
func hasVars(s string) bool {
	found := false
	templateVars(s, func(string) { found = true })
	return found
}

func compileStep(e Endpoint, st *Step, fullURL string, queries []string, jsonQ, rawQ [][]byte) (*stepRequest, error) {
	if st.JSON != nil || st.Body != "" { // the step's body replaces the endpoint's
		e.JSON, e.Body, e.Bodies, e.Upload = st.JSON, st.Body, nil, nil
	}
	r := &stepRequest{endpoint: e}
	r.url = urlTemplate(fullURL)
	if r.url == nil {
		r.urlStatic = fullURL
	}
	vars := false
	jsonVars(e.JSON, func(string) { vars = true })
	vars = vars || hasVars(e.Body)
	qs := queries
	if vars {
		qs = nil // the body is a template: no prepared bodies
	}
	header, bodies, err := e.Prepare(qs)
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(e.Header) {
		if !hasVars(e.Header[k]) {
			continue
		}
		ck := http.CanonicalHeaderKey(k)
		header.Del(ck)
		r.hvars = append(r.hvars, headerTmpl{key: ck, parts: template(e.Header[k], escRaw, false)})
	}
	r.header = header
	for _, k := range sortedKeys(header) {
		r.headerKV = append(r.headerKV, headerKV{k, header[k]})
	}
	switch {
	case !vars:
		r.bodies = bodies
	case e.JSON != nil:
		c := &jsonTemplate{}
		c.value(e.JSON)
		r.body = c.done()
		r.questions = jsonQ
	default:
		r.body = template(e.Body, escRaw, true)
		r.questions = rawQ
	}
	usesQuery := false
	for _, p := range r.body {
		r.bodySize += len(p.lit)
		usesQuery = usesQuery || p.query
	}
	if !usesQuery {
		r.questions = nil
	}
	return r, nil
}

// Pick draws a journey index by weight.
func (js *Journeys) Pick(rng *rand.Rand) int {
	x := rng.IntN(js.total)
	return sort.Search(len(js.cum), func(i int) bool { return js.cum[i] > x })
}

// Journey returns journey i, with its defaults filled in; read-only.
func (js *Journeys) Journey(i int) *Journey { return &js.list[i] }

// Len is the number of journeys.
func (js *Journeys) Len() int { return len(js.list) }

// Endpoint returns the endpoint step s of journey j sends to (with the
// step's body, when it has one, in place of the endpoint's).
func (js *Journeys) Endpoint(j, s int) Endpoint { return js.steps[j][s].endpoint }

// Target fills tgt with step s of journey j: variables substituted (path
// segments URL-escaped; JSON strings JSON-encoded; raw bodies and headers
// verbatim, refusing CR/LF in a header), a question drawn with rng for
// {{query}} (and a body drawn from an upload's or imported ones), and
// "Authorization: Bearer <token>" when the endpoint has auth and token !=
// "". A variable missing from vars returns a *MissingVarError. tgt's URL
// is the base URL + the substituted path, + "#key" when two endpoints
// share a route or the path holds a variable. The header map and body may
// be shared with other targets and must be treated as read-only.
func (js *Journeys) Target(tgt *vegeta.Target, j, s int, vars Vars, rng *rand.Rand, token string) error {
	r := js.steps[j][s]
	u := r.urlStatic
	if r.url != nil {
		var buf [256]byte
		b, err := render(buf[:0], r.url, vars, nil)
		if err != nil {
			return err
		}
		u = string(b)
	}
	header := r.header
	if len(r.hvars) > 0 || (r.endpoint.Auth && token != "") {
		header = make(http.Header, len(r.headerKV)+len(r.hvars)+1)
		for _, kv := range r.headerKV {
			header[kv.key] = kv.values // shared, read-only
		}
		for _, h := range r.hvars {
			var buf [128]byte
			b, err := render(buf[:0], h.parts, vars, nil)
			if err != nil {
				return err
			}
			if bytes.ContainsAny(b, "\r\n") {
				return fmt.Errorf("header %s: a variable's value holds a line break", h.key)
			}
			header[h.key] = []string{string(b)}
		}
		if r.endpoint.Auth && token != "" {
			header["Authorization"] = []string{"Bearer " + token}
		}
	}
	var body []byte
	switch {
	case r.body != nil:
		var q []byte
		if len(r.questions) > 0 {
			q = r.questions[rng.IntN(len(r.questions))]
		}
		var err error
		if body, err = render(make([]byte, 0, r.bodySize+len(q)+64), r.body, vars, q); err != nil {
			return err
		}
	case len(r.bodies) == 1:
		body = r.bodies[0]
	case len(r.bodies) > 1:
		body = r.bodies[rng.IntN(len(r.bodies))]
	}
	tgt.Method, tgt.URL, tgt.Header, tgt.Body = r.endpoint.Method, u, header, body
	return nil
}

// Uses returns the variables step s of journey j puts in its request (path,
// headers, body), each once, in order of appearance; {{query}} is not one.
func (js *Journeys) Uses(j, s int) []string {
	r := js.steps[j][s]
	var out []string
	add := func(parts []tpart) {
		for _, p := range parts {
			if p.name != "" && !p.query && !slices.Contains(out, p.name) {
				out = append(out, p.name)
			}
		}
	}
	add(r.url)
	for _, h := range r.hvars {
		add(h.parts)
	}
	add(r.body)
	return out
}
