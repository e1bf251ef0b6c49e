package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ragload/ragload/internal/input"
)

// logRecord is one request of an access log.
type logRecord struct {
	key    int64 // Unix nanoseconds
	method string
	target string // path and query
}

// Access log formats.
const (
	formatCombined = "combined"
	formatJSONL    = "jsonl"
)

// clfTime is the timestamp layout of the common and combined formats.
const clfTime = "02/Jan/2006:15:04:05 -0700"

// combinedLine matches the start of a common or combined log line (host,
// ident, user, [time], "request"); what follows (status, size, referer,
// user agent, custom fields) is not needed.
var combinedLine = regexp.MustCompile(`^\S+ \S+ \S+ \[([^\]]+)\] "((?:[^"\\]|\\.)*)"`)

// parseCombined reads a line in the nginx/Apache common or combined format:
//
//	127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "ref" "ua"
func parseCombined(line []byte) (logRecord, error) {
	m := combinedLine.FindSubmatch(line)
	if m == nil {
		return logRecord{}, errors.New(`not in the combined log format (host ident user [time] "request" …)`)
	}
	t, err := time.Parse(clfTime, string(m[1]))
	if err != nil {
		return logRecord{}, &fieldError{"time", fmt.Errorf("%s is not like %q", input.Quote(string(m[1])), clfTime)}
	}
	key, err := logNanos(t)
	if err != nil {
		return logRecord{}, &fieldError{"time", err}
	}
	method, target, err := parseRequestLine(string(m[2]))
	if err != nil {
		return logRecord{}, &fieldError{"request", err}
	}
	return logRecord{key: key, method: method, target: target}, nil
}

// maxLogNanos bounds the timestamps of an access log to 1970–2116 (Unix
// nanoseconds from 0 to half of int64), so that the offset between any two
// of them fits in a time.Duration.
const maxLogNanos = math.MaxInt64 / 2

// logNanos returns t in Unix nanoseconds if it lies within 1970–2116.
func logNanos(t time.Time) (int64, error) {
	if t.Before(time.Unix(0, 0)) || t.After(time.Unix(0, maxLogNanos)) {
		return 0, fmt.Errorf("%s is outside 1970–2116", t.Format(time.RFC3339Nano))
	}
	return t.UnixNano(), nil
}

// parseRequestLine splits "GET /x?y HTTP/1.1" into method and target.
func parseRequestLine(s string) (method, target string, err error) {
	f := strings.Fields(s)
	if len(f) < 2 || len(f) > 3 {
		return "", "", fmt.Errorf("%s is not a request line (METHOD /path HTTP/1.1)", input.Quote(s))
	}
	if !isToken(f[0]) {
		return "", "", fmt.Errorf("%s is not a valid HTTP method", input.Quote(f[0]))
	}
	target, err = requestTarget(f[1])
	return f[0], target, err
}

// requestTarget returns the path and query of a request target, which may
// be an absolute URL (a proxy's log).
func requestTarget(s string) (string, error) {
	if strings.HasPrefix(s, "/") {
		if strings.IndexFunc(s, isControl) >= 0 {
			return "", fmt.Errorf("%s holds a control character", input.Quote(s))
		}
		if _, err := url.Parse(s); err != nil { // e.g. an invalid %-escape
			return "", fmt.Errorf("%s: %w", input.Quote(s), input.CutError(errors.Unwrap(err)))
		}
		return s, nil
	}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("%s: %w", input.Quote(s), input.CutError(errors.Unwrap(err)))
		}
		p := u.EscapedPath()
		if p == "" {
			p = "/"
		}
		if u.RawQuery != "" {
			p += "?" + u.RawQuery
		}
		return p, nil
	}
	return "", fmt.Errorf("%s must start with / or be an absolute URL", input.Quote(s))
}

// JSON log field names, in order of preference.
var (
	jsonTimeFields   = []string{"time", "timestamp", "ts", "@timestamp"}
	jsonTargetFields = []string{"path", "uri", "url", "request_uri", "request"}
	jsonMethodFields = []string{"method", "request_method"}
)

