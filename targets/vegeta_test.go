package targets

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestFromVegetaHTTP(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "q1.json"), []byte(`{"query":"a"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "q2.json"), []byte(`{"query":"b"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `# a comment
GET https://rag.example.com/health

POST https://rag.example.com/api/v1/query/
Content-Type: application/json
Authorization: Bearer secret-token
@q1.json

POST https://rag.example.com/api/v1/query/
Content-Type: application/json
Authorization: Bearer secret-token
@q2.json

GET https://rag.example.com/api/v1/documents/?limit=5
X-Trace: on

POST https://rag.example.com/api/v1/query/
Content-Type: application/json
@q1.json
`
	path := filepath.Join(dir, "targets.txt")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	eps, notes, err := FromVegeta(path, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []Endpoint{
		{Key: "get_health", Name: "GET /health", Method: "GET", Path: "/health", Weight: 1},
		{
			Key: "post_api_v1_query", Name: "POST /api/v1/query/", Method: "POST", Path: "/api/v1/query/", Weight: 3, Auth: true,
			Header: map[string]string{"Content-Type": "application/json"},
			Bodies: [][]byte{[]byte(`{"query":"a"}`), []byte(`{"query":"b"}`)},
		},
		{
			// No Authorization header, but the built-in scenario's route that needs one.
			Key: "get_api_v1_documents", Name: "GET /api/v1/documents/", Method: "GET", Path: "/api/v1/documents/?limit=5", Weight: 1, Auth: true,
			Header: map[string]string{"X-Trace": "on"},
		},
	}
	if !reflect.DeepEqual(eps, want) {
		t.Errorf("endpoints\n got %+v\nwant %+v", eps, want)
	}
	all := strings.Join(notes, "\n")
	if !strings.Contains(all, "dropped the Authorization header of 2 targets") || !strings.Contains(all, "POST /api/v1/query/") {
		t.Errorf("notes do not mention the dropped Authorization:\n%s", all)
	}
	if strings.Contains(all, "secret-token") {
		t.Errorf("a note leaks the token:\n%s", all)
	}
}

func TestFromVegetaJSON(t *testing.T) {
	var b strings.Builder
	enc := vegeta.NewJSONTargetEncoder(&b)
	for i := range MaxImportedBodies + 10 {
		tgt := vegeta.Target{Method: "POST", URL: "http://h/search", Body: fmt.Appendf(nil, `{"q":%d}`, i)}
		if err := enc(&tgt); err != nil {
			t.Fatal(err)
		}
	}
	b.WriteString("\n   \n")
	// The last line has no newline: vegeta's targeter alone would drop it.
	b.WriteString(`{"method":"GET","url":"http://h/"}`)
	path := writeFile(t, "targets.json", b.String())
	eps, notes, err := FromVegeta(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 2 || eps[0].Weight != MaxImportedBodies+10 || len(eps[0].Bodies) != MaxImportedBodies || eps[0].Key != "post_search" {
		t.Fatalf("endpoints %+v", eps)
	}
	if eps[1].Key != "get_root" || eps[1].Name != "GET /" || eps[1].Weight != 1 || eps[1].Bodies != nil {
		t.Errorf("last target: %+v", eps[1])
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "60 distinct bodies; only the first 50 are sent") {
		t.Errorf("notes %q", notes)
	}
}

func TestFromVegetaErrors(t *testing.T) {
	tests := []struct {
		name, file, src, format string
		line                    int
		want                    string
	}{
		{name: "bad header", file: "t.http", src: "GET http://h/a\n\nPOST http://h/b\nX-Good: 1\nnot a header\n", line: 5, want: "target 2: not a header line (Name: value)"},
		{name: "bad method", file: "t.http", src: "GET http://h/a\n\nget http://h/b\n", line: 3, want: "target 2: not a request line (METHOD URL)"},
		{name: "missing body file", file: "t.http", src: "POST http://h/a\n@nope.json\n", line: 2, want: "bad body"},
		{name: "bad json", file: "t.json", src: `{"method":"GET","url":"http://h/"}` + "\n\n" + `{"method":"GET"}` + "\n", line: 3, want: "target 2: target: required url is missing"},
		{name: "bad base64", file: "t.json", src: `{"method":"POST","url":"http://h/","body":"!!"}`, line: 1, want: "target 1:"},
		{name: "empty", file: "t.http", src: "# nothing\n", want: "no targets in vegeta's http format"},
		{name: "json as http", file: "t.json", format: "http", src: `{"method":"GET","url":"http://h/"}`, line: 1, want: "target 1: not a request line (METHOD URL)"},
		{name: "unsupported method", file: "t.http", src: "GET http://h/\n\nPURGE http://h/cache\n", line: 3, want: `PURGE /cache: method: "PURGE" isn't one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.src)
			_, _, err := FromVegeta(path, tt.format)
			fe := asFileError(t, err)
			if fe.File != path || fe.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q at line %d, want line %d and %q", err, fe.Line, tt.line, tt.want)
			}
		})
	}
	if _, _, err := FromVegeta("x.http", "yaml"); err == nil || !strings.Contains(err.Error(), `"yaml" isn't one of [http json]`) {
		t.Errorf("bad format: %v", err)
	}
	if _, _, err := FromVegeta(filepath.Join(t.TempDir(), "none.http"), ""); err == nil || !strings.Contains(err.Error(), "read vegeta targets") {
		t.Errorf("missing file: %v", err)
	}
}

func TestUniqueKey(t *testing.T) {
	used := map[string]bool{}
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/health", "get_health"},
		{"POST", "/api/v1/query/", "post_api_v1_query"},
		{"GET", "/", "get_root"},
		{"GET", "/a-b", "get_a_b"},
		{"GET", "/a_b", "get_a_b_2"},
		{"GET", "/A%20B", "get_a_20b"},
	} {
		if got := uniqueKey(used, c.method, c.path); got != c.want {
			t.Errorf("uniqueKey(%s %s) = %q, want %q", c.method, c.path, got, c.want)
		}
	}
}

// TestSlug: the keys replay gives named endpoints (it falls back to
// "endpoint" for a name without letters or digits).
func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"/query (basic)": "query_basic", "POST /api/v1/query/": "post_api_v1_query", "  Ünï--x9 ": "n_x9", "/": "", "": "",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	used := map[string]bool{"a": true, "a_2": true}
	if got := UniqueKey(used, "a"); got != "a_3" || !used["a_3"] {
		t.Errorf("UniqueKey: %q, used %v", got, used)
	}
}

func TestParseVegetaTargets(t *testing.T) {
	body := base64.StdEncoding.EncodeToString([]byte(`{"query":"hi"}`))
	jsonSrc := `{"method":"GET","url":"http://x/health"}
{"method":"POST","url":"http://x/api/v1/query/","body":"` + body + `","header":{"Authorization":["Bearer t"],"Content-Type":["application/json"]}}
{"method":"POST","url":"http://x/api/v1/query/","body":"` + body + `","header":{"Authorization":["Bearer t"],"Content-Type":["application/json"]}}
`
	httpSrc := "GET http://x/health\n\nPOST http://x/api/v1/query/\nAuthorization: Bearer t\nContent-Type: application/json\n@q.json\n\nPOST http://x/api/v1/query/\nAuthorization: Bearer t\nContent-Type: application/json\n@q.json\n"
	for _, c := range []struct{ name, file, src, format string }{
		{"json by extension", "targets.json", jsonSrc, ""},
		{"http by extension", "targets.txt", httpSrc, ""},
		{"json by field", "targets.txt", jsonSrc, "\nvegeta_format: json"},
		{"http by field", "targets.json", httpSrc, "\nvegeta_format: http"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range map[string]string{c.file: c.src, "q.json": `{"query":"hi"}`} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			yaml := "name: imported\nvegeta_targets: " + c.file + c.format + "\nendpoints:\n  - key: get_health\n    weight: 4\n"
			path := filepath.Join(dir, "scenario.yaml")
			sc, err := Parse(path, []byte(yaml))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range sc.Endpoints {
				got = append(got, fmt.Sprintf("%s %s w=%d auth=%v bodies=%d", e.Key, e.Name, e.Weight, e.Auth, len(e.Bodies)))
			}
			want := []string{"get_health GET /health w=4 auth=false bodies=0", "post_api_v1_query POST /api/v1/query/ w=2 auth=true bodies=1"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("endpoints\n got %q\nwant %q", got, want)
			}
			if len(sc.Notes) != 1 || !strings.Contains(sc.Notes[0], "Authorization") {
				t.Errorf("notes %q", sc.Notes)
			}
			if !sc.NeedsAuth() || sc.Auth.LoginPath != "/api/v1/auth/login" {
				t.Errorf("auth %+v", sc.Auth)
			}
		})
	}
}

func TestParseVegetaTargetsErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.http"), []byte("GET http://x/\nno header\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.http"), []byte("POST http://x/q\n@body.txt\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "body.txt"), []byte("raw"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "s.yaml")
	for _, c := range []struct {
		src, field string
		line       int
		want       string
	}{
		{"vegeta_targets: bad.http\n", "vegeta_targets", 1, filepath.Join(dir, "bad.http") + ":2: target 1: not a header line (Name: value)"},
		{"name: x\nvegeta_format: xml\nvegeta_targets: ok.http\n", "vegeta_format", 2, `"xml" isn't one of [http json]`},
		{"vegeta_format: json\n", "vegeta_format", 1, "applies only with vegeta_targets"},
		// A key neither imported nor built in needs a path.
		{"vegeta_targets: ok.http\nendpoints:\n  - key: ping\n", "endpoints[0].path", 3, `"ping" is not a built-in endpoint`},
	} {
		_, err := Parse(path, []byte(c.src))
		checkFileError(t, err, path, c.line, c.field, c.want)
	}
	// A built-in key brings the built-in endpoint in beside the imported ones.
	sc, err := Parse(path, []byte("vegeta_targets: ok.http\nendpoints:\n  - key: health\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := sc.Endpoint("health"); !ok || e.Path != "/health" || e.Weight != 1 || len(sc.Endpoints) != 2 {
		t.Errorf("health beside vegeta_targets: %+v", sc.Endpoints)
	}
	// json replaces the imported bodies.
	sc, err = Parse(path, []byte("vegeta_targets: ok.http\nendpoints:\n  - key: post_q\n    json: {query: '{{query}}'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e := sc.Endpoints[0]; e.Bodies != nil || e.JSON == nil || len(sc.Endpoints) != 1 {
		t.Errorf("endpoint %+v", e)
	}
}
