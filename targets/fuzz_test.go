package targets

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/results/threshold"
)

// The fuzz targets of this package's parsers. Their seed corpus is
// testdata/fuzz/<FuzzName>/ (plus the f.Add calls); `make fuzz` runs each
// for a while, and a failing input that Go saves there is a regression
// seed to commit. Inputs are bounded so that one execution stays fast,
// and one that hangs fails (testtool.Within).

const fuzzMaxInput = 64 << 10

// fuzzFileError checks that err names the file it is about, as every error
// of a parser of this package must.
func fuzzFileError(t *testing.T, err error, path string) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FileError", err, err)
	}
	if fe.File != path || fe.Line < 0 || !strings.HasPrefix(err.Error(), path) {
		t.Fatalf("error %q: File %q, Line %d; want it to name %q", err, fe.File, fe.Line, path)
	}
}

// fuzzNoQuote fails when the message of err holds a run of more than 64
// bytes of data (the file names in dir left out): errors quote at most an
// excerpt (input.MaxExcerpt bytes, quoted and cut) of their input.
func fuzzNoQuote(t *testing.T, err error, data []byte, dir string) {
	t.Helper()
	const run = 64
	msg := strings.ReplaceAll(err.Error(), dir, "")
	for i := 0; i+run <= len(msg); i++ {
		if bytes.Contains(data, []byte(msg[i:i+run])) {
			t.Fatalf("error %q quotes %d bytes or more of its input", err, run)
		}
	}
}

