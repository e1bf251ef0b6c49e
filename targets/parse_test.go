package targets

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseEmptyIsDefault(t *testing.T) {
	for _, src := range []string{"", "\n\n", "# all commented out\n# name: x\n", "---\n", "--- # nothing\n"} {
		t.Run(fmt.Sprintf("%q", src), func(t *testing.T) {
			sc := mustParse(t, src)
			want := Default()
			want.Source = "scenario.yaml"
			if !reflect.DeepEqual(sc, want) {
				t.Errorf("Parse(%q) =\n%+v\nwant the defaults\n%+v", src, sc, want)
			}
		})
	}
}

func TestParseMergeByKey(t *testing.T) {
	sc := mustParse(t, "endpoints:\n  - key: query\n    weight: 3\n")
	want := Default()
	want.Source = "scenario.yaml"
	want.Endpoints[0].Weight = 3
	if !reflect.DeepEqual(sc, want) {
		t.Errorf("merge changed more than the weight:\n got %+v\nwant %+v", sc.Endpoints, want.Endpoints)
	}
}

func TestParseMergeFields(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		key   string
		check func(t *testing.T, e Endpoint)
	}{
		{"method is upper-cased", "endpoints:\n  - key: documents\n    method: delete\n", "documents", func(t *testing.T, e Endpoint) {
			if e.Method != "DELETE" || e.Path != "/api/v1/documents/" {
				t.Errorf("method, path = %q, %q", e.Method, e.Path)
			}
		}},
		{"json replaces the whole template", "endpoints:\n  - key: query\n    json: {question: \"{{query}}\"}\n", "query", func(t *testing.T, e Endpoint) {
			if want := map[string]any{"question": QueryPlaceholder}; !reflect.DeepEqual(e.JSON, want) {
				t.Errorf("JSON = %#v, want %#v", e.JSON, want)
			}
		}},
		{"body replaces an inherited json", "endpoints:\n  - key: query\n    body: 'q={{query}}'\n", "query", func(t *testing.T, e Endpoint) {
			if e.JSON != nil || e.Body != "q="+QueryPlaceholder {
				t.Errorf("JSON, Body = %#v, %q", e.JSON, e.Body)
			}
		}},
		{"auth off, name and headers", "endpoints:\n  - key: documents\n    auth: false\n    name: docs\n    headers: {X-Tenant: acme}\n", "documents", func(t *testing.T, e Endpoint) {
			if e.Auth || e.Name != "docs" || !reflect.DeepEqual(e.Header, map[string]string{"X-Tenant": "acme"}) || e.Weight != 1 {
				t.Errorf("endpoint = %+v", e)
			}
		}},
		{"the built-in stream endpoint turns on with a weight", "endpoints:\n  - key: stream\n    weight: 2\n", "stream", func(t *testing.T, e Endpoint) {
			if e.Weight != 2 || e.Stream != StreamSSE || e.Path != "/api/v1/query/stream" || !e.Auth {
				t.Errorf("endpoint = %+v", e)
			}
		}},
		{"new endpoint gets defaults", "endpoints:\n  - key: search\n    path: /api/v1/search\n", "search", func(t *testing.T, e Endpoint) {
			want := Endpoint{Key: "search", Name: "search", Method: "GET", Path: "/api/v1/search", Weight: 1}
			if !reflect.DeepEqual(e, want) {
				t.Errorf("endpoint = %+v, want %+v", e, want)
			}
		}},
		{"new endpoint with everything", `endpoints:
  - key: chat
    name: /chat/stream
    method: POST
    path: /api/v1/chat/stream
    weight: 4
    auth: true
    json: {query: "{{query}}", options: {k: [1, 2]}}
    headers: {Accept: text/event-stream}
    stream: chunked
`, "chat", func(t *testing.T, e Endpoint) {
			want := Endpoint{
				Key: "chat", Name: "/chat/stream", Method: "POST", Path: "/api/v1/chat/stream", Weight: 4, Auth: true,
				JSON:   map[string]any{"query": QueryPlaceholder, "options": map[string]any{"k": []any{1, 2}}},
				Header: map[string]string{"Accept": "text/event-stream"}, Stream: StreamChunked,
			}
			if !reflect.DeepEqual(e, want) {
				t.Errorf("endpoint =\n%#v\nwant\n%#v", e, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := mustParse(t, tt.src)
			tt.check(t, endpointByKey(t, sc, tt.key))
			if len(sc.Endpoints) < 4 {
				t.Errorf("built-in endpoints lost: %d left", len(sc.Endpoints))
			}
		})
	}
}

func TestParseWeightZeroDisables(t *testing.T) {
	sc := mustParse(t, "endpoints:\n  - key: health\n    weight: 0\n  - key: documents\n    weight: 0\n")
	var active []string
	for _, e := range sc.Active() {
		active = append(active, e.Key)
	}
	if want := []string{"query", "enhanced"}; !slices.Equal(active, want) {
		t.Errorf("active = %v, want %v", active, want)
	}
	if e, ok := sc.Endpoint("health"); !ok || e.Weight != 0 {
		t.Errorf("health = %+v, %v; want it kept with weight 0", e, ok)
	}
}

func TestParseReplaceEndpoints(t *testing.T) {
	sc := mustParse(t, "replace_endpoints: true\nendpoints:\n  - key: ping\n    path: /ping\n    weight: 2\n")
	want := []Endpoint{{Key: "ping", Name: "ping", Method: "GET", Path: "/ping", Weight: 2}}
	if !reflect.DeepEqual(sc.Endpoints, want) {
		t.Errorf("Endpoints = %+v, want %+v", sc.Endpoints, want)
	}
	// The order of the fields does not matter: endpoints first.
	sc = mustParse(t, "endpoints:\n  - key: ping\n    path: /ping\nreplace_endpoints: true\n")
	if len(sc.Endpoints) != 1 || sc.Endpoints[0].Key != "ping" {
		t.Errorf("endpoints before replace_endpoints: got %+v", sc.Endpoints)
	}
	// A key of a built-in endpoint brings it in, path, method and body;
	// the fields given override, the other built-ins stay out.
	sc = mustParse(t, "replace_endpoints: true\nendpoints:\n  - key: health\n  - key: query\n    weight: 1\n    json: {query: '{{query}}', max_results: 9}\n")
	health, _ := Default().Endpoint("health")
	query, _ := Default().Endpoint("query")
	query.Weight, query.JSON = 1, map[string]any{"query": QueryPlaceholder, "max_results": 9}
	if want := []Endpoint{health, query}; !reflect.DeepEqual(sc.Endpoints, want) {
		t.Errorf("built-in keys under replace_endpoints: Endpoints = %+v, want %+v", sc.Endpoints, want)
	}
	// The built-in stream is off: listed alone, it still needs a weight.
	sc = mustParse(t, "replace_endpoints: true\nendpoints:\n  - {key: stream, weight: 2}\n")
	if len(sc.Endpoints) != 1 || sc.Endpoints[0].Path != "/api/v1/query/stream" || sc.Endpoints[0].Stream != StreamSSE || sc.Endpoints[0].Weight != 2 {
		t.Errorf("stream under replace_endpoints: Endpoints = %+v", sc.Endpoints)
	}
	// Any other key without a path is an error at its line, naming the built-in keys.
	_, err := Parse("s.yaml", []byte("replace_endpoints: true\nendpoints:\n  - key: health\n  - key: ping\n    weight: 1\n"))
	checkFileError(t, err, "s.yaml", 4, "endpoints[1].path", `missing: "ping" is not a built-in endpoint (query, enhanced, health, documents, stream), so it needs a path`)
	_, err = Parse("s.yaml", []byte("endpoints:\n  - {key: ping}\n"))
	checkFileError(t, err, "s.yaml", 2, "endpoints[0].path", `"ping" is not a built-in endpoint`)
	// Replacing with nothing leaves nothing to send.
	_, err = Parse("s.yaml", []byte("replace_endpoints: true\n"))
	checkFileError(t, err, "s.yaml", 0, "", "no endpoint has a weight > 0")

	sc = mustParse(t, "replace_endpoints: false\nendpoints:\n  - key: ping\n    path: /ping\n")
	if want := len(Default().Endpoints) + 1; len(sc.Endpoints) != want {
		t.Errorf("replace_endpoints: false kept %d endpoints, want %d", len(sc.Endpoints), want)
	}
}

func TestParseQueriesThresholdsMarksAuth(t *testing.T) {
	sc := mustParse(t, `name: nightly
queries:
  - "First question?"
  - Second question
thresholds: ["p95<2s", "failures<1%"]
marks: [p50<1s]
auth:
  token_field: data.access_token
`)
	if sc.Name != "nightly" {
		t.Errorf("Name = %q", sc.Name)
	}
	if want := []string{"First question?", "Second question"}; !slices.Equal(sc.Queries, want) {
		t.Errorf("Queries = %q, want %q", sc.Queries, want)
	}
	if want := []string{"p95<2s", "failures<1%"}; !slices.Equal(sc.Thresholds, want) {
		t.Errorf("Thresholds = %q, want %q", sc.Thresholds, want)
	}
	if want := []string{"p50<1s"}; !slices.Equal(sc.Marks, want) {
		t.Errorf("Marks = %q, want %q", sc.Marks, want)
	}
	want := Default().Auth
	want.TokenField = "data.access_token"
	if sc.Auth != want {
		t.Errorf("Auth = %+v, want %+v (only token_field changed)", sc.Auth, want)
	}
	if d := Default(); d.Thresholds != nil || d.Marks != nil {
		t.Errorf("Default has thresholds/marks: %q %q", d.Thresholds, d.Marks)
	}
}

func TestLoadFixture(t *testing.T) {
	path := filepath.Join("testdata", "scenario.yaml")
	sc, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "my-rag" || sc.Source != path {
		t.Errorf("Name, Source = %q, %q", sc.Name, sc.Source)
	}
	wantAuth := Auth{LoginPath: "/auth/token", UsernameField: "email", PasswordField: "password", TokenField: "data.access_token"}
	if sc.Auth != wantAuth {
		t.Errorf("Auth = %+v, want %+v", sc.Auth, wantAuth)
	}
	wantQ := []string{"What is the travel policy?", "How do I reset my VPN token?", "Who approves purchase orders over $10,000?"}
	if !slices.Equal(sc.Queries, wantQ) {
		t.Errorf("Queries = %q, want %q (from testdata/questions.txt)", sc.Queries, wantQ)
	}
	weights := map[string]int{}
	for _, e := range sc.Endpoints {
		weights[e.Key] = e.Weight
	}
	if want := map[string]int{"query": 3, "enhanced": 2, "health": 0, "documents": 1, "stream": 2}; !reflect.DeepEqual(weights, want) {
		t.Errorf("weights = %v, want %v", weights, want)
	}
	st := endpointByKey(t, sc, "stream")
	if st.Method != "POST" || !st.Auth || st.Name != "/query/stream" || st.Header["Accept"] != "text/event-stream" {
		t.Errorf("stream = %+v", st)
	}
	if want := []string{"p95<2s", "failures<1%", "query:p99<3s"}; !slices.Equal(sc.Thresholds, want) {
		t.Errorf("Thresholds = %q", sc.Thresholds)
	}
	if want := []string{"p50<1s"}; !slices.Equal(sc.Marks, want) {
		t.Errorf("Marks = %q", sc.Marks)
	}
}

func TestParseQueriesFileRelativeToScenario(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "sub", "s.yaml") // need not exist: Parse gets the bytes
	q := writeFile(t, "q.txt", "one\ntwo\n")
	tests := []struct {
		name, ref string
		wantErr   bool
	}{
		{"relative to the scenario's directory", mustRel(t, filepath.Join(dir, "sub"), q), false},
		{"absolute", q, false},
		// testdata/questions.txt exists from the working directory, not
		// from the scenario's.
		{"not relative to the working directory", filepath.Join("testdata", "questions.txt"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse(scenario, []byte("queries_file: "+tt.ref+"\n"))
			if tt.wantErr {
				checkFileError(t, err, scenario, 1, "queries_file", "no such file")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"one", "two"}; !slices.Equal(sc.Queries, want) {
				t.Errorf("Queries = %q, want %q", sc.Queries, want)
			}
		})
	}
}