// parseJSONLog reads a line of a JSON-lines access log: an object with a
// timestamp (time, timestamp, ts or @timestamp: RFC 3339, or Unix epoch
// seconds as a number), a method (method or request_method) and a target
// (path, uri, url, request_uri or request; a full request line
// "GET /x HTTP/1.1" supplies the method too).
func parseJSONLog(line []byte) (logRecord, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return logRecord{}, fmt.Errorf("invalid JSON: %w", input.CutError(err))
	}
	var r logRecord
	name, raw := pick(obj, jsonTimeFields)
	if raw == nil {
		return logRecord{}, &fieldError{"time", fmt.Errorf("missing (looked for %s)", strings.Join(jsonTimeFields, ", "))}
	}
	t, err := parseLogTime(raw)
	if err != nil {
		return logRecord{}, &fieldError{name, err}
	}
	r.key = t
	name, raw = pick(obj, jsonTargetFields)
	if raw == nil {
		return logRecord{}, &fieldError{"path", fmt.Errorf("missing (looked for %s)", strings.Join(jsonTargetFields, ", "))}
	}
	var target string
	if err := json.Unmarshal(raw, &target); err != nil {
		return logRecord{}, &fieldError{name, errors.New("not a string")}
	}
	if strings.Contains(strings.TrimSpace(target), " ") {
		if r.method, r.target, err = parseRequestLine(target); err != nil {
			return logRecord{}, &fieldError{name, err}
		}
	} else if r.target, err = requestTarget(target); err != nil {
		return logRecord{}, &fieldError{name, err}
	}
	if name, raw = pick(obj, jsonMethodFields); raw != nil {
		if err := json.Unmarshal(raw, &r.method); err != nil || !isToken(r.method) {
			return logRecord{}, &fieldError{name, fmt.Errorf("%s is not a valid HTTP method", input.Excerpt(string(raw)))}
		}
	}
	if r.method == "" {
		return logRecord{}, &fieldError{"method", fmt.Errorf("missing (looked for %s)", strings.Join(jsonMethodFields, ", "))}
	}
	return r, nil
}

func pick(obj map[string]json.RawMessage, names []string) (string, json.RawMessage) {
	for _, n := range names {
		if v, ok := obj[n]; ok && !bytes.Equal(v, []byte("null")) {
			return n, v
		}
	}
	return "", nil
}

// Layouts tried for a timestamp string, after RFC 3339.
var timeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00", clfTime,
}

// parseLogTime returns Unix nanoseconds from a JSON timestamp: a string in
// RFC 3339 (or the common log's layout), or epoch seconds as a number or a
// numeric string. Numbers too large to be seconds are read as
// milliseconds (> 1e11), microseconds (> 1e14) or nanoseconds (> 1e17).
func parseLogTime(raw json.RawMessage) (int64, error) {
	num := string(raw)
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, input.CutError(err)
		}
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return logNanos(t)
			}
		}
		num = s
	}
	ns, err := epochNanos(num)
	if err != nil {
		return 0, fmt.Errorf("%s is neither RFC 3339 nor epoch seconds", input.Excerpt(string(raw)))
	}
	if ns < 0 || ns > maxLogNanos { // also where epochNanos overflowed
		return 0, fmt.Errorf("%s is outside 1970–2116", input.Excerpt(string(raw)))
	}
	return ns, nil
}

// epochNanos converts decimal epoch seconds (or ms, µs, ns by magnitude)
// to nanoseconds, exactly where the digits allow.
func epochNanos(s string) (int64, error) {
	intPart, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || strings.ContainsAny(frac, "eE+-") {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 9e18 {
			return 0, errors.New("not a number")
		}
		sec, frac = int64(f), strconv.FormatFloat(f-math.Trunc(f), 'f', 9, 64)[2:]
		if f < 0 {
			frac = strconv.FormatFloat(math.Trunc(f)-f, 'f', 9, 64)[2:]
		}
	}
	scale := int64(time.Second)
	switch a := max(sec, -sec); {
	case a > 1e17:
		scale = 1
	case a > 1e14:
		scale = int64(time.Microsecond)
	case a > 1e11:
		scale = int64(time.Millisecond)
	}
	if a := max(sec, -sec); a > math.MaxInt64/scale {
		return 0, errors.New("out of range")
	}
	ns := sec * scale
	if frac != "" && scale > 1 {
		digits := 0
		for p := scale; p > 1; p /= 10 {
			digits++
		}
		frac = (frac + strings.Repeat("0", digits))[:digits]
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil {
			return 0, err
		}
		if sec < 0 || strings.HasPrefix(intPart, "-") {
			f = -f
		}
		ns += f
	}
	return ns, nil
}
