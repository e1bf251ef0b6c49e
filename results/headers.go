package results

import (
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results/journey"
	"github.com/ragload/ragload/results/tokens"
)

// LagHeader holds, in whole microseconds, how late a request left after the
// time its plan said it was due (the schedule lag). It is stored in
// Result.Headers, so the file stays vegeta's format. The response time from
// the scheduled send is Latency + lag; results without it (closed-loop users,
// foreign vegeta files) have no schedule, so their response time is Latency.
// Every open-model result carries it, so its name is short: it was
// oldLagHeader, 8 bytes more in every record, which Lag still reads.
const LagHeader = "X-Lag"

// oldLagHeader is LagHeader's name in files written before it was
// shortened.
const oldLagHeader = "X-Ragload-Lag"

// Trim drops what a stored result should not carry: the response headers
// (large, and they may hold session cookies), unless keepBody the body,
// and the userinfo of the URLs in its error (Go's transport errors quote
// the request's URL: "Get \"http://TOKEN@host/…\": context deadline
// exceeded"; see RedactURLs). Call it before SetLag.
func Trim(r *vegeta.Result, keepBody bool) {
	r.Headers = nil
	if !keepBody {
		r.Body = nil
	}
	if r.Error != "" {
		r.Error = RedactURLs(r.Error)
	}
}

// SetLag records the schedule lag of r (negative values count as zero).
func SetLag(r *vegeta.Result, lag time.Duration) {
	if r.Headers == nil {
		r.Headers = make(map[string][]string, 1)
	}
	r.Headers[LagHeader] = []string{strconv.FormatInt(max(lag, 0).Microseconds(), 10)}
}

// Lag returns the schedule lag recorded in r, if any, under LagHeader or
// its older name.
func Lag(r *vegeta.Result) (time.Duration, bool) {
	if lag, ok := tokens.Micros(r, LagHeader); ok {
		return lag, true
	}
	return tokens.Micros(r, oldLagHeader)
}

// Headers of the results of a journey's steps (see results/journey). Each
// step's result is an ordinary result of its endpoint that also carries
// JourneyHeader; the last result of a journey that ended carries
// JourneyEndHeader too. A journey cut by the end of the run has no end:
// it counts as unfinished. Set them after Trim, like the lag.
const (
	// JourneyHeader holds "<journey>/<instance>/<step>": the journey's
	// name, its instance (unique within a results file only) and the
	// step's index in the journey's steps, from 0.
	JourneyHeader = "X-Journey"
	// JourneyEndHeader holds "ok" for a journey that completed, or why it
	// failed ("step 2 (follow_up): HTTP 500").
	JourneyEndHeader = "X-Journey-End"
)

// JourneyMark is what a result says of its journey (JourneyOf).
type JourneyMark = journey.Mark

// SetJourney marks r as the result of step (from 0) of instance of the
// journey name, which must be valid (journey.ValidName:
// 1 to 64 bytes, no '/'): JourneyOf ignores other marks.
func SetJourney(r *vegeta.Result, name string, instance uint64, step int) {
	if r.Headers == nil {
		r.Headers = make(map[string][]string, 2)
	}
	b := make([]byte, 0, len(name)+24)
	b = append(b, name...)
	b = append(b, '/')
	b = strconv.AppendUint(b, instance, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(step), 10)
	r.Headers[JourneyHeader] = []string{string(b)}
}

// EndJourney marks r as the last result of its journey: reason is why the
// journey failed, "" when it completed.
func EndJourney(r *vegeta.Result, reason string) {
	if r.Headers == nil {
		r.Headers = make(map[string][]string, 1)
	}
	if reason == "" {
		reason = journey.Ok
	}
	r.Headers[JourneyEndHeader] = []string{reason}
}

// maxJourneyStep bounds a mark's step: a scenario's journey has at most 32.
const maxJourneyStep = 1 << 16

// JourneyOf returns the journey mark of r, if it carries one that is well
// formed: a valid name (journey.ValidName), a decimal instance and a step
// from 0 to 65535. A malformed mark (a damaged or hand-made file) is no
// mark. Its End is JourneyEndHeader's value ("" when r is not the last
// result of its journey), as stored: the aggregation cuts what it keeps
// (journey.Reason). It does not allocate.
func JourneyOf(r *vegeta.Result) (j JourneyMark, ok bool) {
	v := r.Headers[JourneyHeader]
	if len(v) == 0 {
		return j, false
	}
	name, rest, ok1 := strings.Cut(v[0], "/")
	inst, step, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || !journey.ValidName(name) {
		return j, false
	}
	n, err := strconv.ParseUint(inst, 10, 64)
	if err != nil {
		return j, false
	}
	s, err := strconv.Atoi(step)
	if err != nil || s < 0 || s >= maxJourneyStep {
		return j, false
	}
	j = JourneyMark{Journey: name, Instance: n, Step: s}
	if e := r.Headers[JourneyEndHeader]; len(e) > 0 {
		j.End = e[0]
	}
	return j, true
}
