package targets

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseJourneyErrors(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	os.Mkdir(filepath.Join(dir, "ok"), 0o755)
	os.WriteFile(filepath.Join(dir, "ok", "a.txt"), []byte("a"), 0o600)
	os.WriteFile(filepath.Join(dir, "file.txt"), []byte("x"), 0o600)
	os.Mkdir(filepath.Join(dir, "big"), 0o755)
	os.WriteFile(filepath.Join(dir, "big", "a.bin"), make([]byte, MaxUploadBytes+1), 0o600)
	os.Mkdir(filepath.Join(dir, "many"), 0o755)
	for i := range MaxUploadFiles + 1 {
		os.WriteFile(filepath.Join(dir, "many", strings.Repeat("f", 1+i%5)+string(rune('a'+i/5))), []byte("x"), 0o600)
	}
	file := filepath.Join(dir, "s.yaml")

	// eps are the endpoints of the example, lines 1-8.
	const eps = `endpoints:
  - key: start_chat
    method: POST
    path: /api/v1/chat/
    json: {message: "{{query}}"}
  - key: follow_up
    method: POST
    path: /api/v1/chat/{{cid}}/messages
`
	// journey starts a journey on line 9-11 whose steps follow.
	const journey = "journeys:\n  - name: conversation\n    steps:\n"
	many := func(n int, item string) string { return strings.Repeat(item, n) }
	tests := []struct {
		name  string
		src   string
		line  int
		field string
		want  []string
	}{
		{"a variable no step saved", eps + journey + "      - endpoint: start_chat\n      - endpoint: follow_up\n", 13, "journeys[0].steps[1]",
			[]string{`{{cid}} is not saved by an earlier step of journey "conversation"`, `endpoint "follow_up" uses it in its path`}},
		{"saved by a later step", eps + journey + "      - endpoint: follow_up\n      - endpoint: start_chat\n        save: {cid: id}\n", 12, "journeys[0].steps[0]",
			[]string{"{{cid}} is not saved by an earlier step"}},
		{"saved by another journey", eps + journey + "      - {endpoint: start_chat, save: {cid: id}}\n  - name: other\n    steps:\n      - endpoint: follow_up\n", 15, "journeys[1].steps[0]",
			[]string{`journey "other"`}},
		{"a variable in the step's body", eps + journey + "      - endpoint: start_chat\n        json: {message: \"about {{doc}}\"}\n", 13, "journeys[0].steps[0].json",
			[]string{"{{doc}} is not saved"}},
		{"a variable in a header", "endpoints:\n  - key: x\n    path: /x\n    headers: {X-Conv: \"{{cid}}\"}\n" + journey + "      - endpoint: x\n", 8, "journeys[0].steps[0]",
			[]string{"{{cid}}", "in its headers"}},
		{"an unknown endpoint", journey + "      - endpoint: chat\n", 4, "journeys[0].steps[0].endpoint",
			[]string{`"chat" is not the key of an endpoint (keys: query, enhanced, health, documents, stream)`}},
		{"no endpoint", journey + "      - save: {a: b}\n", 4, "journeys[0].steps[0].endpoint", []string{"missing"}},
		{"an unknown step field", journey + "      - endpoint: query\n        wait: 1s\n", 5, "journeys[0].steps[0].wait",
			[]string{"unknown field (known: endpoint, save, repeat, think, until, json, body)"}},
		{"an unknown journey field", "journeys:\n  - name: j\n    step: []\n", 3, "journeys[0].step", []string{"unknown field"}},
		{"an unknown endpoint field", "endpoints:\n  - key: up\n    path: /up\n    uplod: {dir: .}\n", 4, "endpoints[0].uplod", []string{"unknown field", "upload"}},
		{"a range that goes down", journey + "      - endpoint: query\n        repeat: 4-2\n", 5, "journeys[0].steps[0].repeat", []string{`"4-2": the range goes down`}},
		{"repeat 0", journey + "      - endpoint: query\n        repeat: 0\n", 5, "journeys[0].steps[0].repeat", []string{"at least once"}},
		{"repeat above the cap", journey + "      - endpoint: query\n        repeat: 2-1001\n", 5, "journeys[0].steps[0].repeat", []string{"1001 is above the cap of 1000"}},
		{"repeat not a number", journey + "      - endpoint: query\n        repeat: 2-x\n", 5, "journeys[0].steps[0].repeat", []string{`want a number or a range such as 2-4, got "2-x"`}},
		{"repeat a fraction", journey + "      - endpoint: query\n        repeat: 1.5\n", 5, "journeys[0].steps[0].repeat", []string{"want a number"}},
		{"think that goes down", journey + "      - endpoint: query\n        think: 3s-1s\n", 5, "journeys[0].steps[0].think", []string{"the range goes down"}},
		{"think above the cap", journey + "      - endpoint: query\n        think: 1s-2h\n", 5, "journeys[0].steps[0].think", []string{"2h0m0s is above the cap of 1h0m0s"}},
		{"think without a unit", journey + "      - endpoint: query\n        think: 2\n", 5, "journeys[0].steps[0].think", []string{"want a duration"}},
		{"think negative", journey + "      - endpoint: query\n        think: -1s\n", 5, "journeys[0].steps[0].think", []string{"cannot be negative"}},
		{"every below the floor", journey + "      - endpoint: query\n        until: {json: status, equals: ready, every: 5ms}\n", 5, "journeys[0].steps[0].until.every", []string{"5ms is below the floor of 10ms"}},
		{"within above the cap", journey + "      - endpoint: query\n        until:\n          json: status\n          equals: ready\n          within: 2h\n", 8, "journeys[0].steps[0].until.within", []string{"above the cap of 1h0m0s"}},
		{"every longer than within", journey + "      - endpoint: query\n        until: {json: status, equals: ready, every: 2s, within: 1s}\n", 5, "journeys[0].steps[0].until.every", []string{"longer than within"}},
		{"until without json", journey + "      - endpoint: query\n        until: {equals: ready}\n", 5, "journeys[0].steps[0].until.json", []string{"missing"}},
		{"until without equals", journey + "      - endpoint: query\n        until: {json: status}\n", 5, "journeys[0].steps[0].until.equals", []string{"missing"}},
		{"an unknown until field", journey + "      - endpoint: query\n        until: {json: status, equals: ready, timeout: 1s}\n", 5, "journeys[0].steps[0].until.timeout", []string{"unknown field"}},
		{"duplicate journey names", "journeys:\n  - name: j\n    steps: [{endpoint: query}]\n  - name: j\n    steps: [{endpoint: health}]\n", 4, "journeys[1].name",
			[]string{`"j" is the name of journeys[0] too`}},
		{"a name with a slash", "journeys:\n  - name: a/b\n    steps: [{endpoint: query}]\n", 2, "journeys[0].name", []string{"holds one of / : < >"}},
		{"a name with a colon", "journeys:\n  - name: 'a:b'\n    steps: [{endpoint: query}]\n", 2, "journeys[0].name", []string{"holds one of"}},
		{"no name", "journeys:\n  - steps: [{endpoint: query}]\n", 2, "journeys[0].name", []string{"missing"}},
		{"a name too long", "journeys:\n  - name: " + strings.Repeat("n", 65) + "\n    steps: [{endpoint: query}]\n", 2, "journeys[0].name", []string{"longer than 64 bytes"}},
		{"weight 0", "journeys:\n  - name: j\n    weight: 0\n    steps: [{endpoint: query}]\n", 3, "journeys[0].weight", []string{"want 1 to"}},
		{"no steps", "journeys:\n  - name: j\n    steps: []\n", 3, "journeys[0].steps", []string{"at least one step"}},
		{"too many steps", "journeys:\n  - name: j\n    steps:\n" + many(MaxSteps+1, "      - endpoint: query\n"), 4 + MaxSteps, "journeys[0].steps[32]", []string{"too many steps: 33, at most 32"}},
		{"too many journeys", "journeys:\n" + many(MaxJourneys+1, "  - {name: j, steps: [{endpoint: query}]}\n"), 2 + MaxJourneys, "journeys[64]", []string{"too many journeys: 65, at most 64"}},
		{"saving query", journey + "      - endpoint: query\n        save: {query: id}\n", 5, "journeys[0].steps[0].save.query", []string{"reserved for the question"}},
		{"a bad variable name", journey + "      - endpoint: query\n        save: {1x: id}\n", 5, "journeys[0].steps[0].save.1x", []string{`"1x" is not a variable name`}},
		{"a bad header name", journey + "      - endpoint: query\n        save: {a: 'header:'}\n", 5, "journeys[0].steps[0].save.a", []string{`"" is not a header name`}},
		{"saved twice in a step", journey + "      - endpoint: query\n        save:\n          a: x\n          a: y\n", 7, "journeys[0].steps[0].save.a", []string{"set twice (first on line 6)"}},
		{"json and body in a step", journey + "      - endpoint: query\n        json: {a: 1}\n        body: x\n", 6, "journeys[0].steps[0].body", []string{"mutually exclusive"}},
		{"a variable outside journeys (path)", eps, 8, "endpoints[1].path", []string{"{{cid}} is a variable, which only a step of a journey can use"}},
		{"a variable outside journeys (body)", "endpoints:\n  - key: query\n    json: {query: \"{{q}}\"}\n", 3, "endpoints[0].json", []string{"{{q}} is a variable"}},
		{"a variable outside journeys (header)", "endpoints:\n  - key: health\n    headers: {X-Id: \"{{id}}\"}\n", 3, "endpoints[0].headers", []string{"{{id}} is a variable"}},
		{"upload without dir", "endpoints:\n  - key: up\n    path: /up\n    upload: {field: f}\n", 4, "endpoints[0].upload.dir", []string{"missing"}},
		{"upload of a missing folder", "endpoints:\n  - key: up\n    path: /up\n    upload:\n      dir: nowhere\n", 5, "endpoints[0].upload.dir", []string{`"nowhere": no such folder`}},
		{"upload of a file", "endpoints:\n  - key: up\n    path: /up\n    upload: {dir: file.txt}\n", 4, "endpoints[0].upload.dir", []string{"not a folder"}},
		{"upload of an empty folder", "endpoints:\n  - key: up\n    path: /up\n    upload: {dir: empty}\n", 4, "endpoints[0].upload.dir", []string{"no files to upload"}},
		{"upload of too many files", "endpoints:\n  - key: up\n    method: POST\n    path: /up\n    upload: {dir: many}\n", 5, "endpoints[0].upload.dir", []string{"more than 100 files"}},
		{"upload and json", "endpoints:\n  - key: up\n    path: /up\n    json: {a: 1}\n    upload: {dir: empty}\n", 5, "endpoints[0].upload", []string{"mutually exclusive"}},
		{"upload with GET", "endpoints:\n  - key: up\n    path: /up\n    upload: {dir: ok}\n", 4, "endpoints[0].upload", []string{"a GET request sends no body: give method: POST"}},
		{"an unknown upload field", "endpoints:\n  - key: up\n    path: /up\n    upload: {dir: empty, name: f}\n", 4, "endpoints[0].upload.name", []string{"unknown field (known: field, dir)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(file, []byte(tt.src))
			checkFileError(t, err, file, tt.line, tt.field, tt.want...)
		})
	}

	// A file of the folder beyond the cap is named.
	_, err := Parse(file, []byte("endpoints:\n  - key: up\n    method: POST\n    path: /up\n    upload: {dir: big}\n"))
	checkFileError(t, err, filepath.Join(dir, "big", "a.bin"), 0, "", "larger than the 1 MiB cap for an upload file")
}

