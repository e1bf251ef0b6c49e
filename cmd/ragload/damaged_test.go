package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
)

// recordEnds re-encodes the results of a gob results file as vegeta does
// and returns where each record ends (the encoding is deterministic, and
// checked against the file).
func recordEnds(t *testing.T, path string) []int {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := vegeta.NewEncoder(&buf)
	var ends []int
	for _, r := range decodeAll(t, path) {
		if err := enc.Encode(&r); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, buf.Len())
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("re-encoding %s gives other bytes: the record ends would be wrong", path)
	}
	return ends
}

// copyRun copies a run directory's manifest and writes data as its
// results file.
func copyRun(t *testing.T, from string, data []byte) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "damaged")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m, err := os.ReadFile(filepath.Join(from, results.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, results.ManifestFile), m, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, results.ResultsFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDamagedResults: a results file cut short (in the gob header, in a
// record, one byte short) or with garbage after its last record. report
// prints the table of what is readable and a warning naming the file and
// the byte offset where the damage starts, a NOT CONCLUSIVE verdict
// (never the PASS of the readable part) naming the same, and exits 3; with
// --allow-partial the verdict decides (0 or 1) and says what it was judged
// on. compare refuses a damaged
// side (exit 3, naming it) unless --allow-partial, then compares what is
// readable; plot draws what is readable and exits 3 unless --allow-partial.
func TestDamagedResults(t *testing.T) {
	t.Parallel()
	good := storedRun(t) // 60 results; passes p95<2s
	file := filepath.Join(good, results.ResultsFile)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ends := recordEnds(t, file)
	mid := (ends[29] + ends[30]) / 2 // inside record 31
	cases := []struct {
		name   string
		data   []byte
		read   int    // results readable
		offset int    // bytes that decode cleanly
		what   string // how the warning names the damage
	}{
		{"cut in the header", data[:40], 0, 0, "cut short"},
		{"cut after the first record", data[:ends[0]+3], 1, ends[0], "cut short"},
		{"cut in a record", data[:mid], 30, ends[29], "cut short"},
		{"one byte short", data[:len(data)-1], 59, ends[58], "cut short"},
		{"text appended", append(bytes.Clone(data), "garbage!\n"...), 60, len(data), "cut short"},
		{"bytes appended", append(bytes.Clone(data), 0x04, 0xff, 0xff, 0xff, 0xff), 60, len(data), "unreadable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := copyRun(t, good, c.data)
			path := filepath.Join(dir, results.ResultsFile)
			warning := fmt.Sprintf("%s: %s at byte %d after %d results: ", path, c.what, c.offset, c.read)
			total := regexp.MustCompile(fmt.Sprintf(`│ TOTAL +│ +%d │`, c.read))

			out, errOut, code := ragload(t, "report", dir)
			if code != exitRunError || !total.MatchString(out) {
				t.Errorf("report: exit %d (want 3), want a TOTAL of %d\n%s\n%s", code, c.read, out, errOut)
			}
			wantContains(t, "report stdout", out, "WARNING: "+warning, "Verdict: NOT CONCLUSIVE\n",
				"not conclusive: damaged results: "+warning)
			wantContains(t, "report stderr", errOut, "error: "+warning, "(pass --allow-partial to accept a damaged file)")
			if strings.Contains(out, "Verdict: PASS") {
				t.Errorf("report of a damaged file prints a PASS:\n%s", out)
			}

			out, errOut, code = ragload(t, "report", "--allow-partial", "--min-samples", "1", dir)
			verdict := map[int]string{exitOK: "Verdict: PASS", exitVerdict: "Verdict: FAIL"}[code]
			if verdict == "" || !strings.Contains(out, verdict) || (c.read > 0) != (code == exitOK) || errOut != "" {
				t.Errorf("report --allow-partial: exit %d, want the verdict's (PASS but with no request)\n%s\n%s", code, out, errOut)
			}
			wantContains(t, "report --allow-partial", out, "WARNING: "+warning,
				fmt.Sprintf("  judged on the %d results readable before byte %d of %s (--allow-partial)\n", c.read, c.offset, path))

			if c.read == 0 {
				return // nothing to compare or plot
			}
			out, errOut, code = ragload(t, "compare", good, dir)
			if code != exitRunError || out != "" {
				t.Errorf("compare: exit %d (want 3), stdout %q", code, out)
			}
			wantContains(t, "compare stderr", errOut, "error: "+warning)
			out, errOut, code = ragload(t, "compare", "--allow-partial", good, dir)
			if code != exitOK && code != exitVerdict {
				t.Errorf("compare --allow-partial: exit %d\n%s\n%s", code, out, errOut)
			}
			wantContains(t, "compare --allow-partial", out, "WARNING: "+warning)

			page := filepath.Join(t.TempDir(), "plot.html")
			_, errOut, code = ragload(t, "plot", dir, "-o", page)
			if code != exitRunError {
				t.Errorf("plot: exit %d (want 3)\n%s", code, errOut)
			}
			wantContains(t, "plot stderr", errOut, "ragload: wrote "+page, "error: "+warning)
			if _, errOut, code = ragload(t, "plot", "--allow-partial", dir, "-o", page); code != exitOK {
				t.Errorf("plot --allow-partial: exit %d\n%s", code, errOut)
			}
		})
	}
}

// TestDamagedInputFiles: bad scenario, threshold, stream, access-log,
// credentials and manifest files (and a bad --threshold) each give one
// error naming the file, the line and the field, and exit 2.
func TestDamagedInputFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil { // 0600: credentials files must be private
			t.Fatal(err)
		}
		return p
	}
	const url = "http://127.0.0.1:1" // never reached: the files are read first
	attack := func(flag, path string) []string {
		return []string{"attack", "-u", url, flag, path, "-o", filepath.Join(dir, "never")}
	}
	replay := func(args ...string) []string {
		return append([]string{"replay", "-u", url, "-o", filepath.Join(dir, "never")}, args...)
	}
	const line1 = `{"offset_us":0,"endpoint":"/health","method":"GET","url":"/health"}` + "\n"
	const clf = `127.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /health HTTP/1.1" 200 2 "-" "curl"` + "\n"
	const jsonLog = `{"time":"2025-10-10T13:55:36Z","method":"GET","path":"/health"}` + "\n"
	badRun := storedRun(t)
	m := readManifest(t, badRun)
	m.Thresholds = []string{"p95<2s", "p99<<3s"}
	if err := results.WriteManifest(badRun, m); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want string // the one error line, after "error: "
	}{
		// Scenario files.
		{"scenario: YAML syntax", attack("-s", file("syntax.yaml", "name: x\nendpoints:\n  - key: query\n    weight: [1\n")),
			"syntax.yaml:4: did not find expected ',' or ']' (in the list or mapping that starts on this line)"},
		{"scenario: unknown field", attack("-s", file("unknown.yaml", "name: x\nendpoints:\n  - key: query\n    wieght: 3\n")),
			"unknown.yaml:4: endpoints[0].wieght: unknown field (known: key, name, method, path, weight, auth, json, body, upload, headers, stream, checks)"},
		{"scenario: bad weight", attack("-s", file("weight.yaml", "name: x\nendpoints:\n  - key: query\n    weight: -1\n")),
			"weight.yaml:4: endpoints[0].weight: -1 is negative"},
		{"scenario: bad type", attack("-s", file("type.yaml", "name: x\nendpoints:\n  - key: health\n    auth: maybe\n")),
			`type.yaml:4: endpoints[0].auth: "maybe" is not a boolean (true or false)`},
		// Thresholds: in a scenario, a flag, a run's manifest.
		{"threshold in a scenario", attack("-s", file("th.yaml", "name: x\nthresholds:\n  - p95<2s\n  - p95<<2s\n")),
			`th.yaml:4: thresholds[1]: threshold "p95<<2s": value "<2s" is not a duration (e.g. 2s, 1500ms)`},
		{"threshold flag of attack", []string{"attack", "-u", url, "-t", "p95<<2s"},
			`--threshold: threshold "p95<<2s": value "<2s" is not a duration (e.g. 2s, 1500ms)`},
		{"threshold flag of report", []string{"report", badRun, "-t", "query:p95"},
			`--threshold: threshold "query:p95": no comparison (want e.g. p95<2s)`},
		{"threshold in run.json", []string{"report", badRun},
			filepath.Join(badRun, results.ManifestFile) + `: thresholds[1]: threshold "p99<<3s": value "<3s" is not a duration (e.g. 2s, 1500ms)`},
		// Recorded streams.
		{"stream: bad JSON", replay(file("badjson.jsonl", line1+`{"offset_us":5,"endpoint":`+"\n")),
			"badjson.jsonl:2: invalid JSON: unexpected end of JSON input"},
		{"stream: missing field", replay(file("nomethod.jsonl", line1+`{"offset_us":5,"endpoint":"/health","url":"/health"}`+"\n")),
			"nomethod.jsonl:2: method: missing"},
		{"stream: missing offset", replay(file("nooffset.jsonl", line1+line1+`{"endpoint":"/health","method":"GET","url":"/health"}`+"\n")),
			"nooffset.jsonl:3: offset_us: missing"},
		{"stream: bad type", replay(file("badtype.jsonl", line1+`{"offset_us":"soon","endpoint":"/health","method":"GET","url":"/health"}`+"\n")),
			"badtype.jsonl:2: offset_us: string is not a valid int64"},
		// Access logs, in each format.
		{"combined log: bad time", replay("--from-access-log", file("time.log", clf+strings.Replace(clf, ":36 ", ":99 ", 1))),
			`time.log:2: time: "10/Oct/2025:13:55:99 +0000" is not like "02/Jan/2006:15:04:05 -0700"`},
		{"combined log: bad request", replay("--from-access-log", file("request.log", clf+strings.Replace(clf, "GET /health HTTP/1.1", "GET", 1))),
			`request.log:2: request: "GET" is not a request line (METHOD /path HTTP/1.1)`},
		{"combined log: not a log line", replay("--from-access-log", file("line.log", clf+clf+"hello world\n")),
			`line.log:3: not in the combined log format (host ident user [time] "request" …)`},
		{"JSON log: missing path", replay("--from-access-log", file("nopath.jsonl", jsonLog+`{"time":"2025-10-10T13:55:37Z","method":"GET"}`+"\n")),
			"nopath.jsonl:2: path: missing (looked for path, uri, url, request_uri, request)"},
		{"JSON log: bad time", replay("--from-access-log", file("jtime.jsonl", jsonLog+`{"time":"yesterday","method":"GET","path":"/health"}`+"\n")),
			`jtime.jsonl:2: time: "yesterday" is neither RFC 3339 nor epoch seconds`},
		{"JSON log: bad method", replay("--from-access-log", file("method.jsonl", jsonLog+`{"time":"2025-10-10T13:55:37Z","method":"G ET","path":"/health"}`+"\n")),
			`method.jsonl:2: method: "G ET" is not a valid HTTP method`},
		// Credentials.
		{"credentials: missing column", attack("--credentials", file("missing.csv", "username,password\nu1@x.com,p1\nu2@x.com\n")),
			"missing.csv:3: password: missing (want 2 fields, username,password; got 1)"},
		{"credentials: empty password", attack("--credentials", file("empty.csv", "username,password\nu1@x.com,p1\nu2@x.com,\n")),
			"empty.csv:3: password: empty"},
		{"credentials: bad header", attack("--credentials", file("header.csv", "user,pass\nu1@x.com,p1\n")),
			`header.csv:1: header: "user,pass" is not one ragload reads: want username,password`},
		{"credentials: swapped header", attack("--credentials", file("swapped.csv", "password,username\np1,u1@x.com\n")),
			`swapped.csv:1: header: "password,username" is not one ragload reads: want username,password`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := tt.want
			if !strings.HasPrefix(want, "--") && !filepath.IsAbs(want) {
				want = filepath.Join(dir, want)
			}
			out, errOut, code := ragload(t, tt.args...)
			var errs []string
			for _, l := range strings.Split(errOut, "\n") {
				if strings.HasPrefix(l, "error: ") {
					errs = append(errs, strings.TrimPrefix(l, "error: "))
				}
			}
			if code != exitUsage || len(errs) != 1 || errs[0] != want {
				t.Errorf("exit %d, errors %q\nwant exit 2 and the one error %q\nstdout:\n%s", code, errs, want, out)
			}
		})
	}
}
