package targets

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/internal/testtool"
)

// secret and checkNoLeak are internal/testtool's, under the names this
// package's tests use.
const secret = testtool.Secret

func checkNoLeak(t *testing.T, msg, s string) { t.Helper(); testtool.CheckNoLeak(t, msg, s) }

// Every error of the scenario parser quotes at most an excerpt of the
// value at fault (before, kindName, scalar and Validate quoted it whole).
func TestParseErrorsQuoteExcerpts(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.http"), []byte("GET http://h/\nX-Api-Key "+testtool.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "s.yaml")
	for _, src := range []string{
		"auth: " + testtool.Secret + "\n",
		"endpoints: " + testtool.Secret + "\n",
		"queries: " + testtool.Secret + "\n",
		"replace_endpoints: " + testtool.Secret + "\n",
		"endpoints: [{key: query, weight: " + testtool.Secret + "}]\n",
		"endpoints: [{key: query, auth: " + testtool.Secret + "}]\n",
		"endpoints: [{key: query, method: " + testtool.Secret + "}]\n",
		"endpoints: [{key: query, path: " + testtool.Secret + "}]\n",
		"endpoints: [{key: query, path: '/" + testtool.Secret + "%zz'}]\n",
		"endpoints: [{key: query, stream: " + testtool.Secret + "}]\n",
		"endpoints: [{key: query, headers: " + testtool.Secret + "}]\n",
		"endpoints: [{key: query, json: [*" + testtool.Secret + "]}]\n",
		"endpoints: [{key: " + testtool.Secret + ", path: /a}, {key: " + testtool.Secret + "}]\n",
		"endpoints: [{key: a, name: " + testtool.Secret + ", path: /a}, {key: b, name: " + testtool.Secret + ", path: /b}]\n",
		"auth: {login_path: " + testtool.Secret + "}\n",
		"thresholds: ['" + testtool.Secret + "']\n",
		"marks: ['p95<" + testtool.Secret + "']\n",
		"vegeta_targets: t.http\nvegeta_format: " + testtool.Secret + "\n",
		"vegeta_targets: t.http\n",
		"name: x\n" + testtool.Secret + ": 1\n",
		"name: x\nendpoints: [{key: query, " + testtool.Secret + ": 1}]\n",
		"name: *" + testtool.Secret + "\n",
		"name: '" + testtool.Secret + "\n",
	} {
		_, err := Parse(path, []byte(src))
		if err == nil {
			t.Errorf("%q parsed", src)
			continue
		}
		asFileError(t, err)
		testtool.CheckNoLeak(t, err.Error(), testtool.Secret)
	}
}

// A file that is not a scenario says so, and shows none of its content.
func TestLoadNotAScenario(t *testing.T) {
	for name, src := range map[string]string{
		"passwd":      "root:x:0:0:root:/root:/bin/bash\n" + testtool.Secret + ":x:1:1::/:/usr/sbin/nologin\n",
		"shadow":      testtool.Secret + ":$6$salt$hash:19000:0:99999:7:::\n",
		".env":        "API_KEY=" + testtool.Secret + "\nDB_PASSWORD=" + testtool.Secret + "\n",
		"config.yaml": "database:\n  password: " + testtool.Secret + "\ntoken: " + testtool.Secret + "\n",
		"list.yaml":   "- " + testtool.Secret + "\n",
		"creds.csv":   "username,password\nadmin," + testtool.Secret + "\n",
	} {
		path := writeFile(t, name, src)
		_, err := Load(path)
		checkFileError(t, err, path, 1, "", "not a scenario: want a YAML mapping")
		testtool.CheckNoLeak(t, err.Error(), testtool.Secret)
		if strings.Contains(err.Error(), "root") || strings.Contains(err.Error(), "API_KEY") || strings.Contains(err.Error(), "admin") {
			t.Errorf("%s: error %q shows the file", name, err)
		}
	}
	// One known field makes it a scenario with an unknown field: the key
	// is named, cut.
	path := writeFile(t, "s.yaml", "name: x\n"+testtool.Secret+": 1\n")
	_, err := Load(path)
	checkFileError(t, err, path, 2, input.Excerpt(testtool.Secret), "unknown field")
}

