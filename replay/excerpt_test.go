package replay

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/targets"
)

// secret stands for a value a file holds that no error may show whole.
const secret = "S3cretValue-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// checkNoLeak fails when msg holds more than an excerpt of s.
func checkNoLeak(t *testing.T, msg, s string) {
	t.Helper()
	for i := 0; i+input.MaxExcerpt < len(s); i++ {
		if strings.Contains(msg, s[i:i+input.MaxExcerpt+1]) {
			t.Errorf("error quotes more than %d bytes of the input: %s", input.MaxExcerpt, msg)
			return
		}
	}
}

// Every error of the stream, access log and vegeta readers quotes at most
// an excerpt of the line at fault (before, the URL, method, header name,
// time or request line was quoted whole).
func TestReadersQuoteExcerpts(t *testing.T) {
	streams := []string{
		`{"offset_us":0,"method":"GET","url":"` + secret + `"}`,
		`{"offset_us":0,"method":"GET","url":"/` + secret + `\u0001"}`,
		`{"offset_us":0,"method":"GET","url":"/` + secret + `%zz"}`,
		`{"offset_us":0,"method":"` + secret + `@","url":"/"}`,
		`{"offset_us":0,"method":"GET","url":"/","headers":{"` + secret + ` x":["v"]}}`,
		`{"offset_us":0,"method":"GET","url":"/","headers":{"` + secret + `":["a\nb"]}}`,
		`{"offset_us":1` + strings.Repeat("0", 80) + `,"method":"GET","url":"/"}`,
		`{"offset_us":0,"method":"GET","url":"/","body_base64":"` + secret + `"}`,
		`{"offset_us":0,"method":"GET","url":"/` + secret,
	}
	for _, line := range streams {
		_, _, err := OpenStream(writeFile(t, "s.jsonl", line+"\n"), false)
		if err == nil {
			t.Errorf("%s: read", line)
			continue
		}
		asFileError(t, err)
		checkNoLeak(t, err.Error(), secret)
		checkNoLeak(t, err.Error(), strings.Repeat("0", 80))
	}
	logs := []string{
		`127.0.0.1 - - [` + secret + `] "GET / HTTP/1.1" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET ` + secret + ` HTTP/1.1" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /` + secret + `%zz HTTP/1.1" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "` + secret + `@ / HTTP/1.1" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1 ` + secret + `" 200 1`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET http://h/` + secret + `%zz HTTP/1.1" 200 1`,
		`{"time":"` + secret + `","method":"GET","path":"/"}`,
		`{"time":1` + strings.Repeat("0", 80) + `,"method":"GET","path":"/"}`,
		`{"time":0,"method":"` + secret + `@","path":"/"}`,
		`{"time":0,"method":"GET","path":"/` + secret + "\\u0001" + `"}`,
		`{"time":0,"method":"GET","path":"/` + secret,
	}
	for _, line := range logs {
		_, _, err := FromAccessLog(writeFile(t, "access.log", line+"\n"), nil, 1, false)
		asFileError(t, err)
		checkNoLeak(t, err.Error(), secret)
		checkNoLeak(t, err.Error(), strings.Repeat("0", 80))
	}
	for _, c := range []struct{ name, src string }{
		{"t.http", "GET http://h/\nX-Api-Key " + secret + "\n"},
		{"t.http", "GET ::" + secret + "\n"},
		{"t.json", `{"method":"GET","url":"http://h/","header":{"Authorization":["Bearer ` + secret + `"]}` + "\n"},
		{"t.json", `{"method":"GET","url":"http://h/` + secret + `%zz"}` + "\n"},
	} {
		_, _, err := FromVegeta(writeFile(t, c.name, c.src), "", 10, time.Second, targets.Default())
		asFileError(t, err)
		checkNoLeak(t, err.Error(), secret)
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
