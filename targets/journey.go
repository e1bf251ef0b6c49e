package targets

// Journeys in the scenario (journeys:): what a journey, a step and a save
// are, what a response gives a journey (SaveFrom, Until.Met), and the
// {{name}} templates of variables. Their rules are in journey_rules.go.

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Caps of journeys, so that a scenario's journeys stay bounded in memory
// and time whatever the file says.
const (
	MaxJourneys      = 64        // journeys in a scenario
	MaxSteps         = 32        // steps in a journey
	MaxSaves         = 32        // saves in a step
	MaxRepeat        = 1000      // runs of a step
	MaxThink         = time.Hour // a pause before a run of a step
	MaxWithin        = time.Hour // how long a step polls (until.within)
	MinEvery         = 10 * time.Millisecond
	MaxJourneyName   = 64        // bytes of a journey's name (results/journey.Header keeps no more)
	MaxJourneyWeight = 1_000_000 // a journey's weight
	MaxVarValue      = 1024      // bytes of a saved value (longer ones are cut)
)

// Defaults of a step's until: (Until), used when the file leaves them out.
const (
	DefaultEvery  = time.Second
	DefaultWithin = 30 * time.Second
)

// Journey is a named sequence of steps that one user runs in order,
// carrying the values it saves from responses to later requests.
type Journey struct {
	// Name labels the journey in results, reports and thresholds
	// (journey:conversation:p95<20s).
	Name string
	// Weight is how often the journey is picked relative to the others;
	// 0 counts as 1.
	Weight int
	// Steps are the requests, in order.
	Steps []Step
}

// Step is one request of a journey: to an endpoint of the scenario, run
// one or more times, perhaps until a condition holds.
type Step struct {
	Endpoint string           // the endpoint's key
	Save     []Save           // in file order
	Repeat   [2]int           // min, max runs (both 1 by default; 0 counts as 1)
	Think    [2]time.Duration // min, max pause before each run (0, 0 by default)
	Until    *Until           // nil: run once (per repeat)
	JSON     any              // a body replacing the endpoint's for this step; nil: the endpoint's
	Body     string
}

// Save stores a value of a step's response in the variable Var for later
// steps. From is a JSON path of the body (gjson syntax: data.id,
// items.0.id) or "header:Name" for a response header.
type Save struct{ Var, From string }

// Until makes a step poll: its request is sent again every Every until
// the value at the JSON path JSON of the body, as a string, equals
// Equals, for at most Within.
type Until struct {
	JSON, Equals  string
	Every, Within time.Duration
}

// Vars are the variables one run of a journey has saved, by name.
type Vars map[string]string

// MissingVarError is a variable a step needs that is not there: Var was
// never saved (From is empty), or the response a step saves from has no
// From (a JSON path, or "header:Name").
type MissingVarError struct{ Var, From string }

func (e *MissingVarError) Error() string {
	if e.From == "" {
		return fmt.Sprintf("no variable %q", e.Var)
	}
	return fmt.Sprintf("%q not in the response", e.From)
}

// headerPrefix starts a Save.From that names a response header.
const headerPrefix = "header:"

// SaveFrom stores into vars the step's saves from a response body (JSON)
// and header; the first missing one returns a *MissingVarError (vars keeps
// those saved before it). A JSON null counts as missing. Values are
// strings (gjson's String(): objects and arrays as their JSON), cut to
// MaxVarValue bytes.
func (st *Step) SaveFrom(vars Vars, body []byte, header http.Header) error {
	for _, s := range st.Save {
		var v string
		if name, ok := strings.CutPrefix(s.From, headerPrefix); ok {
			vs := header.Values(name)
			if len(vs) == 0 {
				return &MissingVarError{Var: s.Var, From: s.From}
			}
			v = vs[0]
		} else {
			r := gjson.GetBytes(body, s.From)
			if !r.Exists() || r.Type == gjson.Null {
				return &MissingVarError{Var: s.Var, From: s.From}
			}
			v = r.String()
		}
		if len(v) > MaxVarValue {
			v = strings.Clone(cutRunes(v, MaxVarValue))
		}
		vars[s.Var] = v
	}
	return nil
}

