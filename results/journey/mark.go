package journey

import (
	"strconv"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Headers of the results of a journey's steps, in Result.Headers. Each
// step's result is an ordinary result of its endpoint that also carries
// Header; the last result of a journey that ended carries EndHeader too.
// A journey cut by the end of the run has no end: it counts as
// unfinished. Set them after results.Trim, like the lag.
const (
	// Header holds "<journey>/<instance>/<step>": the journey's name,
	// its instance (unique within a results file only) and the step's
	// index in the journey's steps, from 0.
	Header = "X-Journey"
	// EndHeader holds "ok" for a journey that completed, or why it
	// failed ("step 2 (follow_up): HTTP 500").
	EndHeader = "X-Journey-End"
)

// SetMark marks r as the result of step (from 0) of instance of the
// journey name, which must be valid (ValidName: 1 to 64 bytes, no '/'):
// MarkOf ignores other marks.
func SetMark(r *vegeta.Result, name string, instance uint64, step int) {
	if r.Headers == nil {
		r.Headers = make(map[string][]string, 2)
	}
	b := make([]byte, 0, len(name)+24)
	b = append(b, name...)
	b = append(b, '/')
	b = strconv.AppendUint(b, instance, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(step), 10)
	r.Headers[Header] = []string{string(b)}
}

// SetEnd marks r as the last result of its journey: reason is why the
// journey failed, "" when it completed.
func SetEnd(r *vegeta.Result, reason string) {
	if r.Headers == nil {
		r.Headers = make(map[string][]string, 1)
	}
	if reason == "" {
		reason = Ok
	}
	r.Headers[EndHeader] = []string{reason}
}

// maxStep bounds a mark's step: a scenario's journey has at most 32.
const maxStep = 1 << 16

// MarkOf returns the journey mark of r, if it carries one that is well
// formed: a valid name (ValidName), a decimal instance and a step from 0
// to 65535. A malformed mark (a damaged or hand-made file) is no mark.
// Its End is EndHeader's value ("" when r is not the last result of its
// journey), as stored: the aggregation cuts what it keeps (Reason). It
// does not allocate.
func MarkOf(r *vegeta.Result) (j Mark, ok bool) {
	v := r.Headers[Header]
	if len(v) == 0 {
		return j, false
	}
	name, rest, ok1 := strings.Cut(v[0], "/")
	inst, step, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || !ValidName(name) {
		return j, false
	}
	n, err := strconv.ParseUint(inst, 10, 64)
	if err != nil {
		return j, false
	}
	s, err := strconv.Atoi(step)
	if err != nil || s < 0 || s >= maxStep {
		return j, false
	}
	j = Mark{Journey: name, Instance: n, Step: s}
	if e := r.Headers[EndHeader]; len(e) > 0 {
		j.End = e[0]
	}
	return j, true
}