// fuzzWrite writes data to name in dir and returns its path.
func fuzzWrite(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzParse feeds scenario files to Parse. An accepted scenario validates
// again, its thresholds and marks parse, it compiles into a Mix whose
// requests have valid URLs, and parsing is deterministic; a rejected one is
// a *FileError naming the file.
func FuzzParse(f *testing.F) {
	dir := f.TempDir()
	// Files a scenario may refer to, relative to itself.
	fuzzWrite(f, dir, "questions.txt", []byte("What is the travel policy?\n# comment\nHow do I reset my VPN token?\n"))
	fuzzWrite(f, dir, "targets.http", []byte("GET http://h/health\n\nPOST http://h/api/v1/query/\nContent-Type: application/json\nAuthorization: Bearer x\n@body.json\n"))
	fuzzWrite(f, dir, "body.json", []byte(`{"query":"q"}`))
	fuzzWrite(f, dir, "targets.json", []byte(`{"method":"GET","url":"http://h/health"}`+"\n"))
	if err := os.Mkdir(filepath.Join(dir, "docs"), 0o755); err != nil {
		f.Fatal(err)
	}
	fuzzWrite(f, filepath.Join(dir, "docs"), "a.txt", []byte("a document"))
	for _, name := range []string{filepath.Join("testdata", "scenario.yaml"), exampleScenario} {
		if seed, err := os.ReadFile(name); err == nil {
			f.Add(seed)
		}
	}
	for _, s := range []string{
		"", "---\n", "name: x\n",
		"endpoints:\n  - key: query\n    weight: 3\n  - key: health\n    weight: 0\n",
		"replace_endpoints: true\nendpoints:\n  - {key: chat, method: post, path: /chat, json: {q: '{{query}}'}}\nqueries: [a, b]\n",
		"queries_file: questions.txt\n",
		"vegeta_targets: targets.http\n",
		"vegeta_targets: targets.json\nvegeta_format: json\n",
		"thresholds: [\"p95<2s\", \"failures<1%\"]\nmarks: [\"p50<1s\"]\n",
		"endpoints:\n  - key: query\n    weight: -1\n",
		"endpoints: [{key: s, stream: sse, body: '{{query}}'}]\n",
		"auth: {login_path: /login, token_field: data.token}\n",
		"a: &a [*a]\n",
		// Journeys: variables, ranges, polling, a step's own body, an upload.
		"endpoints:\n  - {key: c, method: POST, path: /c/{{cid}}/m?t={{t}}, headers: {X-T: '{{t}}'}, json: {m: '{{query}} {{cid}}'}}\n  - {key: up, method: POST, path: /up, upload: {dir: docs}}\njourneys:\n  - name: j\n    weight: 2\n    steps:\n      - {endpoint: up, save: {cid: id, t: 'header:X-T'}}\n      - {endpoint: c, repeat: 2-4, think: 1s-3s}\n      - {endpoint: query, body: 'q={{cid}}', until: {json: s, equals: ready, every: 500ms, within: 30s}}\n",
		"journeys:\n  - name: j\n    steps:\n      - endpoint: query\n        repeat: 4-2\n",
		"endpoints:\n  - {key: f, path: '/c/{{cid}}'}\njourneys:\n  - {name: a, steps: [{endpoint: f}]}\n  - {name: a, steps: [{endpoint: health}]}\n",
		// A value quoted in an error is cut to an excerpt (fuzzNoQuote).
		"auth: S3cretValue-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789\n", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
	} {
		f.Add([]byte(s))
	}
	path := filepath.Join(dir, "scenario.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input too large")
		}
		// A file name the fuzzer spells out could be a device that never
		// ends (/dev/zero): not what this target is about.
		if bytes.Contains(data, []byte("/dev")) || bytes.Contains(data, []byte("/proc")) || bytes.Contains(data, []byte("/sys")) {
			t.Skip("names a special file")
		}
		var sc *Scenario
		var err error
		testtool.Within(t, "parser", func() { sc, err = Parse(path, data) })
		if err != nil {
			if sc != nil {
				t.Fatalf("Parse returned a scenario and an error %v", err)
			}
			fuzzFileError(t, err, path)
			fuzzNoQuote(t, err, data, dir)
			return
		}
		if err := sc.Validate(); err != nil {
			t.Fatalf("accepted scenario does not validate: %v", err)
		}
		if sc.Source != path {
			t.Fatalf("Source %q, want %q", sc.Source, path)
		}
		for _, expr := range append(append([]string{}, sc.Thresholds...), sc.Marks...) {
			if _, err := threshold.Parse(expr); err != nil {
				t.Fatalf("accepted threshold %q: %v", expr, err)
			}
		}
		again, err := Parse(path, data)
		if err != nil || !reflect.DeepEqual(sc, again) {
			t.Fatalf("second Parse differs: %v\n%#v\n%#v", err, sc, again)
		}
		m, err := NewMix(sc, "http://127.0.0.1:8000")
		if err != nil {
			t.Fatalf("accepted scenario does not compile: %v", err)
		}
		if m.Len() != len(sc.Active()) {
			t.Fatalf("mix has %d endpoints, want %d", m.Len(), len(sc.Active()))
		}
		for i := range m.Len() {
			u := m.reqs[i].url
			if _, err := url.Parse(u); err != nil {
				t.Fatalf("endpoint %q: URL %q: %v", m.Endpoint(i).Key, u, err)
			}
		}
		fuzzJourneys(t, sc)
	})
}

