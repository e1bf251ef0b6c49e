package targets

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/internal/input"
)

// QueryPlaceholder is replaced by a question from the pool wherever it
// appears as a string value of an endpoint's JSON body (as a JSON string),
// or in its raw body (verbatim).
const QueryPlaceholder = "{{query}}"

// Scenario is what a load test sends: endpoints with weights, the question
// pool, and how to authenticate. The zero value is not useful; start from
// Default or Load.
type Scenario struct {
	// Name labels the scenario in manifests and reports.
	Name string
	// Source says where the scenario came from: "built-in" or a file path.
	Source string
	// Auth says how to log in.
	Auth Auth
	// Endpoints are the requests in the mix. Without journeys, only those
	// with Weight > 0 are sent; with journeys, those the journeys use.
	Endpoints []Endpoint
	// Journeys are sequences of requests that carry values from a
	// response to later requests (journeys:). When there are any, the
	// scenario sends journeys only, and endpoint weights do not matter.
	Journeys []Journey
	// Queries is the pool of questions drawn for QueryPlaceholder.
	Queries []string
	// Thresholds are verdict expressions such as "p95<2s"; empty means the
	// report's defaults.
	Thresholds []string
	// Marks are advisory expressions: reported, never failing the run.
	Marks []string
	// SecretHeaders names request headers that carry secrets although their
	// names do not say so (SecretHeader catches Authorization, X-Api-Key,
	// …): recordings leave them out, and exports that hold them are private.
	SecretHeaders []string
	// SLO is the objectives of goodput (slo:); zero when not set.
	SLO SLO
	// Notes are what loading changed or dropped that the user should know
	// (such as Authorization headers of imported vegeta targets); the CLI
	// prints them.
	Notes []string
}

// Auth configures the form login of the API under test.
type Auth struct {
	// LoginPath is the form-login route, e.g. /api/v1/auth/login.
	LoginPath string
	// UsernameField and PasswordField are the form field names.
	UsernameField, PasswordField string
	// TokenField is the JSON field of the login response that holds the
	// access token; a dotted path ("data.access_token") reaches nested fields.
	TokenField string
}

// Endpoint is one kind of request in the mix.
type Endpoint struct {
	// Key is a short alias ("query"), used in thresholds and to merge a
	// scenario file onto the defaults.
	Key string
	// Name is the display name in reports ("/query (basic)").
	Name string
	// Method and Path form the request line; Path is joined to the base URL.
	Method, Path string
	// Weight is the relative frequency; 0 leaves the endpoint out.
	Weight int
	// Auth sends the session's Bearer token when true.
	Auth bool
	// JSON is a body template encoded as JSON, with QueryPlaceholder
	// replaced in string values. Mutually exclusive with Body.
	JSON any
	// Body is a raw body template with QueryPlaceholder replaced verbatim.
	Body string
	// Bodies are literal bodies drawn at random, one per request, used
	// when JSON and Body are empty. Imported vegeta targets set it (see
	// FromVegeta), and so does Upload; scenario files cannot otherwise.
	Bodies [][]byte
	// Upload, when set, says that Bodies are multipart/form-data bodies,
	// one per file of a folder (upload:), sent with its ContentType.
	Upload *Upload
	// Header holds extra request headers.
	Header map[string]string
	// Stream marks a streaming endpoint: "sse" (Server-Sent Events; a
	// token is a data event with content) or "chunked" (a token is any
	// non-empty read). Its time to first byte and first token are
	// recorded. Empty for ordinary endpoints.
	Stream string
	// Checks judge every response of the endpoint (checks:); see package
	// checks. A failed check marks the result; it is not an HTTP failure.
	Checks checks.Set
}

// Streaming modes of an endpoint.
const (
	StreamSSE     = "sse"     // Server-Sent Events: a token is a data event with content
	StreamChunked = "chunked" // any streamed body: a token is a non-empty read
)

// Active returns the endpoints that are sent: with journeys, those the
// journeys use; without, those with a positive weight. Either way in the
// order of Endpoints.
func (s *Scenario) Active() []Endpoint {
	var out []Endpoint
	if len(s.Journeys) > 0 {
		used := map[string]bool{}
		for _, j := range s.Journeys {
			for _, st := range j.Steps {
				used[st.Endpoint] = true
			}
		}
		for _, e := range s.Endpoints {
			if used[e.Key] {
				out = append(out, e)
			}
		}
		return out
	}
	for _, e := range s.Endpoints {
		if e.Weight > 0 {
			out = append(out, e)
		}
	}
	return out
}

// HasSecretHeaders reports whether an active endpoint sends a header that
// may carry a secret: one SecretHeader recognises, or one SecretHeaders
// names.
func (s *Scenario) HasSecretHeaders() bool {
	for _, e := range s.Active() {
		for k := range e.Header {
			if SecretHeader(k) || slices.ContainsFunc(s.SecretHeaders, func(x string) bool { return strings.EqualFold(x, k) }) {
				return true
			}
		}
	}
	return false
}

