package targets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// MaxImportedBodies is how many distinct bodies FromVegeta keeps per
// endpoint; requests draw among them at random.
const MaxImportedBodies = 50

// FromVegeta reads a vegeta targets file, in vegeta's "http" or "json"
// format ("" picks json for a .json file, http otherwise), with vegeta's
// own parsers, and returns one endpoint per distinct method and URL path:
//
//	key      get_health, post_api_v1_query (from the method and path; unique)
//	name     "GET /health"
//	path     the URL's path and query (the first target's query), sent to
//	         the base URL of the run; scheme and host are ignored
//	weight   how many targets of the file have that method and path
//	bodies   the distinct bodies of those targets, the first
//	         MaxImportedBodies, drawn at random (uniformly) per request
//	header   the first target's headers, without Authorization
//	auth     true when a target had an Authorization header: ragload logs in
//	         and sends its own token instead
//
// In the http format a relative @body path is read next to the targets
// file, or else from the working directory (as vegeta does). The notes say
// what the import dropped or simplified. Errors are *FileError values
// naming the file and, where it can be found, the line.
func FromVegeta(path, format string) ([]Endpoint, []string, error) {
	if format == "" {
		format = vegeta.HTTPTargetFormat
		if strings.EqualFold(filepath.Ext(path), ".json") {
			format = vegeta.JSONTargetFormat
		}
	}
	if format != vegeta.HTTPTargetFormat && format != vegeta.JSONTargetFormat {
		return nil, nil, fmt.Errorf("vegeta format %q isn't one of [%s]", format, strings.Join(vegeta.TargetFormats, " "))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read vegeta targets: %w", err)
	}
	tgts, lines, err := readVegeta(path, format, data)
	if err != nil {
		return nil, nil, err
	}
	return importTargets(path, tgts, lines)
}

// readVegeta parses data with vegeta's targeter for format and returns the
// targets with the line each starts on.
func readVegeta(path, format string, data []byte) ([]vegeta.Target, []int, error) {
	var tr vegeta.Targeter
	var locate func(n int, err error) int // the line of the n-th target's error
	var lines []int
	if format == vegeta.JSONTargetFormat {
		// vegeta's JSON targeter drops a last line without a newline.
		if len(data) > 0 && data[len(data)-1] != '\n' {
			data = append(data, '\n')
		}
		var starts []int // one JSON target per non-blank line
		for i, l := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				starts = append(starts, i+1)
			}
		}
		jsonTr := vegeta.NewJSONTargeter(bytes.NewReader(data), nil, nil)
		tr = func(t *vegeta.Target) error {
			err := jsonTr(t)
			if err == nil {
				lines = append(lines, starts[len(lines)])
			}
			return err
		}
		locate = func(n int, _ error) int {
			if n < len(starts) {
				return starts[n]
			}
			return 0
		}
	} else {
		data = resolveBodyFiles(path, data)
		text := strings.Split(string(data), "\n")
		httpTr := vegeta.NewHTTPTargeter(bytes.NewReader(data), nil, nil)
		pos := 0 // index of the next line after the last request line found
		tr = func(t *vegeta.Target) error {
			err := httpTr(t)
			if err == nil {
				i := findLine(text, pos, func(l string) bool { return l == t.Method+" "+t.URL })
				lines = append(lines, i+1)
				if i >= 0 {
					pos = i + 1
				}
			}
			return err
		}
		locate = func(_ int, err error) int {
			// vegeta's messages quote the offending text ("bad header: X",
			// "bad URL: X, cause") or wrap the body file's error.
			_, detail, _ := strings.Cut(err.Error(), ": ")
			detail, _, _ = strings.Cut(detail, ", ")
			if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
				detail = "@" + pe.Path
			}
			if detail == "" {
				return 0
			}
			return findLine(text, pos, func(l string) bool { return strings.Contains(l, detail) }) + 1
		}
	}
	tgts, err := vegeta.ReadAllTargets(tr)
	n := len(lines) // targets read before an error
	switch {
	case errors.Is(err, vegeta.ErrNoTargets):
		return nil, nil, &FileError{File: path, Err: fmt.Errorf("no targets in vegeta's %s format", format)}
	case err != nil:
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) && !filepath.IsAbs(pe.Path) {
			err = fmt.Errorf("%w (looked next to the targets file and in the working directory)", err)
		}
		return nil, nil, &FileError{File: path, Line: locate(n, err), Err: fmt.Errorf("target %d: %w", n+1, err)}
	}
	return tgts, lines, nil
}

