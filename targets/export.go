package targets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

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