func TestFromVegetaErrorsQuoteExcerpts(t *testing.T) {
	for _, c := range []struct{ file, src string }{
		{"t.http", "GET http://h/\nX-Api-Key " + testtool.Secret + "\n"},                                  // bad header
		{"t.http", "GET http://h/\n\n" + testtool.Secret + "\n"},                                          // bad target
		{"t.http", "GET http://h/\n\n" + testtool.Secret + " http://h/\n"},                                // bad method
		{"t.http", "GET ::" + testtool.Secret + "\n"},                                                     // bad URL
		{"t.http", "GET http://h/" + testtool.Secret + "%zz\n"},                                           // bad URL escape
		{"t.json", `{"method":"GET","url":"http://h/","header":{"X":["` + testtool.Secret + `"]}` + "\n"}, // unterminated JSON
		{"t.json", `{"method":"GET","url":"http://h/` + testtool.Secret + `%zz"}` + "\n"},
	} {
		path := writeFile(t, c.file, c.src)
		_, _, err := FromVegeta(path, "")
		asFileError(t, err)
		testtool.CheckNoLeak(t, err.Error(), testtool.Secret)
	}
}

// TestVegetaErrorsQuoteNoShortSecret: a file that is not a targets file
// (a credentials CSV, a .env, a header line without its colon) fails
// without a word of it, although its secrets are shorter than an excerpt
// (before: bad target: "loadtest@example.com,S3cret-Pa55!").
func TestVegetaErrorsQuoteNoShortSecret(t *testing.T) {
	for _, c := range []struct{ name, src, secret string }{
		{"creds.csv", "loadtest@example.com,S3cret-Pa55!\n", "S3cret-Pa55!"},
		{"creds-header.csv", "username,password\nloadtest@example.com,S3cret-Pa55!\n", "username"},
		{".env", "DB_PASSWORD=hunter2\n", "hunter2"},
		{"spaced.env", "# db\nexport DB_PASSWORD=hunter2\n", "hunter2"},
		{"lower.http", "get http://h/?key=hunter2\n", "hunter2"},
		{"body.http", "@hunter2.json\n", "hunter2"},
		{"header.http", "GET http://h/\nAuthorization Bearer hunter2\n", "hunter2"},
		{"empty-value.http", "GET http://h/\nX-Hunter2-Key:\n", "Hunter2"},
	} {
		path := writeFile(t, c.name, c.src)
		_, _, err := FromVegeta(path, "http")
		fe := asFileError(t, err)
		if fe.Line == 0 || strings.Contains(err.Error(), c.secret) {
			t.Errorf("%s: error %q: want a line and no %q", c.name, err, c.secret)
		}
	}
}

// TestErrorsCutFileNamesAndEndpointNames: the values a scenario or a
// targets file gives, file names and a "METHOD path" that fails to import,
// are quoted as excerpts in every error (before, open errors and the
// endpoint's name were whole).
func TestErrorsCutFileNamesAndEndpointNames(t *testing.T) {
	dir := t.TempDir()
	long := "/nowhere/" + testtool.Secret + "/q.txt"
	for _, src := range []string{"queries_file: " + long + "\n", "vegeta_targets: " + long + "\n"} {
		_, err := Parse(filepath.Join(dir, "s.yaml"), []byte(src))
		fe := asFileError(t, err)
		testtool.CheckNoLeak(t, err.Error(), long)
		if !strings.Contains(err.Error(), input.Quote(long)) || !errors.Is(err, os.ErrNotExist) || fe.Line != 1 {
			t.Errorf("error %q: want the excerpt of the name, line 1 and ErrNotExist", err)
		}
	}
	for _, c := range []struct{ file, src string }{
		{"t.http", "GET http://h/\n@" + testtool.Secret + ".json\n"},                     // a missing body file
		{"t.json", `{"method":"FETCH","url":"http://h/` + testtool.Secret + `"}` + "\n"}, // a method ragload does not send
		{"t.json", `{"method":"GET","url":"` + testtool.Secret + `"}` + "\n"},            // a relative URL
	} {
		path := writeFile(t, c.file, c.src)
		_, _, err := FromVegeta(path, "")
		asFileError(t, err)
		testtool.CheckNoLeak(t, err.Error(), testtool.Secret)
	}
}

