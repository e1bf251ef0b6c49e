package results

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/results/internal/jsonfile"
)

// SummaryFile is the run summary beside a run's results file: what a
// report needs of the run, so that reporting does not decode every result
// again.
const SummaryFile = "summary.json"

// summarySchema identifies the summary format; readers accept any summary
// whose schema starts with "ragload.summary/", and read the results file
// instead of one that is not this version (v1 had no checks, goodput,
// ITL or TPOT).
const summarySchema = "ragload.summary/v2"

// summary is the document in SummaryFile. It holds the Stats of the total
// and of each endpoint with their latency distributions as HdrHistogram
// V2 compressed histograms (base64), which merge exactly: shards' summaries
// give the percentiles of all their samples together. The total's
// distributions are the merge of the endpoints'.
//
// It names the results file it summarizes with its size, its number of
// results and a digest of its ends, so that a results file changed after
// the run (appended to, cut short, edited) is read instead.
type summary struct {
	Schema    string         `json:"schema"`
	File      string         `json:"results_file"` // the results file's name, in the same directory
	Size      int64          `json:"size"`         // its size in bytes
	Count     uint64         `json:"count"`        // its number of results
	Digest    string         `json:"digest"`       // sha256 of its first and last 64 KiB (fileDigest)
	Total     summaryStats   `json:"total"`        // the endpoints' but setup ones (Count less their requests)
	Endpoints []summaryStats `json:"endpoints"`    // in the report's order
	// Journeys are the run's journeys (Aggregator.Journeys); absent for a
	// run without, and in summaries written before journeys existed.
	Journeys []summaryJourney `json:"journeys,omitempty"`
}

type summaryStats struct {
	Name         string            `json:"name"`
	Key          string            `json:"key,omitempty"`
	Setup        bool              `json:"setup,omitempty"` // not the load: left out of the total
	Requests     uint64            `json:"requests"`
	Failures     uint64            `json:"failures"`
	RateLimited  uint64            `json:"rate_limited"`
	Unauthorized uint64            `json:"unauthorized"`
	Codes        map[uint16]uint64 `json:"codes"`
	// Errors are the counted messages in order of first appearance (the
	// order decides which messages a merge keeps).
	Errors      []ErrorCount  `json:"errors"`
	OtherErrors uint64        `json:"other_errors"`
	Kinds       []summaryKind `json:"error_kinds"` // in order of first appearance
	BytesIn     uint64        `json:"bytes_in"`
	BytesOut    uint64        `json:"bytes_out"`
	Scheduled   uint64        `json:"scheduled"`
	First       time.Time     `json:"first"`
	Last        time.Time     `json:"last"`
	LastEnd     time.Time     `json:"last_end"`
	Streamed    uint64        `json:"streamed"`
	Tokens      uint64        `json:"tokens"`
	Checked     uint64        `json:"checked"`
	CheckFailed uint64        `json:"check_failed"`
	Checks      []CheckCount  `json:"checks,omitempty"`
	Good        uint64        `json:"good"`
	// Views holds a distribution per latency view that has samples, by
	// summaryViews' names.
	Views map[string]summaryDist `json:"views,omitempty"`
}

type summaryKind struct {
	Kind   string   `json:"kind"`
	Count  uint64   `json:"count"`
	First  string   `json:"first_message"`
	Shapes []string `json:"shapes"` // distinct message shapes, at most maxErrorKinds
}

// summaryDist is a Dist: the exact extremes and an HDR histogram of
// microseconds from histLowest to histHighest at histDigits.
type summaryDist struct {
	Min time.Duration `json:"min_ns"`
	Max time.Duration `json:"max_ns"`
	HDR string        `json:"hdr"`
}

// summaryViews names the latency views in the summary, by index of
// Stats.views.
var summaryViews = [numViews]string{"response", "service", "lag", "ttfb", "ttft", "gap", "itl", "tpot"}

// digestSpan is how much of each end of a results file fileDigest reads.
const digestSpan = 64 << 10

