package targets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/input"
)

// MaxImportedBodies is how many distinct bodies FromVegeta keeps per
// endpoint; requests draw among them at random.
const MaxImportedBodies = 50

// MaxVegetaBytes caps a vegeta targets file and the @body files it names,
// together (each distinct body file counted once), at 256 MiB: all of it
// is held in memory, and exports of real traffic stay far below (100,000
// targets of 1 KiB are 100 MiB).
const MaxVegetaBytes = 256 << 20

// vegetaMaxLine is the longest line of the http format that vegeta's
// targeter reads (bufio.Scanner's default, with the line break): it stops
// at a longer one as if the file ended there, so it is an error here.
const vegetaMaxLine = 64 << 10

// vegetaWhat names the cap of MaxVegetaBytes in errors.
const vegetaWhat = "a vegeta targets file and its @body files"

// FromVegeta reads a vegeta targets file, in vegeta's "http" or "json"
// format ("" picks json for a .json file, http otherwise), with vegeta's
// own parsers (see ReadVegeta), and returns one endpoint per distinct
// method and URL path:
//
//	key      get_health, post_api_v1_query (from the method and path; unique)
//	name     "GET /health"
//	path     the URL's path and query (the first target's query), sent to
//	         the base URL of the run; scheme and host are ignored
//	weight   how many targets of the file have that method and path
//	bodies   the distinct bodies of those targets, the first
//	         MaxImportedBodies, drawn at random (uniformly) per request
//	header   the first target's headers, without Authorization
//	auth     true when a target had an Authorization header: ragload logs in
//	         and sends its own token instead
//
// The notes say what the import dropped or simplified. Errors are
// *FileError values naming the file and, where it can be found, the line.
func FromVegeta(path, format string) ([]Endpoint, []string, error) {
	return fromVegeta(osFiles, path, format)
}

func fromVegeta(fsys *files, name, format string) ([]Endpoint, []string, error) {
	vt, err := readVegetaFile(fsys, name, format)
	if err != nil {
		return nil, nil, err
	}
	return importTargets(fsys.show(name), vt.Targets, vt.Lines)
}

// VegetaTargets is a vegeta targets file as ReadVegeta reads it.
type VegetaTargets struct {
	Format  string          // vegeta.HTTPTargetFormat or vegeta.JSONTargetFormat
	Targets []vegeta.Target // targets naming the same @body file share its bytes
	Lines   []int           // the line each target starts on
	Digest  string          // "sha256:<hex>" of the targets file (not of its @body files)
}

// ReadVegeta reads the targets of a vegeta targets file, in vegeta's "http"
// or "json" format ("" picks json for a .json file, http otherwise), with
// vegeta's own parsers. In the http format a relative @body path is read
// next to the targets file, or else from the working directory (as vegeta
// does), and each distinct body file is read once. The file and its body
// files may not exceed MaxVegetaBytes together, nor a line of the http
// format 64 KiB (vegeta's own limit). Errors are *FileError values naming
// the file and, where it can be found, the line; they quote at most an
// excerpt of the file.
func ReadVegeta(path, format string) (*VegetaTargets, error) {
	return readVegetaFile(osFiles, path, format)
}

func readVegetaFile(fsys *files, name, format string) (*VegetaTargets, error) {
	if format == "" {
		format = vegeta.HTTPTargetFormat
		if strings.EqualFold(filepath.Ext(name), ".json") {
			format = vegeta.JSONTargetFormat
		}
	}
	if format != vegeta.HTTPTargetFormat && format != vegeta.JSONTargetFormat {
		return nil, fmt.Errorf("vegeta format %s isn't one of [%s]", input.Quote(format), strings.Join(vegeta.TargetFormats, " "))
	}
	data, err := fsys.readFile(name, MaxVegetaBytes, vegetaWhat)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, fmt.Errorf("read vegeta targets: %w", err)
	}
	sum := sha256.Sum256(data)
	vr := &vegetaReader{fsys: fsys, name: name, path: fsys.show(name), budget: MaxVegetaBytes - int64(len(data))}
	tgts, lines, err := vr.read(format, data)
	if err != nil {
		return nil, err
	}
	return &VegetaTargets{Format: format, Targets: tgts, Lines: lines, Digest: "sha256:" + hex.EncodeToString(sum[:])}, nil
}

// vegetaReader reads one targets file and the body files it names.
type vegetaReader struct {
	fsys   *files
	name   string // the targets file for fsys
	path   string // in messages
	budget int64  // bytes left under MaxVegetaBytes
	bodies map[string][]byte
}

