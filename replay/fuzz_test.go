package replay

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"

	"github.com/ragload/ragload/targets"
)

// The fuzz targets of the recorded-stream and access-log readers. Their
// seed corpus is testdata/fuzz/<FuzzName>/ (plus the f.Add calls); `make
// fuzz` runs each for a while, and a failing input that Go saves there is
// a regression seed to commit. Inputs are bounded so that one execution
// stays fast, and one that hangs fails (testtool.Within).

const fuzzMaxInput = 64 << 10

// fuzzFileError checks that err names the file it is about.
func fuzzFileError(t *testing.T, err error, path string) {
	t.Helper()
	var fe *targets.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *targets.FileError", err, err)
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

// fuzzOpen writes data to dir/name (skipping inputs over fuzzMaxInput),
// opens it with open and reads every entry twice, within
// testtool.HangAfter. ok is false when open refused the file, with an
// error naming it (checked); a read error fails t.
func fuzzOpen(t *testing.T, dir, name string, data []byte, open func(path string) (Opener, Info, error)) (reads [2][]Entry, info Info, ok bool) {
	t.Helper()
	if len(data) > fuzzMaxInput {
		t.Skip("input too large")
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var err, readErr error
	testtool.Within(t, "reader", func() {
		var o Opener
		if o, info, err = open(path); err == nil {
			reads, readErr = fuzzReadTwice(o)
		}
	})
	if err != nil {
		fuzzFileError(t, err, path)
		fuzzNoQuote(t, err, data, dir)
		return reads, info, false
	}
	if readErr != nil {
		t.Fatal(readErr)
	}
	return reads, info, true
}

// fuzzReadTwice reads every entry of open, twice (an Opener is called once
// per loop).
func fuzzReadTwice(open Opener) ([2][]Entry, error) {
	var reads [2][]Entry
	for pass := range reads {
		src, err := open()
		if err != nil {
			return reads, fmt.Errorf("open: %w", err)
		}
		for {
			e, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				src.Close()
				return reads, fmt.Errorf("entry %d of a checked file: %w", len(reads[pass]), err)
			}
			reads[pass] = append(reads[pass], e)
		}
		if err := src.Close(); err != nil {
			return reads, err
		}
	}
	return reads, nil
}

// fuzzCheckReads checks what a Player relies on: as many entries as Info
// counts, each one valid, at offsets that never go back, start at or
// after 0 and end at Info.Duration; the second read gives the same; the
// endpoints' weights add up to the count.
func fuzzCheckReads(t *testing.T, reads [2][]Entry, info Info) {
	t.Helper()
	fuzzCheckEntries(t, reads, info)
	var weight int
	for _, ep := range info.Endpoints {
		weight += ep.Weight
	}
	if len(info.Endpoints) < MaxEndpoints && int64(weight) != info.Count {
		t.Fatalf("endpoint weights add up to %d, Info.Count %d", weight, info.Count)
	}
}

// fuzzCheckEntries is fuzzCheckReads without the weights, for streams
// whose endpoints weigh something else (vegeta imports: targets in the
// file, not entries of the stream).
func fuzzCheckEntries(t *testing.T, reads [2][]Entry, info Info) {
	t.Helper()
	got := reads[0]
	if int64(len(got)) != info.Count || len(got) == 0 {
		t.Fatalf("%d entries, Info.Count %d", len(got), info.Count)
	}
	prev := time.Duration(0)
	for i, e := range got {
		if e.Offset < prev {
			t.Fatalf("entry %d: offset %s before %s", i, e.Offset, prev)
		}
		if err := e.validate(); err != nil {
			t.Fatalf("entry %d (%s %q) is not valid: %v", i, e.Method, e.URL, err)
		}
		prev = e.Offset
	}
	if prev != info.Duration {
		t.Fatalf("last offset %s, Info.Duration %s", prev, info.Duration)
	}
	if !reflect.DeepEqual(reads[1], got) {
		t.Fatal("the second read differs from the first")
	}
}

// FuzzOpenStream feeds recorded streams (JSON lines) to OpenStream, with
// and without skipBad. A checked stream reads back as Info says (see
// fuzzCheckReads), and each entry survives a round trip through MarshalJSON; a
// rejected one is a *targets.FileError naming the file.
func FuzzOpenStream(f *testing.F) {
	for _, s := range []string{
		`{"offset_us":0,"endpoint":"/health","method":"GET","url":"/health"}` + "\n" +
			`{"offset_us":1500,"endpoint":"/query (basic)","method":"POST","url":"/api/v1/query/?a=1","auth":true,"headers":{"Content-Type":["application/json"]},"body":"{\"query\":\"q\"}"}` + "\n",
		`{"offset_us":20,"method":"GET","url":"/b"}` + "\n\n" + `{"offset_us":10,"method":"GET","url":"/a","body_base64":"/w=="}` + "\r\n",
		`{"offset_us":5,"method":"GET","url":"/x","headers":{"authorization":["Bearer s"],"x-vegeta-seq":["1"],"a":["1"],"A":["2"]}}`,
		`{"offset_us":-1,"method":"GET","url":"/"}`,
		`{"offset_us":9223372036854775807,"method":"GET","url":"/"}`,
		`{"method":"GET","url":"/"}`,
		`{"offset_us":1,"method":"G ET","url":"/"}`,
		`{"offset_us":1,"method":"GET","url":"http://h/"}`,
		`{"offset_us":1,"method":"GET","url":"/%zz"}`,
		`{"offset_us":1,"method":"GET","url":"/","body":"a","body_base64":"YQ=="}`,
		`{"offset_us":"1","method":"GET","url":"/"}`,
		`{"offset_us":1,"method":"GET","url":"S3cretValue-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789"}`,
		`not json`, ``, "\n\n",
		// Recorded journeys: sessions, steps, saves, uses and ends.
		`{"offset_us":0,"endpoint":"start_chat","method":"POST","url":"/api/v1/chat/","auth":true,"body":"{}","session":"conversation/1","saves":[{"var":"cid","from":"conversation_id","value":"c-1"},{"var":"tok","from":"header:X-Auth-Token","value":"s"}]}` + "\n" +
			`{"offset_us":10,"endpoint":"follow_up","method":"POST","url":"/api/v1/chat/c-1/messages?c=c-1","session":"conversation/1","step":1,"uses":{"cid":"c-1"},"end":"ok"}` + "\n",
		`{"offset_us":1,"method":"GET","url":"/","session":"j/1/2","step":31,"uses":{},"saves":[],"end":"step 1 (x): HTTP 500"}`,
		`{"offset_us":1,"method":"GET","url":"/","step":1}`,
		`{"offset_us":1,"method":"GET","url":"/","session":"/1"}`,
		`{"offset_us":1,"method":"GET","url":"/","session":"j/1","saves":[{"var":"1","from":""}]}`,
		`{"offset_us":1,"method":"GET","url":"/","session":"j/1","uses":{"a":1}}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, skipBad bool) {
		reads, info, ok := fuzzOpen(t, dir, "stream.jsonl", data, func(path string) (Opener, Info, error) {
			return OpenStream(path, skipBad)
		})
		if !ok {
			return
		}
		if info.Format != "stream" || info.Skipped < 0 || !skipBad && info.Skipped > 0 || info.Sessions < 0 || info.Sessions > info.Count {
			t.Fatalf("Info %+v", info)
		}
		for _, e := range reads[0] {
			if e.Session != "" {
				if _, err := e.Substitute(e.Uses); err != nil { // its own values: always there
					t.Fatalf("substitute: %v", err)
				}
			}
		}
		fuzzCheckReads(t, reads, info)
		for i, e := range reads[0] {
			b, err := e.MarshalJSON()
			if err != nil {
				t.Fatalf("entry %d does not encode: %v", i, err)
			}
			back, err := decodeEntry(b)
			if err != nil {
				t.Fatalf("entry %d: %s does not decode: %v", i, b, err)
			}
			// Writing drops the headers whose name says they may hold a
			// secret (a hand-written file may have them; a written one
			// never does), and nothing else.
			want := e
			want.Header = StripSecrets(e.Header)
			want.Saves = StripSecretSaves(e.Saves) // and the values saved from such a source
			if len(want.Header) == 0 {
				want.Header = nil
			}
			if !reflect.DeepEqual(back, want) {
				t.Fatalf("entry %d changed on a round trip:\n got %#v\nwant %#v", i, back, want)
			}
		}
	})
}

// FuzzFromAccessLog feeds access logs (combined/common or JSON lines,
// detected from the first line) to FromAccessLog, matched against the
// built-in scenario, with and without skipBad. A checked log reads back as
// Info says (see fuzzCheckReads); a rejected one is a *targets.FileError naming
// the file.
func FuzzFromAccessLog(f *testing.F) {
	for _, s := range []string{
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "ref" "ua"` + "\n" +
			`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "POST /api/v1/query/ HTTP/1.1" 200 10` + "\n" +
			`::1 - - [10/Oct/2000:13:55:38 -0700] "GET http://example.com/health?x=1 HTTP/1.1" 200 2` + "\n",
		`10.0.0.1 - - [10/Oct/2000:13:55:40 +0000] "GET /b HTTP/1.1" 200 1` + "\n" +
			`10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a HTTP/1.1" 200 1` + "\n",
		`h - - [10/Oct/2000:13:55:36 -0700] "GET /x\"y HTTP/1.1" 200 1`,
		`h - - [32/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1`,
		`h - - [10/Oct/2000:13:55:36 -0700] "-" 400 0`,
		`{"time":"2024-05-01T10:00:00.250Z","method":"GET","path":"/health"}` + "\n" +
			`{"timestamp":1714557600.5,"request":"POST /api/v1/query/enhanced HTTP/1.1"}` + "\n" +
			`{"ts":"1714557601123","method":"GET","uri":"/api/v1/documents/"}` + "\n" +
			`{"@timestamp":"2024-05-01 10:00:02.5+00:00","request_method":"DELETE","url":"https://h/api/v1/documents/7"}` + "\n",
		`{"ts":1714557600000000000,"method":"GET","path":"/"}` + "\n" + `{"ts":-1.5,"method":"GET","path":"/"}`,
		`{"ts":9223372036.9,"method":"GET","path":"/"}` + "\n" + `{"ts":-9223372036.9,"method":"GET","path":"/"}`,
		`{"ts":1e300,"method":"GET","path":"/"}`,
		`{"time":null,"ts":"x","method":"GET","path":"/"}`,
		`{"time":1,"method":"GE T","path":"/"}`,
		`{"time":1,"path":"/a b"}`,
		`   {"time":1,"method":"GET","path":"/"}`,
		``, "\n \n", `garbage`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	dir := f.TempDir()
	sc := targets.Default()
	f.Fuzz(func(t *testing.T, data []byte, skipBad bool) {
		reads, info, ok := fuzzOpen(t, dir, "access.log", data, func(path string) (Opener, Info, error) {
			return FromAccessLog(path, sc, 1, skipBad)
		})
		if !ok {
			return
		}
		if info.Format != formatCombined && info.Format != formatJSONL || info.Duration < 0 || !skipBad && info.Skipped > 0 {
			t.Fatalf("Info %+v", info)
		}
		fuzzCheckReads(t, reads, info)
	})
}

// FuzzFromVegeta fuzzes the importers of vegeta targets files, in both of
// vegeta's formats: replay's (a stream at a constant rate) and the
// scenario's (endpoints by method and path). Whatever vegeta's own parsers
// accept must import without a panic, into a stream that reads the same
// twice, or fail with an error naming the file.
func FuzzFromVegeta(f *testing.F) {
	for _, s := range []string{
		"GET http://127.0.0.1:8000/health\n\nPOST http://127.0.0.1:8000/api/v1/query/\nContent-Type: application/json\nAuthorization: Bearer t\n@body.json\n",
		"GET http://h/a?x=1\nX-A: 1\n\nDELETE http://h/api/v1/documents/7\n",
		`{"method":"GET","url":"http://127.0.0.1:8000/health"}` + "\n" +
			`{"method":"POST","url":"http://h/api/v1/query/","body":"eyJxdWVyeSI6InEifQ==","header":{"Authorization":["Bearer t"]}}` + "\n",
		`{"method":"GET","url":"http://h/a b"}`, `{"method":"G ET","url":"http://h/"}`, `{"url":"http://h/"}`,
		"GET\n", "GET http://h/ HTTP/1.1\n", "GET http://h/\n@\n", "", "\n\n", "garbage",
		"GET http://h/\nX-Api-Key S3cretValue-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "body.json"), []byte(`{"query":"q"}`), 0o600); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, json bool) {
		name, format := "targets.txt", "http"
		if json {
			name, format = "targets.json", "json"
		}
		path := filepath.Join(dir, name)
		if reads, info, ok := fuzzOpen(t, dir, name, data, func(path string) (Opener, Info, error) {
			return FromVegeta(path, format, 100, 50*time.Millisecond, targets.Default())
		}); ok {
			fuzzCheckEntries(t, reads, info)
		}
		var eps []targets.Endpoint
		var scenErr error
		testtool.Within(t, "reader", func() { eps, _, scenErr = targets.FromVegeta(path, format) })
		if scenErr != nil {
			fuzzFileError(t, scenErr, path)
			fuzzNoQuote(t, scenErr, data, dir)
			return
		}
		if len(eps) == 0 {
			t.Fatal("no endpoints and no error")
		}
		for _, e := range eps {
			if e.Key == "" || e.Weight <= 0 || !strings.HasPrefix(e.Path, "/") {
				t.Fatalf("endpoint %+v", e)
			}
		}
	})
}