// fileDigest is the sha256 of the first and the last digestSpan bytes of
// f (of all of it when it is smaller than both): cheap to check, and it
// changes when the file is re-encoded or edited near its ends.
func fileDigest(f *os.File, size int64) (string, error) {
	h := sha256.New()
	if size <= 2*digestSpan {
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, size)); err != nil {
			return "", err
		}
	} else {
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, digestSpan)); err != nil {
			return "", err
		}
		if _, err := io.Copy(h, io.NewSectionReader(f, size-digestSpan, digestSpan)); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// describeFile returns the size and digest of the file at path.
func describeFile(path string) (int64, string, error) {
	f, err := input.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, "", err
	}
	d, err := fileDigest(f, st.Size())
	return st.Size(), d, err
}

// WriteSummary writes the summary of the results file at path, all of
// whose results agg holds, to SummaryFile in the same directory
// (atomically). Call it once the file is closed: it records the file's
// size and digest.
func WriteSummary(path string, agg *Aggregator) error {
	size, digest, err := describeFile(path)
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	total := agg.Total()
	s := summary{Schema: summarySchema, File: filepath.Base(path), Size: size, Count: agg.Count(), Digest: digest,
		Endpoints: []summaryStats{}}
	if s.Total, err = total.summarize(false); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	for _, e := range agg.Endpoints() {
		es, err := e.summarize(true)
		if err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
		s.Endpoints = append(s.Endpoints, es)
	}
	if s.Journeys, err = summarizeJourneys(agg); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return jsonfile.Write(filepath.Dir(path), SummaryFile, "summary", s)
}

// summarize is s as the summary holds it, with its distributions or not.
func (s *Stats) summarize(withViews bool) (summaryStats, error) {
	out := summaryStats{
		Name: s.Name, Key: s.Key, Setup: s.Setup, Requests: s.Requests, Failures: s.Failures, RateLimited: s.RateLimited,
		Unauthorized: s.Unauthorized, Codes: s.Codes, Errors: []ErrorCount{}, OtherErrors: s.OtherErrors,
		Kinds: []summaryKind{}, BytesIn: s.BytesIn, BytesOut: s.BytesOut, Scheduled: s.Scheduled,
		First: s.First, Last: s.Last, LastEnd: s.LastEnd, Streamed: s.Streamed, Tokens: s.Tokens,
		Checked: s.Checked, CheckFailed: s.CheckFailed, Checks: s.Checks, Good: s.Good,
	}
	for _, m := range s.errOrder {
		out.Errors = append(out.Errors, ErrorCount{Message: m, Count: s.Errors[m]})
	}
	for _, e := range s.kinds.inOrder() {
		k := summaryKind{Kind: e.Kind, Count: e.Count, First: e.First, Shapes: make([]string, 0, len(e.seen))}
		for shape := range e.seen {
			k.Shapes = append(k.Shapes, shape)
		}
		sort.Strings(k.Shapes)
		out.Kinds = append(out.Kinds, k)
	}
	if !withViews {
		return out, nil
	}
	for i, d := range s.views {
		if d == nil || d.h.TotalCount() == 0 {
			continue
		}
		sd, err := d.encode()
		if err != nil {
			return out, fmt.Errorf("%s histogram of %s: %w", summaryViews[i], s.Name, err)
		}
		if out.Views == nil {
			out.Views = map[string]summaryDist{}
		}
		out.Views[summaryViews[i]] = sd
	}
	return out, nil
}

// encode is d as the summary holds it.
func (d *Dist) encode() (summaryDist, error) {
	b, err := d.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return summaryDist{}, fmt.Errorf("encode: %w", err)
	}
	return summaryDist{Min: d.min, Max: d.max, HDR: string(b)}, nil
}

// inOrder returns the kinds in order of first appearance.
func (k *errorKinds) inOrder() []*kindEntry {
	es := make([]*kindEntry, 0, len(k.byKind))
	for _, e := range k.byKind {
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].order < es[j].order })
	return es
}

// errNoSummary means a results file has no summary of its own (an older
// run, a bare vegeta file, or a directory's summary of another file).
var errNoSummary = errors.New("no summary")