// TestUploadLoadIn: inside a scenario folder, an upload folder outside it
// (by .. or a symbolic link) is refused like any other file there.
func TestUploadLoadIn(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("s3cret"), 0o600)
	os.Mkdir(filepath.Join(dir, "docs"), 0o755)
	os.WriteFile(filepath.Join(dir, "docs", "a.txt"), []byte("A"), 0o600)
	os.Symlink(outside, filepath.Join(dir, "link"))
	write := func(name, updir string) {
		os.WriteFile(filepath.Join(dir, name), []byte("endpoints:\n  - key: up\n    method: POST\n    path: /up\n    upload: {dir: "+updir+"}\n"), 0o600)
	}
	write("ok.yaml", "docs")
	sc, err := LoadIn(dir, "ok.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if up := endpointByKey(t, sc, "up").Upload; up == nil || !slices.Equal(up.Files, []string{"a.txt"}) {
		t.Errorf("upload = %+v", up)
	}
	for _, updir := range []string{"../" + filepath.Base(outside), "link", outside} {
		write("bad.yaml", updir)
		_, err := LoadIn(dir, "bad.yaml")
		checkFileError(t, err, filepath.Join(dir, "bad.yaml"), 5, "endpoints[0].upload.dir", "only regular files inside "+dir+" can be loaded")
	}
}
