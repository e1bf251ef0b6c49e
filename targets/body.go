package targets

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// request is an endpoint compiled for sending: its URL joined to the base,
// one prepared body per question, and the headers that never change.
type request struct {
	endpoint Endpoint
	url      string
	bodies   [][]byte    // len 1 when the body does not use the question, 0 when there is none
	header   http.Header // without Authorization; shared read-only by every target
}

func compile(base string, e Endpoint, queries []string) (*request, error) {
	header, bodies, err := e.Prepare(queries)
	if err != nil {
		return nil, err
	}
	return &request{endpoint: e, url: strings.TrimRight(base, "/") + e.Path, header: header, bodies: bodies}, nil
}

// UsesQuery reports whether e's body (raw or JSON template) holds
// QueryPlaceholder, so that each request needs a question.
func (e Endpoint) UsesQuery() bool {
	return strings.Contains(e.Body, QueryPlaceholder) || containsPlaceholder(e.JSON)
}

// Prepare builds what never changes between e's requests: its headers
// (without Authorization; a JSON template adds Content-Type
// application/json) and its bodies, one per question when the body uses
// QueryPlaceholder (substituted into a JSON template's strings as JSON
// strings, into a raw body verbatim), else the one body; none without a
// body. Imported and upload bodies are returned as they are, shared
// read-only; an upload's Content-Type (with its boundary) replaces any
// other.
func (e Endpoint) Prepare(queries []string) (http.Header, [][]byte, error) {
	header := http.Header{}
	for k, v := range e.Header {
		header.Set(k, v)
	}
	var bodies [][]byte
	switch {
	case e.JSON != nil:
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/json")
		}
		if !containsPlaceholder(e.JSON) {
			b, err := json.Marshal(e.JSON)
			if err != nil {
				return nil, nil, fmt.Errorf("endpoint %q: json body: %w", e.Key, err)
			}
			return header, [][]byte{b}, nil
		}
		for _, q := range queries {
			b, err := json.Marshal(substitute(e.JSON, q))
			if err != nil {
				return nil, nil, fmt.Errorf("endpoint %q: json body: %w", e.Key, err)
			}
			bodies = append(bodies, b)
		}
	case e.Body != "":
		if !strings.Contains(e.Body, QueryPlaceholder) {
			return header, [][]byte{[]byte(e.Body)}, nil
		}
		for _, q := range queries {
			bodies = append(bodies, []byte(strings.ReplaceAll(e.Body, QueryPlaceholder, q)))
		}
	case len(e.Bodies) > 0:
		bodies = e.Bodies // literal, shared read-only
		if e.Upload != nil {
			// The boundary is the bodies': no other type will do.
			header.Set("Content-Type", e.Upload.ContentType)
		}
	}
	return header, bodies, nil
}

// substitute returns a copy of the JSON template v with the placeholder in
// every string replaced by q. YAML mappings arrive as map[string]any.
func substitute(v any, q string) any {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(t, QueryPlaceholder, q)
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = substitute(x, q)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = substitute(x, q)
		}
		return l
	}
	return v
}

func containsPlaceholder(v any) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, QueryPlaceholder)
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
