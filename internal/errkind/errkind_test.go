package errkind

import (
	"strings"
	"testing"
)

func TestErrorKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code uint16
		msg  string
		want string
	}{
		// Messages as Go's HTTP client and vegeta write them.
		{0, `Post "http://127.0.0.1:9/api/v1/query/": dial tcp 127.0.0.1:9: connect: connection refused`, Refused},
		{0, `read tcp 127.0.0.1:5555->127.0.0.1:8000: read: connection reset by peer`, Reset},
		{0, `Post "http://127.0.0.1:8000/q": write tcp 127.0.0.1:5555->127.0.0.1:8000: write: broken pipe`, Reset},
		{0, `Post "http://127.0.0.1:8000/q": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, Timeout},
		{0, `context deadline exceeded (Client.Timeout or context cancellation while reading body)`, Timeout},
		{0, `Get "http://10.0.0.1/health": dial tcp 10.0.0.1:80: i/o timeout`, Timeout},
		{0, `net/http: timeout awaiting response headers`, Timeout},
		{0, `unexpected EOF`, Closed},
		{0, `Post "http://127.0.0.1:8000/q": EOF`, Closed},
		{0, `Get "http://127.0.0.1:8000/health": http: server closed idle connection`, Closed},
		{0, `Get "http://nohost/": dial tcp: lookup nohost: no such host`, other},
		{0, `Get "http://h/connection refused timeout": EOF`, Closed}, // the URL does not count
		{0, ``, other},
		{503, `503 Service Unavailable`, "HTTP 503"},
		{429, ``, "HTTP 429"},
		{401, `401 Unauthorized`, "HTTP 401"},
		{200, `read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer`, Reset}, // a stream cut after its headers
	} {
		if got := Of(tc.code, tc.msg); got != tc.want {
			t.Errorf("Of(%d, %q) = %q, want %q", tc.code, tc.msg, got, tc.want)
		}
	}
}

func TestMessageShape(t *testing.T) {
	t.Parallel()
	a := Shape(`read tcp 127.0.0.1:37340->127.0.0.1:34091: read: connection reset by peer`)
	b := Shape(`Post "http://127.0.0.1:34091/q": read tcp 127.0.0.1:37376->127.0.0.1:34091: read: connection reset by peer`)
	if a != b || Shape("error kind A") == Shape("error kind B") {
		t.Errorf("shapes %q and %q", a, b)
	}
}

func TestShortMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 150)
	for in, want := range map[string]string{
		`Post "http://127.0.0.1:9/api/v1/query/": dial tcp 127.0.0.1:9: connect: connection refused`: "dial tcp 127.0.0.1:9: connect: connection refused",
		"503 Service Unavailable": "503 Service Unavailable",
		"":                        "(no message recorded)",
		long:                      strings.Repeat("é", 99) + "…",
	} {
		if got := Short(in); got != want {
			t.Errorf("Short(%q) = %q, want %q", in, got, want)
		}
	}
}
