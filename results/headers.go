package results

import (
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

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
