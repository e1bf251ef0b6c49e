package demo

import (
	"fmt"
	"hash/fnv"
	"math"
	"strings"
)

// source is one retrieved passage in a query response.
type source struct {
	DocumentID docID   `json:"document_id"`
	Title      string  `json:"title"`
	Score      float64 `json:"score"`
}

// queryResponse is the body of a successful query.
type queryResponse struct {
	Query          string   `json:"query"`
	Answer         string   `json:"answer"`
	Sources        []source `json:"sources"`
	Reasoning      string   `json:"reasoning,omitempty"`
	ProcessingTime float64  `json:"processing_time"`
}

var answerOpeners = []string{
	"Based on the retrieved documents, %s is addressed in %s.",
	"Regarding %s, the most relevant material is %s.",
	"The knowledge base covers %s primarily in %s.",
	"For the question %s, the clearest guidance comes from %s.",
}

var answerBodies = []string{
	"The documented procedure recommends validating prerequisites first, then applying changes incrementally and confirming each step before moving on.",
	"Teams are expected to record decisions, notify stakeholders early and keep an audit trail for later review.",
	"The guidance emphasises automation where possible, with manual approval reserved for high-risk changes.",
	"Exceptions require written sign-off from the owning team and must be revisited at the next quarterly review.",
	"Metrics should be monitored during and after the change, with a rollback plan prepared in advance.",
}

var answerClosers = []string{
	"See the cited sources for the exact wording and any recent amendments.",
	"If your situation differs, consult the owning team before proceeding.",
	"The sources below rank the supporting passages by relevance.",
}

// queryHash returns a stable hash of q used to make answers deterministic.
func queryHash(q string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(q)))
	return h.Sum64()
}

// retrieve returns exactly n pseudo-relevant sources for q, best first.
func retrieve(q string, n int) []source {
	h := queryHash(q)
	out := make([]source, n)
	top := 0.93 - float64(h%15)/100
	for i := range out {
		d := seedDocuments[(h+uint64(i)*3)%uint64(len(seedDocuments))]
		score := top * math.Pow(0.9, float64(i))
		out[i] = source{
			DocumentID: d.ID,
			Title:      d.Title,
			Score:      math.Round(score*1000) / 1000,
		}
	}
	return out
}

// compose writes a few sentences of plausible answer text mentioning q.
func compose(q string, srcs []source) string {
	h := queryHash(q)
	where := "the internal knowledge base"
	if len(srcs) > 0 {
		where = fmt.Sprintf("%q", srcs[0].Title)
	}
	topic := strings.TrimRight(strings.TrimSpace(q), "?.!")
	var b strings.Builder
	fmt.Fprintf(&b, answerOpeners[h%uint64(len(answerOpeners))], fmt.Sprintf("%q", topic), where)
	b.WriteString(" ")
	nb := uint64(len(answerBodies))
	first := (h >> 8) % nb
	b.WriteString(answerBodies[first])
	b.WriteString(" ")
	b.WriteString(answerBodies[(first+1+(h>>16)%(nb-1))%nb])
	b.WriteString(" ")
	b.WriteString(answerClosers[(h>>24)%uint64(len(answerClosers))])
	return b.String()
}

// reason writes the extra reasoning text of an enhanced query.
func reason(q string, srcs []source) string {
	titles := make([]string, 0, 3)
	for _, s := range srcs {
		if len(titles) == cap(titles) {
			break
		}
		titles = append(titles, s.Title)
	}
	return fmt.Sprintf("1. Decomposed the question %q into sub-questions. "+
		"2. Retrieved %d candidate passages and re-ranked them (top: %s). "+
		"3. Cross-checked the passages for consistency and synthesised the answer.",
		q, len(srcs), strings.Join(titles, "; "))
}
