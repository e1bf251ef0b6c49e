package checks

// How a result carries the checks its response failed.

import (
	"strconv"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Headers of a result whose response failed some of its endpoint's checks,
// stored in Result.Headers like results.LagHeader (set them after
// results.Trim), so that every reader of a results file can count them and
// vegeta's tools still read it. A result that passed, or whose endpoint
// has none, carries neither. A failed check is not an HTTP failure:
// results.Failed does not see it.
const (
	// Header holds the indexes of the failed checks into the endpoint's
	// list (results.ScenarioInfo.Checks), comma-separated: "2,3".
	Header = "X-Check"
	// ExcerptHeader holds a short, masked excerpt of what made the first
	// of them fail (Outcome.Excerpt).
	ExcerptHeader = "X-Check-Excerpt"
)

// MaxChecks is how many checks an endpoint may declare (the scenario
// parser refuses more): Recorded accepts only indexes below it, so that a
// damaged or hand-made file cannot make a reader allocate per index.
const MaxChecks = 1 << 10

const maxCheckIndex = MaxChecks

// Record records in r that the checks at the indexes failed (nothing
// when failed is empty), with an excerpt of what made the first fail.
func Record(r *vegeta.Result, failed []int, excerpt string) {
	if len(failed) == 0 {
		return
	}
	if r.Headers == nil {
		r.Headers = make(map[string][]string, 2)
	}
	b := make([]byte, 0, 3*len(failed))
	for i, n := range failed {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	r.Headers[Header] = []string{string(b)}
	if excerpt != "" {
		r.Headers[ExcerptHeader] = []string{excerpt}
	}
}

// Recorded returns the indexes of the checks r failed, in the order
// stored, and the excerpt; nil when it failed none. Entries that are not
// indexes (a damaged or hand-edited file) are skipped; a reader must
// still check the indexes against the endpoint's list.
func Recorded(r *vegeta.Result) (failed []int, excerpt string) {
	v := r.Headers[Header]
	if len(v) == 0 {
		return nil, ""
	}
	for s := range strings.SplitSeq(v[0], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 || n >= maxCheckIndex {
			continue
		}
		failed = append(failed, n)
	}
	if len(failed) == 0 {
		return nil, ""
	}
	if e := r.Headers[ExcerptHeader]; len(e) > 0 {
		excerpt = e[0]
	}
	return failed, excerpt
}
