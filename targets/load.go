package targets

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ragload/ragload/internal/input"
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
// onto which listed endpoints then merge. Either way a listed key of a
// built-in endpoint brings that endpoint in; any other new key needs a path.
// The file format:
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
//	    checks:                            # judge every response (package checks)
//	      - status: 2xx
//	      - {json: sources, min_items: 1}
//	  - key: stream                        # a new endpoint
//	    name: /query/stream
//	    method: POST
//	    path: /api/v1/query/stream
//	    weight: 1
//	    auth: true
//	    json: {query: "{{query}}", max_results: 5}
//	    headers: {Accept: text/event-stream}
//	  - key: upload                        # multipart/form-data, one file of the folder per request
//	    method: POST
//	    path: /api/v1/documents/upload
//	    upload: {field: file, dir: ./docs}   # relative to this file
//	thresholds: ["p95<2s", "failures<1%", "query:p99<3s"]
//	marks: ["p50<1s"]
//	journeys:                              # sequences of requests (then only they are sent)
//	  - name: conversation
//	    weight: 3
//	    steps:
//	      - endpoint: start_chat
//	        save: {cid: conversation_id}   # a JSON path of the response, or header:Name
//	      - endpoint: follow_up            # its path holds {{cid}}
//	        repeat: 2-4
//	        think: 1s-3s
//	secret_headers: [X-Tenant]               # headers recordings and exports treat as secrets
//	slo: {latency: 2s, ttft: 1s, tpot: 100ms} # the objectives of goodput
//
// A file larger than MaxScenarioBytes is refused, and so are the files it
// names beyond their caps (MaxQueriesBytes, MaxVegetaBytes). Errors are
// *FileError values naming the file, line and field; they quote at most a
// short excerpt of the file (input.MaxExcerpt bytes), so that a file that
// is not a scenario is never shown whole.
func Load(path string) (*Scenario, error) {
	data, err := osFiles.readFile(path, MaxScenarioBytes, "a scenario file")
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, data)
}

// Caps on the files a scenario reads. Each file is read through a reader
// that stops one byte past its cap, so that a device (/dev/zero) or a
// pipe that never ends fails with an error naming the file and the cap
// instead of exhausting memory; the caps are far above real files.
const (
	// MaxScenarioBytes caps a scenario file at 4 MiB: a scenario lists
	// endpoints, thresholds and perhaps some questions, a few KiB; even
	// thousands of inline questions stay under 1 MiB, and a larger pool
	// belongs in a queries_file.
	MaxScenarioBytes = 4 << 20
	// MaxQueriesBytes caps a queries file at 64 MiB: some 500,000
	// questions of 100 bytes, more than a load test samples, all held in
	// memory for the run.
	MaxQueriesBytes = 64 << 20
	// MaxQueryLine caps one question (one line of a queries file) at
	// 1 MiB, far beyond the prompt a RAG API accepts.
	MaxQueryLine = 1 << 20
)

// Parse is Load on bytes already read; path is used in messages and to
// resolve queries_file.
func Parse(path string, data []byte) (*Scenario, error) {
	return parse(osFiles, path, data)
}

// notScenario is the error for a file whose top level is not a mapping
// of scenario fields: it says so without quoting the file, which may be
// anything (/etc/passwd parses as one long YAML string).
var notScenario = errors.New("not a scenario: want a YAML mapping of fields such as endpoints, queries, thresholds")

// parse reads the scenario name, opening the files it names through fsys.
func parse(fsys *files, name string, data []byte) (*Scenario, error) {
	path := fsys.show(name)
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlSyntaxError(path, data, err)
	}
	sc := Default()
	sc.Source = path
	if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" { // empty file (or just "---"): the defaults
		return sc, nil
	}
	p := &parser{file: path, name: name, fsys: fsys}
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

// yamlTabErrors are what yaml says about a tab in the indentation: a
// tab that starts a line's content, or one in a block's indentation.
var yamlTabErrors = []string{
	"found character that cannot start any token", "found a tab character that violates indentation",
	"found a tab character where an indentation space is expected",
}

func yamlSyntaxError(path string, data []byte, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		what := m[2]
		if slices.Contains(yamlTabErrors, what) {
			if tab := tabIndented(data, n); tab > 0 {
				return &FileError{File: path, Line: tab, Err: errors.New("a tab in the indentation: YAML indents with spaces only, never tabs")}
			}
		}
		if slices.Contains(yamlUnclosed, what) {
			n++
			what += " (in the list or mapping that starts on this line)"
		}
		return &FileError{File: path, Line: n, Err: errors.New(input.CutMessage(what))}
	}
	return &FileError{File: path, Err: errors.New(input.CutMessage(strings.TrimPrefix(msg, "yaml: ")))}
}

// tabIndented returns the line of data, n or the one after it (yaml
// reports a tab in a block's indentation at the line before), whose
// indentation holds a tab, or 0.
func tabIndented(data []byte, n int) int {
	lines := strings.Split(string(data), "\n")
	for _, l := range []int{n, n + 1} {
		if l < 1 || l > len(lines) {
			continue
		}
		line := lines[l-1]
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if strings.Contains(indent, "\t") {
			return l
		}
	}
	return 0
}

// LoadQueries reads a question pool: one question per line; blank lines and
// lines starting with # are skipped. A file larger than MaxQueriesBytes or
// with a line longer than MaxQueryLine is refused.
func LoadQueries(path string) ([]string, error) {
	return loadQueries(osFiles, path)
}

func loadQueries(fsys *files, name string) ([]string, error) {
	path := fsys.show(name)
	f, err := fsys.open(name)
	if err != nil {
		return nil, fmt.Errorf("read queries: %w", err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(input.NewReader(f, MaxQueriesBytes, MaxQueryLine, "a queries file"))
	sc.Buffer(make([]byte, 64*1024), MaxQueryLine+2) // the reader stops a longer line first, with its number
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		qs = append(qs, line)
	}
	if err := sc.Err(); err != nil {
		return nil, capError(path, err)
	}
	if len(qs) == 0 {
		return nil, &FileError{File: path, Err: errors.New("no questions (one per line expected)")}
	}
	return qs, nil
}

// capError places an error of an input.NewReader: a line too long at its
// line, a file too large at the file.
func capError(path string, err error) error {
	var le *input.LineTooLongError
	if errors.As(err, &le) {
		return &FileError{File: path, Line: le.Line, Err: err}
	}
	return &FileError{File: path, Err: err}
}
