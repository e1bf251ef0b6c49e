package results

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
		{0, `Post "http://127.0.0.1:9/api/v1/query/": dial tcp 127.0.0.1:9: connect: connection refused`, KindRefused},
		{0, `read tcp 127.0.0.1:5555->127.0.0.1:8000: read: connection reset by peer`, KindReset},
		{0, `Post "http://127.0.0.1:8000/q": write tcp 127.0.0.1:5555->127.0.0.1:8000: write: broken pipe`, KindReset},
		{0, `Post "http://127.0.0.1:8000/q": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, KindTimeout},
		{0, `context deadline exceeded (Client.Timeout or context cancellation while reading body)`, KindTimeout},
		{0, `Get "http://10.0.0.1/health": dial tcp 10.0.0.1:80: i/o timeout`, KindTimeout},
		{0, `net/http: timeout awaiting response headers`, KindTimeout},
		{0, `unexpected EOF`, KindClosed},
		{0, `Post "http://127.0.0.1:8000/q": EOF`, KindClosed},
		{0, `Get "http://127.0.0.1:8000/health": http: server closed idle connection`, KindClosed},
		{0, `Get "http://nohost/": dial tcp: lookup nohost: no such host`, kindOther},
		{0, `Get "http://h/connection refused timeout": EOF`, KindClosed}, // the URL does not count
		{0, ``, kindOther},
		{503, `503 Service Unavailable`, "HTTP 503"},
		{429, ``, "HTTP 429"},
		{401, `401 Unauthorized`, "HTTP 401"},
		{200, `read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer`, KindReset}, // a stream cut after its headers
	} {
		if got := errorKind(tc.code, tc.msg); got != tc.want {
			t.Errorf("errorKind(%d, %q) = %q, want %q", tc.code, tc.msg, got, tc.want)
		}
	}
}

func TestMessageShape(t *testing.T) {
	t.Parallel()
	a := messageShape(`read tcp 127.0.0.1:37340->127.0.0.1:34091: read: connection reset by peer`)
	b := messageShape(`Post "http://127.0.0.1:34091/q": read tcp 127.0.0.1:37376->127.0.0.1:34091: read: connection reset by peer`)
	if a != b || messageShape("error kind A") == messageShape("error kind B") {
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
		if got := shortMessage(in); got != want {
			t.Errorf("shortMessage(%q) = %q, want %q", in, got, want)
		}
	}
}