// readSummary reads the summary of the results file at path and checks
// that it still describes the file, of count results when count ≥ 0. It
// returns errNoSummary when there is none for this file.
func readSummary(path string, count int64) (*summary, error) {
	b, err := jsonfile.Read(filepath.Join(filepath.Dir(path), SummaryFile), "a summary.json")
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoSummary
	} else if err != nil {
		return nil, err
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("unreadable: %w", input.CutError(err))
	}
	if s.File != filepath.Base(path) {
		return nil, errNoSummary
	}
	if !strings.HasPrefix(s.Schema, "ragload.summary/") {
		return nil, fmt.Errorf("schema %s isn't ragload.summary/…", input.Quote(s.Schema))
	} else if s.Schema != summarySchema {
		return nil, errNoSummary // another version's figures: read the file
	}
	size, digest, err := describeFile(path)
	switch {
	case err != nil:
		return nil, err
	case size != s.Size:
		return nil, fmt.Errorf("it describes %d bytes, the file has %d", s.Size, size)
	case digest != s.Digest:
		return nil, errors.New("the file's content changed since")
	case count >= 0 && uint64(count) != s.Count:
		return nil, fmt.Errorf("it counts %d results, the manifest %d", s.Count, count)
	}
	setup := uint64(0)
	for _, e := range s.Endpoints {
		if e.Setup {
			setup += e.Requests
		}
	}
	if s.Total.Requests+setup != s.Count {
		return nil, fmt.Errorf("its total and setup requests count %d results, not %d", s.Total.Requests+setup, s.Count)
	}
	return &s, nil
}

// stats turns a summary's Stats back into Stats.
func (ss *summaryStats) stats() (_ *Stats, err error) {
	s := newStats(ss.Name, ss.Key)
	s.Requests, s.Failures, s.RateLimited, s.Unauthorized = ss.Requests, ss.Failures, ss.RateLimited, ss.Unauthorized
	for c, n := range ss.Codes {
		s.Codes[c] = n
	}
	for _, e := range ss.Errors {
		if _, dup := s.Errors[e.Message]; dup || len(s.Errors) == maxErrorKinds {
			return nil, fmt.Errorf("%s: more than %d or repeated error messages", ss.Name, maxErrorKinds)
		}
		s.Errors[e.Message] = e.Count
		s.errOrder = append(s.errOrder, e.Message)
	}
	s.OtherErrors = ss.OtherErrors
	for _, k := range ss.Kinds {
		if len(k.Shapes) == 0 || len(k.Shapes) > maxErrorKinds || s.kinds.byKind[k.Kind] != nil {
			return nil, fmt.Errorf("%s: %s errors: a repeated kind, or not 1 to %d shapes", ss.Name, k.Kind, maxErrorKinds)
		}
		for _, shape := range k.Shapes {
			s.kinds.add(k.Kind, shape, k.First, 0)
		}
		s.kinds.byKind[k.Kind].Count = k.Count
	}
	s.BytesIn, s.BytesOut, s.Scheduled = ss.BytesIn, ss.BytesOut, ss.Scheduled
	s.First, s.Last, s.LastEnd = ss.First, ss.Last, ss.LastEnd
	s.Streamed, s.Tokens = ss.Streamed, ss.Tokens
	s.Checked, s.CheckFailed, s.Checks, s.Good = ss.Checked, ss.CheckFailed, ss.Checks, ss.Good
	for name, sd := range ss.Views {
		i := slices.Index(summaryViews[:], name)
		if i < 0 {
			return nil, fmt.Errorf("%s: unknown latency view %q", ss.Name, name)
		}
		if s.views[i], err = sd.dist(); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", ss.Name, name, err)
		}
	}
	return s, nil
}

// dist decodes the distribution. hdrhistogram's decoder panics on some
// malformed input; that is an error here like any other.
func (sd summaryDist) dist() (d *Dist, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("malformed histogram: %v", p)
		}
	}()
	h, err := hdrhistogram.Decode([]byte(sd.HDR))
	if err != nil {
		return nil, err
	}
	if h.LowestTrackableValue() != histLowest || h.HighestTrackableValue() != histHighest || h.SignificantFigures() != histDigits {
		return nil, fmt.Errorf("histogram of %d…%d at %d digits, want %d…%d at %d",
			h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures(), histLowest, histHighest, histDigits)
	}
	if h.TotalCount() <= 0 || sd.Min > sd.Max || sd.Min < 0 {
		return nil, errors.New("empty histogram or bad extremes")
	}
	return &Dist{h: h, min: sd.Min, max: sd.Max}, nil
}