func mustRel(t *testing.T, base, target string) string {
	t.Helper()
	r, err := filepath.Rel(base, target)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(absent) = %v, want fs.ErrNotExist", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		line  int
		field string
		want  []string
	}{
		{"unknown top-level field", "name: x\nendpoint:\n  - key: query\n", 2, "endpoint", []string{"unknown field", "endpoints"}},
		{"unknown endpoint field", "endpoints:\n  - key: query\n    wieght: 3\n", 3, "endpoints[0].wieght", []string{"unknown field", "weight"}},
		{"weight not a number", "endpoints:\n  - key: query\n  - key: health\n    weight: lots\n", 4, "endpoints[1].weight", []string{`"lots" is not a whole number`}},
		{"weight a fraction", "endpoints:\n  - key: query\n    weight: 1.5\n", 3, "endpoints[0].weight", []string{`"1.5" is not a whole number`}},
		{"weight a fraction below 1", "endpoints:\n  - key: query\n    weight: 0.5\n", 3, "endpoints[0].weight", []string{`"0.5" is not a whole number`}},
		{"weight quoted", "endpoints:\n  - key: query\n    weight: \"3\"\n", 3, "endpoints[0].weight", []string{`"3" is not a whole number`}},
		{"negative weight", "name: n\nendpoints:\n  - key: extra\n    path: /x\n    weight: -2\n    auth: false\n", 5, "endpoints[0].weight", []string{"-2 is negative"}},
		{"bad method", "endpoints:\n  - key: query\n    method: FETCH\n", 3, "endpoints[0].method", []string{`"FETCH" isn't one of`, "POST"}},
		{"path without slash", "endpoints:\n  - key: health\n  - key: new\n    name: New\n    path: api/new\n", 5, "endpoints[1].path", []string{`"api/new" must start with /`}},
		{"new endpoint without path", "endpoints:\n  - key: new\n    weight: 2\n", 2, "endpoints[0].path", []string{`missing: "new" is not a built-in endpoint (query, enhanced, health, documents, stream)`}},
		{"new endpoint with an empty path", "endpoints:\n  - key: new\n    path: ''\n", 3, "endpoints[0].path", []string{`"" must start with /`}},
		{"endpoint without key", "endpoints:\n  - key: query\n    weight: 1\n  - name: nokey\n    path: /x\n", 4, "endpoints[1].key", []string{"missing"}},
		{"json and body", "endpoints:\n  - key: new\n    path: /x\n    json: {a: 1}\n    body: raw\n", 5, "endpoints[0].body", []string{"mutually exclusive"}},
		{"body and json", "endpoints:\n  - key: query\n    body: raw\n    json: {a: 1}\n", 3, "endpoints[0].body", []string{"mutually exclusive"}},
		{"duplicate endpoint key", "endpoints:\n  - key: new\n    path: /x\n  - key: health\n  - key: new\n    weight: 2\n", 5, "endpoints[2].key", []string{`"new" is listed twice`, "line 2"}},
		{"duplicate endpoint field", "endpoints:\n  - key: query\n    weight: 1\n    weight: 3\n", 4, "endpoints[0].weight", []string{"twice", "line 3"}},
		{"duplicate top-level field", "name: a\nqueries: [q]\nname: b\n", 3, "name", []string{"twice", "line 1"}},
		{"auth unknown field", "auth:\n  login_path: /login\n  token: t\n", 3, "auth.token", []string{"unknown field", "token_field"}},
		{"auth not a mapping", "auth: /login\n", 1, "auth", []string{"expected a mapping"}},
		{"auth field not a string", "auth:\n  login_path: [a, b]\n", 2, "auth.login_path", []string{"expected a single value"}},
		{"endpoints not a list", "endpoints:\n  key: query\n", 2, "endpoints", []string{"expected a list"}},
		{"queries not a list", "queries: one question\n", 1, "queries", []string{"expected a list"}},
		{"query not a string", "queries:\n  - fine\n  - {a: 1}\n", 3, "queries[1]", []string{"expected a single value"}},
		{"replace_endpoints not a bool", "replace_endpoints: maybe\n", 1, "replace_endpoints", []string{`"maybe" is not a boolean`}},
		{"auth flag not a bool", "endpoints:\n  - key: health\n    auth: sometimes\n", 3, "endpoints[0].auth", []string{"not a boolean"}},
		{"headers not a string map", "endpoints:\n  - key: health\n    headers: [a]\n", 3, "endpoints[0].headers", nil},
		{"queries_file missing", "name: x\nqueries_file: nope.txt\n", 2, "queries_file", []string{"nope.txt", "no such file"}},
		{"queries_file empty", "queries_file: " + mustAbs(t, "testdata/no_questions.txt") + "\n", 1, "queries_file", []string{"no_questions.txt", "no questions"}},
		{"top level not a mapping", "- key: query\n", 1, "", []string{"not a scenario: want a YAML mapping"}},
		{"yaml: bad indentation", "name: x\nauth:\n  login_path: /a\n   token_field: t\n", 4, "", []string{"mapping values are not allowed"}},
		{"yaml: unterminated quote", "name: x\nqueries:\n  - \"open\n", 3, "", []string{"unexpected end of stream"}},
		{"yaml: tab indentation", "name: x\nendpoints:\n\t- key: query\n", 3, "", []string{"a tab in the indentation: YAML indents with spaces only, never tabs"}},
		{"yaml: tab in a block's indentation", "name: t\nendpoints:\n  - key: health\n    weight:\t1\n  - key: query\n\tweight: 2\n", 6, "", []string{"a tab in the indentation"}},
		{"yaml: tab in a block scalar", "name: x\nqueries:\n  - |\n\tline one\n", 4, "", []string{"a tab in the indentation"}},
		{"yaml: spaces then a tab", "name: x\nendpoints:\n  - key: query\n  \t weight: 2\n", 4, "", []string{"a tab in the indentation"}},
		{"yaml: a tab inside a value is no indentation", "name: x\nqueries:\n  - a\tb\n  - @c\n", 4, "", []string{"cannot start any token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("scen.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", sc)
			}
			if sc != nil {
				t.Errorf("Parse returned a scenario with its error")
			}
			checkFileError(t, err, "scen.yaml", tt.line, tt.field, tt.want...)
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParseWholeScenarioErrorsHaveNoLine(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"all off", "endpoints:\n  - {key: query, weight: 0}\n  - {key: enhanced, weight: 0}\n  - {key: health, weight: 0}\n  - {key: documents, weight: 0}\n", "no endpoint has a weight > 0"},
		{"empty pool", "queries: []\n", "queries: the pool is empty"},
		{"duplicate name", "endpoints:\n  - key: ping\n    name: /health\n    path: /ping\n", `"/health" is used twice`},
		{"auth missing", "auth:\n  login_path: \"\"\n", "auth.login_path: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tt.src))
			checkFileError(t, err, "s.yaml", 0, "", tt.want)
		})
	}
}

