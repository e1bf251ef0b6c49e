package replay

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/targets"
)

// secret and checkNoLeak are internal/testtool's, under the names this
// package's tests use.
const secret = testtool.Secret

func checkNoLeak(t *testing.T, msg, s string) { t.Helper(); testtool.CheckNoLeak(t, msg, s) }

// Every error of the stream, access log and vegeta readers quotes at most
// an excerpt of the line at fault (before, the URL, method, header name,
// time or request line was quoted whole).
func TestReadersQuoteExcerpts(t *testing.T) {
	streams := []string{
		`{"offset_us":0,"method":"GET","url":"` + testtool.Secret + `"}`,
		`{"offset_us":0,"method":"GET","url":"/` + testtool.Secret + `\u0001"}`,
		`{"offset_us":0,"method":"GET","url":"/` + testtool.Secret + `%zz"}`,
		`{"offset_us":0,"method":"` + testtool.Secret + `@","url":"/"}`,
		`{"offset_us":0,"method":"GET","url":"/","headers":{"` + testtool.Secret + ` x":["v"]}}`,
		`{"offset_us":0,"method":"GET","url":"/","headers":{"` + testtool.Secret + `":["a\nb"]}}`,
		`{"offset_us":1` + strings.Repeat("0", 80) + `,"method":"GET","url":"/"}`,
		`{"offset_us":0,"method":"GET","url":"/","body_base64":"` + testtool.Secret + `"}`,
		`{"offset_us":0,"method":"GET","url":"/` + testtool.Secret,
	}
	for _, line := range streams {
		_, _, err := OpenStream(writeFile(t, "s.jsonl", line+"\n"), false)
		if err == nil {
			t.Errorf("%s: read", line)
			continue
		}
		asFileError(t, err)
		testtool.CheckNoLeak(t, err.Error(), testtool.Secret)
		testtool.CheckNoLeak(t, err.Error(), strings.Repeat("0", 80))
	}
	logs := []string{
		`127.0.0.1 - - [` + testtool.Secret + `] "GET / HTTP/1.1" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET ` + testtool.Secret + ` HTTP/1.1" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /` + testtool.Secret + `%zz HTTP/1.1" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "` + testtool.Secret + `@ / HTTP/1.1" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1 ` + testtool.Secret + `" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET http://h/` + testtool.Secret + `%zz HTTP/1.1" 200 1`,
		`{"time":"` + testtool.Secret + `","method":"GET","path":"/"}`,
		`{"time":1` + strings.Repeat("0", 80) + `,"method":"GET","path":"/"}`,
		`{"time":0,"method":"` + testtool.Secret + `@","path":"/"}`,
		`{"time":0,"method":"GET","path":"/` + testtool.Secret + "\\u0001" + `"}`,
		`{"time":0,"method":"GET","path":"/` + testtool.Secret,
	}
	for _, line := range logs {
		_, _, err := FromAccessLog(writeFile(t, "access.log", line+"\n"), nil, 1, false)
		asFileError(t, err)
		testtool.CheckNoLeak(t, err.Error(), testtool.Secret)
		testtool.CheckNoLeak(t, err.Error(), strings.Repeat("0", 80))
	}
	for _, c := range []struct{ name, src string }{
		{"t.http", "GET http://h/\nX-Api-Key " + testtool.Secret + "\n"},
		{"t.http", "GET ::" + testtool.Secret + "\n"},
		{"t.json", `{"method":"GET","url":"http://h/","header":{"Authorization":["Bearer ` + testtool.Secret + `"]}` + "\n"},
		{"t.json", `{"method":"GET","url":"http://h/` + testtool.Secret + `%zz"}` + "\n"},
	} {
		_, _, err := FromVegeta(writeFile(t, c.name, c.src), "", 10, time.Second, targets.Default())
		asFileError(t, err)
		testtool.CheckNoLeak(t, err.Error(), testtool.Secret)
	}
}

// Streams and access logs have no size cap, but their lines do: /dev/zero
// (one endless line) fails with the file, the line and the cap.
func TestReadersCapLines(t *testing.T) {
	long := strings.Repeat("x", MaxLogLine+1)
	path := writeFile(t, "access.log", "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1\n"+long+"\n")
	_, _, err := FromAccessLog(path, nil, 1, false)
	fe := asFileError(t, err)
	if fe.Line != 2 || !strings.Contains(err.Error(), "longer than the 1 MiB cap for a line of an access log") {
		t.Errorf("long log line: %v", err)
	}
	// With skipBad too: the cap is not a bad line to skip.
	if _, _, err := FromAccessLog(path, nil, 1, true); err == nil {
		t.Error("a line over the cap was skipped")
	}
	if runtime.GOOS != "linux" {
		return
	}
	_, _, err = FromAccessLog("/dev/zero", nil, 1, false)
	if fe := asFileError(t, err); fe.File != "/dev/zero" || fe.Line != 1 || !strings.Contains(err.Error(), "1 MiB cap") {
		t.Errorf("/dev/zero as an access log: %v", err)
	}
	if testing.Short() {
		return
	}
	_, _, err = OpenStream("/dev/zero", false)
	if fe := asFileError(t, err); fe.File != "/dev/zero" || fe.Line != 1 || !strings.Contains(err.Error(), "longer than the 64 MiB cap for a line of a stream file") {
		t.Errorf("/dev/zero as a stream: %v", err)
	}
}