// read parses data with vegeta's targeter for format and returns the
// targets with the line each starts on.
func (vr *vegetaReader) read(format string, data []byte) ([]vegeta.Target, []int, error) {
	path := vr.path
	var tr vegeta.Targeter
	var locate func(n int, err error) int // the line of the n-th target's error
	var lines []int
	if format == vegeta.JSONTargetFormat {
		// vegeta's JSON targeter drops a last line without a newline.
		if len(data) > 0 && data[len(data)-1] != '\n' {
			data = append(data, '\n')
		}
		var starts []int // one JSON target per non-blank line
		for i, l := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				starts = append(starts, i+1)
			}
		}
		jsonTr := vegeta.NewJSONTargeter(bytes.NewReader(data), nil, nil)
		tr = func(t *vegeta.Target) error {
			err := jsonTr(t)
			if err == nil {
				lines = append(lines, starts[len(lines)])
			}
			return err
		}
		locate = func(n int, _ error) int {
			if n < len(starts) {
				return starts[n]
			}
			return 0
		}
	} else {
		text := strings.Split(string(data), "\n")
		plan, err := planHTTP(path, text)
		if err != nil {
			return nil, nil, err
		}
		// vegeta reads @body files itself, with os.ReadFile: blank those
		// lines (a blank line ends a target as an @file line does, and line
		// numbers stay) and read the files here, through fsys and the cap.
		// planHTTP leaves no other @ line, so vegeta opens no file at all.
		fed := slices.Clone(text)
		for _, b := range plan.body {
			if b >= 0 {
				fed[b] = ""
			}
		}
		httpTr := vegeta.NewHTTPTargeter(strings.NewReader(strings.Join(fed, "\n")), nil, nil)
		tr = func(t *vegeta.Target) error {
			if err := httpTr(t); err != nil {
				return err
			}
			n := len(lines)
			if n >= len(plan.request) { // cannot happen: plan mirrors vegeta
				return fmt.Errorf("target %d: not where it was expected", n+1)
			}
			if b := plan.body[n]; b >= 0 {
				body, err := vr.body(strings.TrimSpace(text[b])[1:])
				if err != nil {
					return &FileError{File: path, Line: b + 1, Err: fmt.Errorf("target %d: bad body: %w", n+1, err)}
				}
				t.Body = body
			}
			lines = append(lines, plan.request[n]+1)
			return nil
		}
		locate = func(n int, err error) int {
			// vegeta's messages quote the offending text ("bad header: X",
			// "bad URL: X, cause").
			_, detail, _ := strings.Cut(err.Error(), ": ")
			detail, _, _ = strings.Cut(detail, ", ")
			if detail == "" {
				return 0
			}
			from := 0
			if n < len(plan.request) {
				from = plan.request[n]
			}
			return findLine(text, from, func(l string) bool { return strings.Contains(l, detail) }) + 1
		}
	}
	tgts, err := vegeta.ReadAllTargets(tr)
	n := len(lines) // targets read before an error
	var fe *FileError
	switch {
	case errors.Is(err, vegeta.ErrNoTargets):
		return nil, nil, &FileError{File: path, Err: fmt.Errorf("no targets in vegeta's %s format", format)}
	case errors.As(err, &fe):
		return nil, nil, err
	case err != nil:
		return nil, nil, &FileError{File: path, Line: locate(n, err), Err: fmt.Errorf("target %d: %w", n+1, vegetaError(err))}
	}
	return tgts, lines, nil
}

// httpPlan is where the targets of an http-format file are: the index of
// each target's request line, and of its @body line (-1: none).
type httpPlan struct{ request, body []int }

var httpMethod = regexp.MustCompile(`^[A-Z]+\s`) // vegeta's startsWithHTTPMethod

// planHTTP finds the targets of text as vegeta's NewHTTPTargeter reads
// them: after blank and # lines, a request line; then, unless the next
// line is blank or another request line, headers and # lines up to a
// blank line or an @file line, which ends the target. It also refuses a
// line longer than vegeta reads, and an @file line where a request line
// belongs, so that every @file line is a body ragload reads itself.
func planHTTP(path string, text []string) (httpPlan, error) {
	var p httpPlan
	const (
		between = iota // looking for a request line
		request        // just after one
		headers
	)
	state := between
	for i, raw := range text {
		if len(raw)+1 > vegetaMaxLine {
			return p, &FileError{File: path, Line: i + 1, Err: &input.LineTooLongError{Line: i + 1, Cap: vegetaMaxLine, What: "a vegeta targets file"}}
		}
		l := strings.TrimSpace(raw)
		if state == request {
			state = headers
			if l == "" || httpMethod.MatchString(l) {
				state = between
			}
		}
		switch {
		case state == between && l != "" && l[0] != '#' && !httpMethod.MatchString(l):
			// vegeta would fail on it too, quoting it ("bad target: <line>",
			// "bad method: <word>"): a file that is not a targets file (a
			// credentials CSV, a .env) would show its first line. Failing
			// here quotes nothing, and leaves no @ line where a request
			// belongs for vegeta to read a file from.
			what := "not a request line (METHOD URL)"
			if l[0] == '@' {
				what = "a body file (@file) where a request line (METHOD URL) belongs"
			}
			return p, &FileError{File: path, Line: i + 1, Err: fmt.Errorf("target %d: %s", len(p.request)+1, what)}
		case state == headers && l != "" && l[0] != '#' && l[0] != '@' && !isHeaderLine(l):
			// vegeta's "bad header: <line>" would show it, and a header
			// line without its colon is often "Authorization Bearer <token>".
			return p, &FileError{File: path, Line: i + 1, Err: fmt.Errorf("target %d: not a header line (Name: value)", len(p.request))}
		case state == between && l != "" && l[0] != '#':
			p.request = append(p.request, i)
			p.body = append(p.body, -1)
			state = request
		case state == headers && l == "":
			state = between
		case state == headers && l[0] == '@':
			p.body[len(p.body)-1] = i
			state = between
		}
	}
	return p, nil
}