func TestParseThresholdsAreChecked(t *testing.T) {
	_, err := Parse("s.yaml", []byte("name: x\nthresholds:\n  - p95<2s\n  - p95<fast\nmarks: [p50<1s]\n"))
	checkFileError(t, err, "s.yaml", 4, "thresholds[1]", `threshold "p95<fast": value "fast" is not a duration`)

	_, err = Parse("s.yaml", []byte("thresholds: [p95<2s]\nmarks:\n  - p50<1s\n  - p90 bad\n"))
	checkFileError(t, err, "s.yaml", 4, "marks[1]", `threshold "p90 bad": no comparison`)

	sc := mustParse(t, "thresholds: [p95<2s, failures<1%]\nmarks: [p50<1s]\n")
	if !slices.Equal(sc.Thresholds, []string{"p95<2s", "failures<1%"}) || !slices.Equal(sc.Marks, []string{"p50<1s"}) {
		t.Errorf("Thresholds, Marks = %q, %q", sc.Thresholds, sc.Marks)
	}
}

func TestFileErrorFormat(t *testing.T) {
	inner := errors.New("boom")
	tests := []struct {
		e    FileError
		want string
	}{
		{FileError{File: "a.yaml", Line: 3, Field: "endpoints[0].weight", Err: inner}, "a.yaml:3: endpoints[0].weight: boom"},
		{FileError{File: "a.yaml", Line: 3, Err: inner}, "a.yaml:3: boom"},
		{FileError{File: "a.yaml", Field: "queries", Err: inner}, "a.yaml: queries: boom"},
		{FileError{File: "a.yaml", Err: inner}, "a.yaml: boom"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !errors.Is(&tt.e, inner) {
			t.Errorf("%q does not unwrap to its cause", tt.want)
		}
	}
}

func TestLoadQueries(t *testing.T) {
	qs, err := LoadQueries(filepath.Join("testdata", "questions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"What is the travel policy?", "How do I reset my VPN token?", "Who approves purchase orders over $10,000?"}
	if !slices.Equal(qs, want) {
		t.Errorf("LoadQueries = %q, want %q", qs, want)
	}

	p := writeFile(t, "crlf.txt", "a?\r\n\r\n#c\r\nb?\r\n")
	if qs, err := LoadQueries(p); err != nil || !slices.Equal(qs, []string{"a?", "b?"}) {
		t.Errorf("CRLF file: %q, %v", qs, err)
	}

	long := strings.Repeat("x", 100_000) // beyond bufio's default 64 KiB token
	p = writeFile(t, "long.txt", long+"\n")
	if qs, err := LoadQueries(p); err != nil || len(qs) != 1 || qs[0] != long {
		t.Errorf("long line: %d questions, %v", len(qs), err)
	}
}

func TestLoadQueriesErrors(t *testing.T) {
	for _, name := range []string{"no_questions.txt"} {
		path := filepath.Join("testdata", name)
		_, err := LoadQueries(path)
		checkFileError(t, err, path, 0, "", "no questions")
	}
	empty := writeFile(t, "empty.txt", "")
	_, err := LoadQueries(empty)
	checkFileError(t, err, empty, 0, "", "no questions")

	missing := filepath.Join(t.TempDir(), "missing.txt")
	_, err = LoadQueries(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("LoadQueries(missing) = %v, want a not-exist error naming the file", err)
	}
}
