package targets

// Journeys compiled for sending: each step's request split at load time
// into literal parts and variables, so that filling a target is appends
// and map lookups, without parsing or regular expressions.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

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

// How a variable's value enters a request.
const (
	escRaw   = iota // verbatim: a raw body, a header value
	escPath         // url.PathEscape: a path segment
	escQuery        // url.QueryEscape: after the path's "?"
	escJSON         // inside a JSON string
)

// tpart is a piece of a compiled template.
type tpart struct {
	lit   string
	name  string // a variable; "" for a literal
	query bool   // the question
	esc   int
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

// template compiles s: variables escaped with esc; {{query}} is the
// question when query is true, else literal text (paths and headers).
func template(s string, esc int, query bool) []tpart {
	var out []tpart
	for _, sg := range splitTemplate(s) {
		switch {
		case sg.name == "":
			out = append(out, tpart{lit: sg.lit})
		case sg.name == queryVar && !query:
			out = append(out, tpart{lit: QueryPlaceholder})
		default:
			out = append(out, tpart{name: sg.name, query: sg.name == queryVar, esc: esc})
		}
	}
	return out
}

// urlTemplate compiles a URL whose path holds variables: escaped as path
// segments before the path's "?", as query components after it; nil when
// it holds none.
func urlTemplate(u string) []tpart {
	if !hasVars(u) {
		return nil
	}
	parts := template(u, escPath, false)
	inQuery := false
	for i := range parts {
		if parts[i].name != "" && inQuery {
			parts[i].esc = escQuery
		}
		inQuery = inQuery || strings.ContainsAny(parts[i].lit, "?#")
	}
	return parts
}

// jsonTemplate compiles a JSON body template: JSON as json.Marshal writes
// it (keys sorted), with the placeholders of string values (not keys) left
// as parts.
type jsonTemplate struct {
	parts []tpart
	lit   []byte
}

func (c *jsonTemplate) flush() {
	if len(c.lit) > 0 {
		c.parts = append(c.parts, tpart{lit: string(c.lit)})
		c.lit = c.lit[:0]
	}
}

func (c *jsonTemplate) done() []tpart {
	c.flush()
	return c.parts
}

// value appends v. Its values marshal (the parser and Prepare checked).
func (c *jsonTemplate) value(v any) {
	switch t := v.(type) {
	case string:
		if !strings.Contains(t, "{{") {
			c.marshal(t)
			return
		}
		c.lit = append(c.lit, '"')
		for _, sg := range splitTemplate(t) {
			if sg.name == "" {
				b, _ := json.Marshal(sg.lit)
				c.lit = append(c.lit, b[1:len(b)-1]...)
				continue
			}
			c.flush()
			c.parts = append(c.parts, tpart{name: sg.name, query: sg.name == queryVar, esc: escJSON})
		}
		c.lit = append(c.lit, '"')
	case map[string]any:
		c.lit = append(c.lit, '{')
		for i, k := range sortedKeys(t) {
			if i > 0 {
				c.lit = append(c.lit, ',')
			}
			c.marshal(k)
			c.lit = append(c.lit, ':')
			c.value(t[k])
		}
		c.lit = append(c.lit, '}')
	case []any:
		c.lit = append(c.lit, '[')
		for i, x := range t {
			if i > 0 {
				c.lit = append(c.lit, ',')
			}
			c.value(x)
		}
		c.lit = append(c.lit, ']')
	default:
		c.marshal(t)
	}
}

func (c *jsonTemplate) marshal(v any) {
	b, _ := json.Marshal(v)
	c.lit = append(c.lit, b...)
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

// render appends the template parts to dst, with vars' values and the
// question q.
func render(dst []byte, parts []tpart, vars Vars, q []byte) ([]byte, error) {
	for i := range parts {
		p := &parts[i]
		switch {
		case p.name == "":
			dst = append(dst, p.lit...)
		case p.query:
			dst = append(dst, q...)
		default:
			v, ok := vars[p.name]
			if !ok {
				return nil, &MissingVarError{Var: p.name}
			}
			switch p.esc {
			case escPath:
				dst = append(dst, url.PathEscape(v)...)
			case escQuery:
				dst = append(dst, url.QueryEscape(v)...)
			case escJSON:
				dst = appendJSONString(dst, v)
			default:
				dst = append(dst, v...)
			}
		}
	}
	return dst, nil
}

// appendJSONString appends s as the inside of a JSON string: quotes,
// backslashes and control characters escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029': // valid JSON, but not inside JavaScript
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
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