// isHeaderLine reports whether l is a header line as vegeta reads one:
// "Name: value", neither empty.
func isHeaderLine(l string) bool {
	name, value, ok := strings.Cut(l, ":")
	return ok && strings.TrimSpace(name) != "" && strings.TrimSpace(value) != ""
}

// body returns the content of the body file f (from an "@f" line), read
// once: a relative f is looked for next to the targets file, then (outside
// a root) in the working directory, as vegeta does.
func (vr *vegetaReader) body(f string) ([]byte, error) {
	name := vr.fsys.resolve(vr.name, f)
	if vr.fsys.root == nil && !filepath.IsAbs(f) && !fileExists(name) {
		name = f
	}
	if b, ok := vr.bodies[name]; ok {
		return b, nil
	}
	fh, err := vr.fsys.open(name)
	var oe *outsideError
	var pe *fs.PathError
	if errors.As(err, &pe) { // its message would quote the whole path
		err = fmt.Errorf("%s: %w", input.Quote("@"+f), pe.Err)
	}
	switch {
	case errors.As(err, &oe):
		return nil, fmt.Errorf("%s: %w", input.Quote("@"+f), oe)
	case err != nil && !filepath.IsAbs(f):
		return nil, fmt.Errorf("%w (looked next to the targets file and in the working directory)", err)
	case err != nil:
		return nil, err
	}
	defer fh.Close()
	b, err := input.ReadAll(fh, vr.budget, vegetaWhat)
	var tl *input.TooLargeError
	if errors.As(err, &tl) {
		return nil, &input.TooLargeError{Cap: MaxVegetaBytes, What: vegetaWhat}
	} else if err != nil {
		return nil, err
	}
	vr.budget -= int64(len(b))
	if vr.bodies == nil {
		vr.bodies = map[string][]byte{}
	}
	vr.bodies[name] = b
	return b, nil
}

// vegetaError cuts the input vegeta's targeters quote in their errors
// ("bad header: <line>", "bad URL: <url>, <cause>", easyjson's "… near
// offset 5 of '<rest of line>'") to an excerpt.
func vegetaError(err error) error {
	msg := err.Error()
	for _, prefix := range []string{"bad target: ", "bad method: ", "bad header: "} {
		if rest, ok := strings.CutPrefix(msg, prefix); ok {
			return &cutVegeta{prefix + input.Quote(rest), err}
		}
	}
	if rest, ok := strings.CutPrefix(msg, "bad URL: "); ok {
		if cause := errors.Unwrap(err); cause != nil {
			rest = strings.TrimSuffix(rest, ", "+cause.Error())
			return &cutVegeta{"bad URL: " + input.Quote(rest) + ", " + input.CutMessage(cause.Error()), err}
		}
		return &cutVegeta{"bad URL: " + input.Quote(rest), err}
	}
	if i := strings.LastIndex(msg, " of '"); i >= 0 && strings.HasSuffix(msg, "'") && strings.HasPrefix(msg, "parse error: ") {
		return &cutVegeta{input.CutMessage(msg[:i]) + " of " + input.Quote(msg[i+5:len(msg)-1]), err}
	}
	return input.CutError(err)
}

type cutVegeta struct {
	msg string
	err error
}

func (e *cutVegeta) Error() string { return e.msg }
func (e *cutVegeta) Unwrap() error { return e.err }

// findLine returns the index of the first line at or after from whose
// trimmed text matches, or -1.
func findLine(lines []string, from int, match func(string) bool) int {
	for i := from; i < len(lines); i++ {
		if match(strings.TrimSpace(lines[i])) {
			return i
		}
	}
	return -1
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
