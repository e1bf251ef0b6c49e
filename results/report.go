package results

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Report is everything a renderer needs: the run, the aggregated results,
// the verdict and the warnings worth a reader's attention.
type Report struct {
	Manifest  *Manifest // the first input's manifest; nil for bare vegeta files
	Sources   []string
	Total     *Stats
	Endpoints []*Stats
	// Journeys are the figures of the run's journeys (Aggregator.Journeys);
	// nil for a run without.
	Journeys []*JourneyStats
	// Window is the sending period the rates (and goodput) are computed
	// over.
	Window time.Duration
	// SLO is the objectives goodput counts by (the manifest's); nil when
	// the run set none, and goodput is then the requests that were not
	// failures and passed their checks.
	SLO      *SLO
	Verdict  Verdict
	Warnings []string
	// Series is the run cut into time windows (LoadSeries); nil unless
	// asked for.
	Series *Series
	// Damaged lists the results files Load could read only in part. Unless
	// Partial (the user accepts judging what was read: --allow-partial),
	// they make the verdict not conclusive.
	Damaged []*DamagedError
	Partial bool
}

// NewReport builds a report from an aggregator. m may be nil.
func NewReport(m *Manifest, agg *Aggregator, sources []string) *Report {
	if m != nil && m.Dropped != nil {
		for name := range m.Dropped.Endpoints {
			agg.stats(name) // an endpoint whose every request was dropped has a row too
		}
	}
	r := &Report{Manifest: m, Sources: sources, Total: agg.Total(), Endpoints: agg.Endpoints(), Journeys: agg.Journeys()}
	if m != nil && m.Dropped != nil {
		r.Total.Dropped = m.Dropped.Total
		for _, s := range r.Endpoints {
			s.Dropped = m.Dropped.Endpoints[s.Name]
		}
	}
	r.Window = window(m, r.Total)
	r.Total.window = r.Window
	for _, s := range r.Endpoints {
		s.window = r.Window
	}
	if m != nil {
		r.SLO = m.Scenario.SLO
	}
	r.Warnings = append(r.runWarnings(), journeyWarnings(r.Journeys)...)
	return r
}

// Start is the zero of the run's time axis: the manifest's start of the
// schedule, or else the earliest send.
func (r *Report) Start() time.Time {
	if m := r.Manifest; m != nil && !m.Started.IsZero() {
		return m.Started
	}
	return r.Total.First
}

// window is the send period: from the schedule's start to when sending
// stopped when the manifest says so, or else the span of send times
// stretched by one interval (N sends span N-1 intervals).
func window(m *Manifest, total *Stats) time.Duration {
	if m != nil && !m.Started.IsZero() && m.SendEnded.After(m.Started) {
		return m.SendEnded.Sub(m.Started)
	}
	n := total.Requests
	if n < 2 {
		return 0
	}
	span := total.Last.Sub(total.First)
	return time.Duration(float64(span) * float64(n) / float64(n-1))
}

// DroppedShare is the share of the requests the plan called for that the
// generator dropped: Dropped / (Sent + Dropped).
func (r *Report) DroppedShare() float64 {
	d := r.Total.Dropped
	if d == 0 {
		return 0
	}
	sent := r.Total.Requests
	if m := r.Manifest; m != nil && m.Sent > sent {
		sent = m.Sent
	}
	return float64(d) / float64(sent+d)
}

// Overrun is how long after the plan's end the last request left (0 when
// sending kept to the plan, or without a manifest).
func (r *Report) Overrun() time.Duration {
	m := r.Manifest
	if m == nil || m.Plan.Duration <= 0 || m.Started.IsZero() || m.Status == StatusInterrupted {
		return 0
	}
	return max(m.SendEnded.Sub(m.Started.Add(time.Duration(m.Plan.Duration))), 0)
}

// Rate is the achieved request rate of s over the report's window.
func (r *Report) Rate(s *Stats) float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(s.Requests) / r.Window.Seconds()
}

func (r *Report) runWarnings() []string {
	m := r.Manifest
	if m == nil {
		return nil
	}
	var w []string
	switch m.Status {
	case StatusInterrupted:
		planned := time.Duration(m.Plan.Duration)
		switch {
		case m.Planned > 0:
			w = append(w, fmt.Sprintf("the run was interrupted: %d of %d planned requests were sent", m.Sent, m.Planned))
		case m.Users != nil && planned > 0:
			// Closed loop: no request count is planned, a duration is.
			ran := time.Duration(0)
			if m.SendEnded.After(m.Started) {
				ran = m.SendEnded.Sub(m.Started)
			}
			w = append(w, fmt.Sprintf("the run was interrupted after %s of its planned %s: %d requests were sent",
				ran.Round(10*time.Millisecond), planned, m.Sent))
		default:
			w = append(w, fmt.Sprintf("the run was interrupted after %d requests", m.Sent))
		}
		if m.Error != "" { // e.g. exited at once, abandoning requests in flight
			w = append(w, "ragload "+m.Error)
		}
	case StatusRunning:
		w = append(w, "the run has not finished (or its process died): the manifest still says running")
	case StatusFailed:
		w = append(w, "the run failed: "+m.Error)
	}
	if m.Auth.Mode == "anonymous" {
		w = append(w, "the run was anonymous: login failed and --allow-anonymous sent requests without a token")
	}
	if g := m.Generator; g != nil && g.Saturated {
		w = append(w, SaturationWarning+": "+strings.Join(g.Reasons, "; "))
	} else if g != nil && g.Busy {
		w = append(w, g.BusyWarning())
	}
	if m.Status == StatusComplete && m.Planned > 0 && float64(m.Sent) < 0.95*float64(m.Planned) {
		w = append(w, fmt.Sprintf("only %d of %d planned requests were sent (%.0f%%): the generator could not keep up with the plan",
			m.Sent, m.Planned, 100*float64(m.Sent)/float64(m.Planned)))
	}
	return w
}

