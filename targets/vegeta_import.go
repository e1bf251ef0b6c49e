package targets

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/input"
)

// route gathers the targets of one method and path.
type route struct {
	e          Endpoint
	line       int // of the first target
	query      string
	seen       map[string]bool // bodies
	anyBody    bool
	extra      int // distinct bodies beyond MaxImportedBodies
	mixedQuery bool
	mixedHead  bool
}

func importTargets(path string, tgts []vegeta.Target, lines []int) ([]Endpoint, []string, error) {
	var order []*route
	byRoute := map[string]*route{}
	keys := map[string]bool{}
	authDropped := 0
	for i, t := range tgts {
		u, err := url.Parse(t.URL)
		if err != nil {
			return nil, nil, &FileError{File: path, Line: lines[i], Err: fmt.Errorf("target %d: %w", i+1, input.CutError(err))}
		}
		p := u.EscapedPath()
		if p == "" {
			p = "/"
		}
		query := ""
		if u.RawQuery != "" {
			query = "?" + u.RawQuery
		}
		header := map[string]string{}
		auth := false
		for k, vs := range t.Header {
			if http.CanonicalHeaderKey(k) == "Authorization" {
				auth = true
				continue
			}
			header[k] = strings.Join(vs, ", ")
		}
		if auth {
			authDropped++
		}
		r := byRoute[t.Method+" "+p]
		if r == nil {
			r = &route{
				e: Endpoint{
					Key: uniqueKey(keys, t.Method, p), Name: t.Method + " " + p,
					Method: t.Method, Path: p + query, Header: header,
				},
				line: lines[i], query: query, seen: map[string]bool{},
			}
			if len(header) == 0 {
				r.e.Header = nil
			}
			byRoute[t.Method+" "+p] = r
			order = append(order, r)
		} else {
			r.mixedQuery = r.mixedQuery || query != r.query
			r.mixedHead = r.mixedHead || !maps.Equal(header, r.e.Header)
		}
		r.e.Weight++
		r.e.Auth = r.e.Auth || auth
		r.anyBody = r.anyBody || len(t.Body) > 0
		switch b := string(t.Body); {
		case r.seen[b]:
		case len(r.seen) < MaxImportedBodies:
			r.seen[b] = true
			r.e.Bodies = append(r.e.Bodies, t.Body)
		default:
			r.extra++
		}
	}
	var eps []Endpoint
	var notes []string
	for _, r := range order {
		if !r.anyBody {
			r.e.Bodies = nil
		}
		if err := r.e.validate(); err != nil {
			return nil, nil, &FileError{File: path, Line: r.line, Field: input.Excerpt(r.e.Name), Err: err}
		}
		if r.extra > 0 {
			notes = append(notes, fmt.Sprintf("%s: %s: %d distinct bodies; only the first %d are sent", path, r.e.Name, len(r.seen)+r.extra, MaxImportedBodies))
		}
		if r.mixedQuery {
			notes = append(notes, fmt.Sprintf("%s: %s: the targets' queries differ; only the first (%s) is sent", path, r.e.Name, input.Quote(r.query)))
		}
		if r.mixedHead {
			notes = append(notes, fmt.Sprintf("%s: %s: the targets' headers differ; the first target's are sent", path, r.e.Name))
		}
		eps = append(eps, r.e)
	}
	if authDropped > 0 {
		var names []string
		for _, r := range order {
			if r.e.Auth {
				names = append(names, r.e.Name)
			}
		}
		notes = append(notes, fmt.Sprintf("%s: dropped the Authorization header of %d targets: ragload logs in itself and sends its own token to %s", path, authDropped, strings.Join(names, ", ")))
	}
	// Targets exported without tokens (ragload targets --export) still
	// need one where the built-in scenario logs in.
	var stamped []string
	for i := range eps {
		if e := &eps[i]; !e.Auth && builtinAuth(e.Method, e.Path) {
			e.Auth = true
			stamped = append(stamped, e.Name)
		}
	}
	if len(stamped) > 0 {
		notes = append(notes, fmt.Sprintf("%s: %s carry no Authorization header but are the built-in scenario's authenticated routes: ragload logs in and sends its token to them (auth: false on an endpoint says otherwise)",
			path, strings.Join(stamped, ", ")))
	}
	return eps, notes, nil
}

// builtinAuth says whether method and path (its query aside) are one of
// the built-in scenario's authenticated endpoints.
func builtinAuth(method, path string) bool {
	path, _, _ = strings.Cut(path, "?")
	for _, e := range Default().Endpoints {
		if e.Auth && e.Method == method && e.Path == path {
			return true
		}
	}
	return false
}

// uniqueKey makes a key such as "post_api_v1_query" from a method and path.
func uniqueKey(used map[string]bool, method, path string) string {
	key := strings.ToLower(method) + "_root"
	if slug := Slug(path); slug != "" {
		key = strings.ToLower(method) + "_" + slug
	}
	return UniqueKey(used, key)
}

// Slug makes a key such as "query_basic" from a name such as "/query
// (basic)": its lower-case letters and digits, in runs joined by
// underscores ("" when it has none).
func Slug(name string) string {
	var b strings.Builder
	sep := false
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(c)
			sep = false
		} else {
			sep = true
		}
	}
	return b.String()
}

// UniqueKey returns key, or the first of key_2, key_3, … that used does
// not hold, and adds what it returns to used.
func UniqueKey(used map[string]bool, key string) string {
	for i, k := 2, key; ; i++ {
		if !used[k] {
			used[k] = true
			return k
		}
		k = fmt.Sprintf("%s_%d", key, i)
	}
}