// Every reader refuses /dev/zero with an error naming the file and the cap
// (before, Load and LoadCredentials ran out of memory; package auth checks
// LoadCredentials).
func TestReadersCapDevZero(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /dev/zero")
	}
	const zero = "/dev/zero"
	_, err := Load(zero)
	checkFileError(t, err, zero, 0, "", "larger than the 4 MiB cap for a scenario file")
	_, err = LoadQueries(zero)
	checkFileError(t, err, zero, 1, "", "longer than the 1 MiB cap for a line of a queries file")
	path := writeFile(t, "s.yaml", "queries_file: /dev/zero\n")
	_, err = Load(path)
	checkFileError(t, err, path, 1, "queries_file", "longer than the 1 MiB cap")
	if testing.Short() {
		return
	}
	_, _, err = FromVegeta(zero, "http")
	checkFileError(t, err, zero, 0, "", "larger than the 256 MiB cap for a vegeta targets file and its @body files")
}

// The total caps hold whatever the line lengths.
func TestReadersCapSize(t *testing.T) {
	path := writeFile(t, "s.yaml", "# "+strings.Repeat("comment\n# ", MaxScenarioBytes/10+1))
	_, err := Load(path)
	checkFileError(t, err, path, 0, "", "larger than the 4 MiB cap for a scenario file")
	// Just under the cap is fine.
	path = writeFile(t, "s.yaml", "# "+strings.Repeat("x", MaxScenarioBytes-3)+"\n")
	if _, err := Load(path); err != nil {
		t.Errorf("a scenario of exactly the cap: %v", err)
	}
}

// A line vegeta's targeter would silently stop at (it reads lines of up to
// 64 KiB) is an error; one just short of it is read whole.
func TestFromVegetaLongLine(t *testing.T) {
	long := "X-Long: " + strings.Repeat("v", vegetaMaxLine-len("X-Long: "))
	path := writeFile(t, "t.http", "GET http://h/a\n"+long+"\n\nGET http://h/b\n")
	_, _, err := FromVegeta(path, "")
	checkFileError(t, err, path, 2, "", "longer than the 64 KiB cap for a line of a vegeta targets file")
	path = writeFile(t, "t.http", "GET http://h/a\n"+long[1:]+"\n\nGET http://h/b\n")
	eps, _, err := FromVegeta(path, "")
	if err != nil || len(eps) != 2 {
		t.Errorf("a line of 64 KiB with its newline: %d endpoints, %v", len(eps), err)
	}
}

// Body files are read by ragload, each once, under the shared cap.
func TestFromVegetaBodyFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"q":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	src := "POST http://h/a\n@b.json\nPOST http://h/a\n# c\nX: 1\n@b.json\n\nGET http://h/c\n@\n"
	path := filepath.Join(dir, "t.http")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	vt, err := ReadVegeta(path, "")
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 9 || !strings.Contains(err.Error(), "target 3: bad body") {
		t.Fatalf("an empty @ path: %v", err)
	}
	src = strings.TrimSuffix(src, "@\n")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	vt, err = ReadVegeta(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(vt.Targets) != 3 || string(vt.Targets[0].Body) != `{"q":1}` || string(vt.Targets[1].Body) != `{"q":1}` ||
		vt.Targets[2].Body != nil || vt.Targets[1].Header.Get("X") != "1" {
		t.Errorf("targets %+v", vt.Targets)
	}
	if &vt.Targets[0].Body[0] != &vt.Targets[1].Body[0] {
		t.Error("the body file was read twice")
	}
	if want := []int{1, 3, 8}; len(vt.Lines) != 3 || vt.Lines[0] != want[0] || vt.Lines[1] != want[1] || vt.Lines[2] != want[2] {
		t.Errorf("lines %v, want %v", vt.Lines, want)
	}
	// An @ line where a request belongs is an error, as in vegeta, before
	// any file is read.
	path = writeFile(t, "t.http", "GET http://h/a\n\n@/dev/zero\n")
	_, err = ReadVegeta(path, "")
	checkFileError(t, err, path, 3, "", "target 2: a body file (@file) where a request line (METHOD URL) belongs")
}
