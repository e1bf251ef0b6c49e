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
	r := &request{endpoint: e, url: strings.TrimRight(base, "/") + e.Path, header: http.Header{}}
	for k, v := range e.Header {
		r.header.Set(k, v)
	}
	switch {
	case e.JSON != nil:
		if r.header.Get("Content-Type") == "" {
			r.header.Set("Content-Type", "application/json")
		}
		if !containsPlaceholder(e.JSON) {
			b, err := json.Marshal(e.JSON)
			if err != nil {
				return nil, fmt.Errorf("endpoint %q: json body: %w", e.Key, err)
			}
			r.bodies = [][]byte{b}
			break
		}
		for _, q := range queries {
			b, err := json.Marshal(substitute(e.JSON, q))
			if err != nil {
				return nil, fmt.Errorf("endpoint %q: json body: %w", e.Key, err)
			}
			r.bodies = append(r.bodies, b)
		}
	case e.Body != "":
		if !strings.Contains(e.Body, QueryPlaceholder) {
			r.bodies = [][]byte{[]byte(e.Body)}
			break
		}
		for _, q := range queries {
			r.bodies = append(r.bodies, []byte(strings.ReplaceAll(e.Body, QueryPlaceholder, q)))
		}
	case len(e.Bodies) > 0:
		r.bodies = e.Bodies // literal, shared read-only
	}
	return r, nil
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