// SaturationWarning opens the warning of a run whose generator was
// saturated.
const SaturationWarning = "the load generator was saturated; these latencies describe ragload, not the server"

// Saturated reports whether the run's generator was saturated.
func (r *Report) Saturated() bool {
	return r.Manifest != nil && r.Manifest.Generator != nil && r.Manifest.Generator.Saturated
}

// LoadOption configures Load.
type LoadOption func(*loadConfig)

type loadConfig struct {
	raw bool
}

// WithoutSummaries makes Load decode every results file, even those whose
// run summary (SummaryFile) could answer.
func WithoutSummaries() LoadOption { return func(c *loadConfig) { c.raw = true } }

// Load reads the results of inputs into one report (the union of all
// files). A results file with a run summary that still describes it is
// taken from the summary (unless WithoutSummaries), which gives the same
// report without decoding the file; a summary that no longer matches its
// file is said in a warning and the file is read. Damaged files contribute
// what they could, add a warning, and are returned as a joined error of
// *DamagedError alongside the report.
func Load(inputs []Input, opts ...LoadOption) (*Report, error) {
	var c loadConfig
	for _, o := range opts {
		o(&c)
	}
	m, merged := Merge(inputs)
	agg := NewAggregator(m)
	var sources, notes []string
	var damaged []error
	var parts []*DamagedError
	var read uint64 // results of the file being read
	add := func(r *vegeta.Result) error { agg.Add(r); read++; return nil }
	for _, in := range inputs {
		for _, f := range in.Files {
			sources = append(sources, f)
			if !c.raw && sameNames(in.Manifest, m) {
				ok, err := addSummaryOf(agg, f, in.Manifest)
				if err != nil {
					notes = append(notes, fmt.Sprintf("%s does not describe %s any more (%v): the results were read from the file",
						filepath.Join(filepath.Dir(f), SummaryFile), filepath.Base(f), err))
				}
				if ok {
					continue
				}
			}
			read = 0
			err := scanFile(f, add)
			agg.EndFile() // instances are unique within a file only
			var de *DamagedError
			switch {
			case errors.As(err, &de):
				damaged, parts = append(damaged, err), append(parts, de)
			case err != nil:
				return nil, err
			default:
				if err := shortOfManifest(f, read, in.Manifest); err != nil {
					damaged, parts = append(damaged, err), append(parts, err)
				}
			}
		}
	}
	rep := NewReport(m, agg, sources)
	rep.Damaged = parts
	rep.Warnings = append(rep.Warnings, merged...)
	rep.Warnings = append(rep.Warnings, notes...)
	for _, d := range damaged {
		rep.Warnings = append(rep.Warnings, d.Error())
	}
	return rep, errors.Join(damaged...)
}

// sameNames reports whether an input's run (its manifest in) names
// endpoints as the report's (merged) manifest m does, so that its summary's
// endpoints are the report's.
func sameNames(in, m *Manifest) bool {
	return in != nil && m != nil && in.Target == m.Target && slices.Equal(in.Scenario.Endpoints, m.Scenario.Endpoints)
}

// addSummaryOf adds the results file at path to agg from its summary. It
// returns false when the file has no summary, or when it has one that
// cannot be merged exactly; the error says why a summary that is there
// does not describe the file.
func addSummaryOf(agg *Aggregator, path string, m *Manifest) (bool, error) {
	count := int64(-1)
	if len(m.Results) == 1 {
		count = int64(m.Completed)
	}
	sum, err := readSummary(path, count)
	if err == errNoSummary {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return agg.addSummary(sum)
}

// shortOfManifest returns a *DamagedError when the results file at path,
// read to its end without damage, holds fewer results than its run's
// manifest says were written: a file cut exactly at a record boundary
// decodes cleanly, and only the count can tell.
func shortOfManifest(path string, read uint64, m *Manifest) *DamagedError {
	if m == nil || len(m.Results) != 1 || m.Status == StatusRunning || read >= m.Completed {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil
	}
	return &DamagedError{Path: path, Offset: st.Size(), Read: read, Err: fewerThanManifest{m.Completed}}
}

// fewerThanManifest is the damage of a file cut at a record boundary; it
// reads as cut short (io.ErrUnexpectedEOF).
type fewerThanManifest struct{ completed uint64 }

func (e fewerThanManifest) Error() string {
	return fmt.Sprintf("%s says %d results were written; the file ends at a record boundary", ManifestFile, e.completed)
}

func (e fewerThanManifest) Is(target error) bool { return target == io.ErrUnexpectedEOF }