// Met reports whether the value at u's JSON path in body, as a string,
// equals u.Equals; a missing value never does.
func (u *Until) Met(body []byte) bool {
	r := gjson.GetBytes(body, u.JSON)
	return r.Exists() && r.String() == u.Equals
}

// NeedsBody reports whether the step reads its response body: it saves
// from the body or polls until.
func (st *Step) NeedsBody() bool {
	if st.Until != nil {
		return true
	}
	for _, s := range st.Save {
		if !strings.HasPrefix(s.From, headerPrefix) {
			return true
		}
	}
	return false
}

// UsesQuery reports whether the step's own body (JSON or raw) holds
// QueryPlaceholder.
func (st *Step) UsesQuery() bool {
	return strings.Contains(st.Body, QueryPlaceholder) || containsPlaceholder(st.JSON)
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// cutRunes returns the longest prefix of s of at most n bytes that ends
// on a rune boundary.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ValidVarName reports whether name is a variable's name:
// [A-Za-z_][A-Za-z0-9_]{0,31}. "query" is one, but reserved for the
// question (QueryPlaceholder).
func ValidVarName(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// queryVar is the name of QueryPlaceholder.
const queryVar = "query"

// segment is a piece of a template: literal text, or a placeholder
// {{name}} (name "query" is the question).
type segment struct {
	lit  string
	name string // "" for a literal
}

// splitTemplate cuts s into literals and placeholders. Only {{name}} with
// a valid name is a placeholder; any other {{ is literal text.
func splitTemplate(s string) []segment {
	var out []segment
	lit := func(t string) {
		if t == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].name == "" {
			out[n-1].lit += t
			return
		}
		out = append(out, segment{lit: t})
	}
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			break
		}
		if name := s[i+2 : i+2+j]; ValidVarName(name) {
			lit(s[:i])
			out = append(out, segment{name: name})
			s = s[i+2+j+2:]
			continue
		}
		lit(s[:i+1]) // "{{{x}}" holds {{x}}: move on by one brace
		s = s[i+1:]
	}
	lit(s)
	return out
}

// templateVars calls fn with each variable s uses ({{query}} is not one).
func templateVars(s string, fn func(name string)) {
	if !strings.Contains(s, "{{") {
		return
	}
	for _, sg := range splitTemplate(s) {
		if sg.name != "" && sg.name != queryVar {
			fn(sg.name)
		}
	}
}

// jsonVars calls fn with each variable the string values of the JSON
// template v use (keys are not templates).
func jsonVars(v any, fn func(name string)) {
	switch t := v.(type) {
	case string:
		templateVars(t, fn)
	case map[string]any:
		for _, k := range sortedKeys(t) {
			jsonVars(t[k], fn)
		}
	case []any:
		for _, x := range t {
			jsonVars(x, fn)
		}
	}
}

// varUse is a variable a request uses, and where ("path", "headers",
// "json" or "body").
type varUse struct{ name, where string }

// vars lists the variables e uses in its path, header values and body;
// with st, st's body (if it has one) replaces e's.
func (e *Endpoint) vars(st *Step) []varUse {
	var out []varUse
	add := func(where string) func(string) {
		return func(n string) { out = append(out, varUse{n, where}) }
	}
	templateVars(e.Path, add("path"))
	for _, k := range sortedKeys(e.Header) {
		templateVars(e.Header[k], add("headers"))
	}
	switch {
	case st != nil && st.JSON != nil:
		jsonVars(st.JSON, add("json"))
	case st != nil && st.Body != "":
		templateVars(st.Body, add("body"))
	default:
		jsonVars(e.JSON, add("json"))
		templateVars(e.Body, add("body"))
	}
	return out
}

// defaults returns u's Every and Within, with DefaultEvery and
// DefaultWithin for zeros.
func (u *Until) defaults() (every, within time.Duration) {
	every, within = u.Every, u.Within
	if every == 0 {
		every = DefaultEvery
	}
	if within == 0 {
		within = DefaultWithin
	}
	return every, within
}