// findLine returns the index of the first line at or after from whose
// trimmed text matches, or -1.
func findLine(lines []string, from int, match func(string) bool) int {
	for i := from; i < len(lines); i++ {
		if match(strings.TrimSpace(lines[i])) {
			return i
		}
	}
	return -1
}

// resolveBodyFiles rewrites relative "@file" body lines to the file next to
// the targets file when there is one there; others stay relative to the
// working directory, where vegeta looks. Line numbers do not change.
func resolveBodyFiles(path string, data []byte) []byte {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "@") || filepath.IsAbs(t[1:]) {
			continue
		}
		if p := filepath.Join(filepath.Dir(path), t[1:]); fileExists(p) {
			lines[i] = "@" + p
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

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
			return nil, nil, &FileError{File: path, Line: lines[i], Err: fmt.Errorf("target %d: %w", i+1, err)}
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
			return nil, nil, &FileError{File: path, Line: r.line, Field: r.e.Name, Err: err}
		}
		if r.extra > 0 {
			notes = append(notes, fmt.Sprintf("%s: %s: %d distinct bodies; only the first %d are sent", path, r.e.Name, len(r.seen)+r.extra, MaxImportedBodies))
		}
		if r.mixedQuery {
			notes = append(notes, fmt.Sprintf("%s: %s: the targets' queries differ; only the first (%q) is sent", path, r.e.Name, r.query))
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
	return eps, notes, nil
}

// uniqueKey makes a key such as "post_api_v1_query" from a method and path.
func uniqueKey(used map[string]bool, method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	sep := true
	for _, c := range strings.ToLower(path) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if sep {
				b.WriteByte('_')
			}
			b.WriteRune(c)
			sep = false
		} else {
			sep = true
		}
	}
	key := b.String()
	if key == strings.ToLower(method) {
		key += "_root"
	}
	for i, k := 2, key; ; i++ {
		if !used[k] {
			used[k] = true
			return k
		}
		k = fmt.Sprintf("%s_%d", key, i)
	}
}

// NewHTTPTargetEncoder returns a vegeta.TargetEncoder that writes targets in
// the http format vegeta's NewHTTPTargeter reads:
//
//	POST http://127.0.0.1:8000/api/v1/query/
//	Content-Type: application/json
//	@targets.http.bodies/001.json
//
// Headers are sorted. bodyFile stores a body and returns the path to write
// after "@" (see BodyFiles); targets without a body have no @ line.
func NewHTTPTargetEncoder(w io.Writer, bodyFile func([]byte) (string, error)) vegeta.TargetEncoder {
	var buf bytes.Buffer
	return func(t *vegeta.Target) error {
		buf.Reset()
		if strings.ContainsAny(t.URL, " \r\n") {
			return fmt.Errorf("target URL %q: the http format cannot hold spaces or newlines", t.URL)
		}
		fmt.Fprintf(&buf, "%s %s\n", t.Method, t.URL)
		for _, k := range slices.Sorted(maps.Keys(t.Header)) {
			for _, v := range t.Header[k] {
				if strings.ContainsAny(k+v, "\r\n") || strings.TrimSpace(v) == "" {
					return fmt.Errorf("header %q: the http format cannot hold an empty or multi-line value", k)
				}
				fmt.Fprintf(&buf, "%s: %s\n", k, v)
			}
		}
		if len(t.Body) > 0 {
			p, err := bodyFile(t.Body)
			if err != nil {
				return err
			}
			fmt.Fprintf(&buf, "@%s\n", p)
		}
		buf.WriteByte('\n')
		_, err := w.Write(buf.Bytes())
		return err
	}
}

// BodyFiles writes each distinct body once, as Dir/001.json, 002.json, …
// (.bin when the body is not JSON). Not safe for concurrent use.
type BodyFiles struct {
	// Dir is created on the first body; the returned paths start with it.
	Dir   string
	paths map[string]string
}

// Path stores body if it is new and returns its file's path.
func (bf *BodyFiles) Path(body []byte) (string, error) {
	if p, ok := bf.paths[string(body)]; ok {
		return p, nil
	}
	if bf.paths == nil {
		if err := os.MkdirAll(bf.Dir, 0o755); err != nil {
			return "", fmt.Errorf("body files: %w", err)
		}
		bf.paths = map[string]string{}
	}
	ext := ".bin"
	if json.Valid(body) {
		ext = ".json"
	}
	p := filepath.Join(bf.Dir, fmt.Sprintf("%03d%s", len(bf.paths)+1, ext))
	if err := os.WriteFile(p, body, 0o644); err != nil {
		return "", fmt.Errorf("body files: %w", err)
	}
	bf.paths[string(body)] = p
	return p, nil
}

// Len is the number of body files written.
func (bf *BodyFiles) Len() int { return len(bf.paths) }
