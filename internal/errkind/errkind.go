// Package errkind classifies the error of a failed result: a kind for the
// errors table (an HTTP status or a kind of transport error), a shape
// that counts messages of one cause once, and a short form for tables.
package errkind

import (
	"regexp"
	"strconv"
	"strings"
)

// Kinds of transport errors, as the errors table names them. A response
// with a failing status is of kind "HTTP <code>", e.g. "HTTP 503".
const (
	Refused = "connection refused" // nothing listening: the server is down
	Reset   = "connection reset"   // the peer reset the connection (or a broken pipe)
	Timeout = "timeout"            // the request timeout, before the headers or in the body
	Closed  = "connection closed"  // EOF: the server closed the connection, mid-body or before answering
	other   = "other"              // anything else: DNS, TLS, a malformed response…
)

const (
	httpPrefix = "HTTP " // + the status code
	maxMessage = 100     // runes of a first message in the text and Markdown tables
	noMessage  = "(no message recorded)"
)

// requestPrefix matches the method and URL that Go's HTTP client puts
// before a transport error (`Post "http://…/query/": `).
var requestPrefix = regexp.MustCompile(`^[A-Z][A-Za-z]* "[^"]*": `)

// Of classifies a failure: "HTTP <code>" when the server answered
// with a failing status, else the kind of its transport error (Refused,
// Reset, Timeout, Closed or other).
func Of(code uint16, msg string) string {
	if code != 0 && (code < 200 || code >= 400) {
		return httpPrefix + strconv.Itoa(int(code))
	}
	m := strings.ToLower(requestPrefix.ReplaceAllString(msg, ""))
	switch {
	case strings.Contains(m, "connection refused"):
		return Refused
	case strings.Contains(m, "connection reset"), strings.Contains(m, "broken pipe"):
		return Reset
	case strings.Contains(m, "timeout"), strings.Contains(m, "deadline exceeded"):
		return Timeout
	case strings.HasSuffix(m, "eof"), strings.Contains(m, "server closed"):
		return Closed
	}
	return other
}

// digits matches the numbers in a message: addresses, ports, sizes.
var digits = regexp.MustCompile(`[0-9]+`)

// Shape is msg without what makes messages of one cause differ:
// the request's method and URL, and numbers (the local port of every
// connection reset differs).
func Shape(msg string) string {
	return digits.ReplaceAllString(requestPrefix.ReplaceAllString(msg, ""), "0")
}

// Short is msg for a table: without the method and URL Go's HTTP client
// puts before a transport error, and at most 100 characters.
func Short(msg string) string {
	msg = strings.TrimSpace(requestPrefix.ReplaceAllString(msg, ""))
	if msg == "" {
		return noMessage
	}
	if r := []rune(msg); len(r) > maxMessage {
		msg = string(r[:maxMessage-1]) + "…"
	}
	return msg
}