// NeedsAuth reports whether any active endpoint sends a token.
func (s *Scenario) NeedsAuth() bool {
	for _, e := range s.Active() {
		if e.Auth {
			return true
		}
	}
	return false
}

// Endpoint returns the endpoint whose Key or Name is k.
func (s *Scenario) Endpoint(k string) (Endpoint, bool) {
	for _, e := range s.Endpoints {
		if e.Key == k || e.Name == k {
			return e, true
		}
	}
	return Endpoint{}, false
}

// Validate checks the scenario as a whole; Load reports its errors with the
// file name in front.
func (s *Scenario) Validate() error {
	if len(s.Journeys) == 0 && len(s.Active()) == 0 {
		return fmt.Errorf("endpoints: no endpoint has a weight > 0")
	}
	keys := map[string]bool{}
	names := map[string]bool{}
	for i, e := range s.Endpoints {
		where := fmt.Sprintf("endpoints[%d]", i)
		if e.Key == "" {
			return fmt.Errorf("%s.key: missing", where)
		}
		if keys[e.Key] {
			return fmt.Errorf("%s.key: %s is used twice", where, input.Quote(e.Key))
		}
		keys[e.Key] = true
		if names[e.Name] {
			return fmt.Errorf("%s.name: %s is used twice", where, input.Quote(e.Name))
		}
		names[e.Name] = true
		if err := e.validate(); err != nil {
			return fmt.Errorf("%s.%w", where, err)
		}
	}
	if err := s.validateJourneys(); err != nil {
		return err
	}
	if s.needsQueries() && len(s.Queries) == 0 {
		return fmt.Errorf("queries: the pool is empty but an endpoint body uses %s", QueryPlaceholder)
	}
	if s.NeedsAuth() {
		a := s.Auth
		for _, f := range []struct{ name, v string }{
			{"login_path", a.LoginPath}, {"username_field", a.UsernameField},
			{"password_field", a.PasswordField}, {"token_field", a.TokenField},
		} {
			if f.v == "" {
				return fmt.Errorf("auth.%s: missing", f.name)
			}
		}
		if !strings.HasPrefix(a.LoginPath, "/") {
			return fmt.Errorf("auth.login_path: %s must start with /", input.Quote(a.LoginPath))
		}
	}
	return nil
}

func (e Endpoint) validate() error {
	if e.Name == "" {
		return fmt.Errorf("name: missing")
	}
	if !validMethods[e.Method] {
		return fmt.Errorf("method: %s isn't one of [%s]", input.Quote(e.Method), strings.Join(methodList(), " "))
	}
	if !strings.HasPrefix(e.Path, "/") {
		return fmt.Errorf("path: %s must start with /", input.Quote(e.Path))
	}
	if _, err := url.Parse(e.Path); err != nil {
		return fmt.Errorf("path: %s: %v", input.Quote(e.Path), input.CutError(errors.Unwrap(err)))
	}
	if e.Weight < 0 {
		return fmt.Errorf("weight: %d is negative", e.Weight)
	}
	if e.JSON != nil && e.Body != "" {
		return fmt.Errorf("body: json and body are mutually exclusive")
	}
	if len(e.Bodies) > 0 && (e.JSON != nil || e.Body != "") {
		return fmt.Errorf("body: json, body and imported bodies are mutually exclusive")
	}
	if e.Upload != nil {
		switch {
		case e.JSON != nil || e.Body != "" || len(e.Bodies) != len(e.Upload.Files) || len(e.Bodies) == 0:
			return fmt.Errorf("upload: json, body and upload are mutually exclusive, and an upload needs its files")
		case e.Method == http.MethodGet || e.Method == http.MethodHead:
			return fmt.Errorf("upload: a %s request sends no body: give method: POST (or PUT)", e.Method)
		}
	}
	if e.Stream != "" && e.Stream != StreamSSE && e.Stream != StreamChunked {
		return fmt.Errorf("stream: %s isn't one of [sse chunked]", input.Quote(e.Stream))
	}
	return e.validateChecks()
}

// needsQueries reports whether a request that is sent draws a question:
// an active endpoint's body, or with journeys the body each step sends
// (its own, or its endpoint's).
func (s *Scenario) needsQueries() bool {
	if len(s.Journeys) > 0 {
		for _, j := range s.Journeys {
			for _, st := range j.Steps {
				if st.JSON != nil || st.Body != "" {
					if st.UsesQuery() {
						return true
					}
				} else if e, ok := s.byKey(st.Endpoint); ok && e.UsesQuery() {
					return true
				}
			}
		}
		return false
	}
	for _, e := range s.Active() {
		if e.UsesQuery() {
			return true
		}
	}
	return false
}

// byKey returns the endpoint whose Key is k (not its Name, as
// Endpoint also matches).
func (s *Scenario) byKey(k string) (*Endpoint, bool) {
	for i := range s.Endpoints {
		if s.Endpoints[i].Key == k {
			return &s.Endpoints[i], true
		}
	}
	return nil, false
}

var validMethods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodHead: true, http.MethodOptions: true,
}

func methodList() []string {
	var l []string
	for m := range validMethods {
		l = append(l, m)
	}
	sort.Strings(l)
	return l
}
