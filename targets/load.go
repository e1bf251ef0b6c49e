package targets

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileError is a problem at a place in an input file. Its message reads
// "file:line: field: problem", so a user can jump straight to it.
type FileError struct {
	File  string
	Line  int    // 1-based; 0 when the problem is not at one line
	Field string // dotted path such as "endpoints[1].weight"; may be empty
	Err   error
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }

// Load reads a YAML scenario file and applies it on top of Default: every
// field is optional. Endpoints merge by key (a listed key overrides only the
// fields it sets; weight 0 turns an endpoint off) unless replace_endpoints is
// true; vegeta_targets replaces them with those of a vegeta targets file,
// onto which listed endpoints then merge. The file format:
//
//	name: my-rag
//	auth: {login_path: /api/v1/auth/login, username_field: username,
//	       password_field: password, token_field: access_token}
//	queries: ["What is ...?", ...]        # or queries_file: questions.txt
//	replace_endpoints: false
//	vegeta_targets: targets.http           # endpoints from a vegeta targets file (FromVegeta)
//	vegeta_format: http                    # or json; default from the extension (.json: json)
//	endpoints:
//	  - key: query                         # merges onto the built-in "query"
//	    weight: 3
//	  - key: stream                        # a new endpoint
//	    name: /query/stream
//	    method: POST
//	    path: /api/v1/query/stream
//	    weight: 1
//	    auth: true
//	    json: {query: "{{query}}", max_results: 5}
//	    headers: {Accept: text/event-stream}
//	thresholds: ["p95<2s", "failures<1%", "query:p99<3s"]
//	marks: ["p50<1s"]
//
// Errors are *FileError values naming the file, line and field.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load on bytes already read; path is used in messages and to
// resolve queries_file.
func Parse(path string, data []byte) (*Scenario, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlSyntaxError(path, err)
	}
	sc := Default()
	sc.Source = path
	if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" { // empty file (or just "---"): the defaults
		return sc, nil
	}
	p := &parser{file: path}
	if err := p.scenario(doc.Content[0], sc); err != nil {
		return nil, err
	}
	if err := sc.Validate(); err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	return sc, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlUnclosed are yaml's parser errors (not its scanner's) about a list
// or mapping left open. yaml reports them at the line where that list or
// mapping starts, counted from 0 (its scanner counts from 1).
var yamlUnclosed = []string{
	"did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"did not find expected '-' indicator", "did not find expected key", "did not find expected node content",
}

func yamlSyntaxError(path string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		what := m[2]
		if slices.Contains(yamlUnclosed, what) {
			n++
			what += " (in the list or mapping that starts on this line)"
		}
		return &FileError{File: path, Line: n, Err: errors.New(what)}
	}
	return &FileError{File: path, Err: errors.New(strings.TrimPrefix(msg, "yaml: "))}
}

// LoadQueries reads a question pool: one question per line; blank lines and
// lines starting with # are skipped.
func LoadQueries(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read queries: %w", err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		qs = append(qs, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read queries %q: %w", path, err)
	}
	if len(qs) == 0 {
		return nil, &FileError{File: path, Err: errors.New("no questions (one per line expected)")}
	}
	return qs, nil
}

// resolveRelative resolves p against the directory of the scenario file.
func resolveRelative(scenarioFile, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(scenarioFile), p)
}