// fuzzJourneys checks an accepted scenario's journeys: they compile, and
// every step fills a target once the variables of the steps before it are
// set (to a value that needs escaping), with a URL that parses and, for a
// JSON template, a body that is JSON.
func fuzzJourneys(t *testing.T, sc *Scenario) {
	js, err := NewJourneys(sc, "http://127.0.0.1:8000/api")
	if err != nil || (js == nil) != (len(sc.Journeys) == 0) {
		t.Fatalf("NewJourneys of an accepted scenario: %v, %v", js, err)
	}
	if js == nil {
		return
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for j := range js.Len() {
		vars := Vars{}
		for s, st := range js.Journey(j).Steps {
			var tgt vegeta.Target
			if err := js.Target(&tgt, j, s, vars, rng, "tok"); err != nil {
				t.Fatalf("journey %d step %d: %v", j, s, err)
			}
			u, _, _ := strings.Cut(tgt.URL, "#") // the fragment is the key, as NewMix writes it
			if _, err := url.Parse(u); err != nil {
				t.Fatalf("journey %d step %d: URL %q: %v", j, s, tgt.URL, err)
			}
			if js.steps[j][s].body != nil && js.Endpoint(j, s).JSON != nil && !json.Valid(tgt.Body) {
				t.Fatalf("journey %d step %d: body %q is not JSON", j, s, tgt.Body)
			}
			for _, sv := range st.Save {
				vars[sv.Var] = `a/b?c "d" {{e}} é`
			}
		}
	}
}

// FuzzLoadQueries feeds question files to LoadQueries: every question it
// returns is a trimmed, non-empty line that is not a comment.
func FuzzLoadQueries(f *testing.F) {
	for _, name := range []string{"questions.txt", "no_questions.txt"} {
		if seed, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(seed)
		}
	}
	for _, s := range []string{"", "\n\n", "a\r\nb\r\n", "# only\n", "  q  \n#x\n\tq2", "\xff\xfe\x00"} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input too large")
		}
		path := fuzzWrite(t, dir, "questions.txt", data)
		var qs []string
		var err error
		testtool.Within(t, "parser", func() { qs, err = LoadQueries(path) })
		if err != nil {
			if qs != nil {
				t.Fatalf("LoadQueries returned questions and an error %v", err)
			}
			fuzzFileError(t, err, path)
			fuzzNoQuote(t, err, data, dir)
			return
		}
		if len(qs) == 0 || len(qs) > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d questions from %d lines", len(qs), bytes.Count(data, []byte("\n"))+1)
		}
		for _, q := range qs {
			if q == "" || q != strings.TrimSpace(q) || strings.HasPrefix(q, "#") || strings.ContainsAny(q, "\n") {
				t.Fatalf("question %q: want a trimmed line that is not a comment", q)
			}
			if !bytes.Contains(data, []byte(q)) {
				t.Fatalf("question %q is not in the file", q)
			}
		}
	})
}

// FuzzReadVegeta checks that ReadVegeta reads an http-format targets file
// as vegeta's own targeter does, although it reads the @body files itself
// (vegeta is left none to open): the same targets with the same bodies,
// and an error where vegeta fails. Every @ line of the input names one
// body file, so that vegeta reads nothing else.
func FuzzReadVegeta(f *testing.F) {
	for _, s := range []string{
		"GET http://h/a\n\nPOST http://h/b\nX: 1\n@b\n",
		"POST http://h/a\n@b\nGET http://h/c\n",
		"POST http://h/a\n# c\n@b\n\n# d\n\nGET http://h/c\n@b\nX: 2\n",
		"GET http://h/a\nGET http://h/b\n@b\n",
		"GET http://h/a\n\n@b\n", "GET http://h/a\n  @b  \r\n", "@b\n", "GET http://h/a\nbad\n@b\n", "",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	body := filepath.Join(dir, "body")
	if err := os.WriteFile(body, []byte("B"), 0o600); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input too large")
		}
		lines := strings.Split(string(data), "\n")
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "@") {
				lines[i] = "@" + body
			}
			if len(lines[i])+1 > vegetaMaxLine { // vegeta stops there as if the file ended
				t.Skip("a line longer than vegeta reads")
			}
		}
		text := strings.Join(lines, "\n")
		want, wantErr := vegeta.ReadAllTargets(vegeta.NewHTTPTargeter(strings.NewReader(text), nil, nil))
		path := fuzzWrite(t, dir, "t.http", []byte(text))
		var got *VegetaTargets
		var err error
		testtool.Within(t, "reader", func() { got, err = ReadVegeta(path, "http") })
		switch {
		case err != nil && wantErr == nil:
			t.Fatalf("ReadVegeta: %v; vegeta read %d targets", err, len(want))
		case err == nil && wantErr != nil:
			t.Fatalf("ReadVegeta read %d targets; vegeta: %v", len(got.Targets), wantErr)
		case err != nil:
			fuzzFileError(t, err, path)
			return
		}
		if !reflect.DeepEqual(got.Targets, want) {
			t.Fatalf("ReadVegeta read\n%+v\nvegeta\n%+v", got.Targets, want)
		}
	})
}
