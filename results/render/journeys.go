package render

import (
	"io"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/ragload/ragload/results"
)

// Journeys: the journeys table after the endpoints' (how many started,
// completed, failed, were cut unfinished, and the durations of those that
// completed), then the failures by reason. A run without journeys renders
// as before they existed.

// journeyHeader names the columns of the journeys table (text and
// Markdown).
var journeyHeader = []string{"Journey", "Started", "Completed", "Failed", "Unfinished", "p50", "p95", "p99", "max"}

// journeyNote says what the journeys table measures.
const journeyNote = "Journey durations in ms, of the completed ones: from when the first step was due to the end of the last " +
	"(HDR histogram, 3 significant digits). Unfinished journeys were cut by the end of the run."

func journeyRow(j *results.JourneyStats) []string {
	d := j.Duration()
	if d.Count == 0 { // none completed: no durations, not durations of 0 ms
		return []string{j.Name, u(j.Started), u(j.Completed), u(j.Failed), u(j.Unfinished), "-", "-", "-", "-"}
	}
	return []string{j.Name, u(j.Started), u(j.Completed), u(j.Failed), u(j.Unfinished),
		results.FormatMillis(d.P50), results.FormatMillis(d.P95), results.FormatMillis(d.P99), results.FormatMillis(d.Max)}
}

func u(n uint64) string { return strconv.FormatUint(n, 10) }

// otherReasons names the row of the failures past journey.MaxReasons
// distinct reasons.
const otherReasons = "(other reasons)"

// reasonRows are the journeys' failures by reason: journey, reason, count.
func reasonRows(r *results.Report) [][]string {
	var rows [][]string
	for _, j := range r.Journeys {
		for _, c := range j.Reasons {
			rows = append(rows, []string{j.Name, c.Reason, u(c.Count)})
		}
		if j.OtherReasons > 0 {
			rows = append(rows, []string{j.Name, otherReasons, u(j.OtherReasons)})
		}
	}
	return rows
}

// writeJourneysText renders the journeys table and the failures by
// reason; nothing for a run without journeys.
func writeJourneysText(w io.Writer, p *printer, r *results.Report) error {
	if len(r.Journeys) == 0 {
		return p.err
	}
	p.printf("\nJourneys:\n")
	if p.err != nil {
		return p.err
	}
	align := make([]tw.Align, len(journeyHeader))
	for i := range align {
		align[i] = tw.AlignRight
	}
	align[0] = tw.AlignLeft
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(journeyHeader)
	for _, j := range r.Journeys {
		if err := t.Append(journeyRow(j)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	p.printf("%s\n", journeyNote)
	rows := reasonRows(r)
	if len(rows) == 0 {
		return p.err
	}
	p.printf("\nJourney failures by reason:\n")
	if p.err != nil {
		return p.err
	}
	t = tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignRight}}),
	)
	t.Header([]string{"Journey", "Reason", "Count"})
	for _, row := range rows {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

// writeJourneysMarkdown renders the journeys as writeJourneysText does.
func writeJourneysMarkdown(p *printer, r *results.Report) {
	if len(r.Journeys) == 0 {
		return
	}
	p.printf("\nJourneys:\n\n")
	mdTable(p, journeyHeader, "l")
	for _, j := range r.Journeys {
		mdRow(p, journeyRow(j))
	}
	p.printf("\n%s\n", journeyNote)
	rows := reasonRows(r)
	if len(rows) == 0 {
		return
	}
	p.printf("\nJourney failures by reason:\n\n")
	mdTable(p, []string{"Journey", "Reason", "Count"}, "ll")
	for _, row := range rows {
		mdRow(p, row)
	}
}

// jsonJourney is one journey in the JSON report.
type jsonJourney struct {
	Name       string `json:"name"`
	Started    uint64 `json:"started"`
	Completed  uint64 `json:"completed"`
	Failed     uint64 `json:"failed"`
	Unfinished uint64 `json:"unfinished"`
	Untracked  uint64 `json:"untracked,omitempty"`
	// FailureRate is failed / (completed + failed), as the failures
	// threshold judges it.
	FailureRate float64 `json:"failure_rate"`
	// Duration is the durations of the completed journeys.
	Duration     jsonPercentiles     `json:"duration_ms"`
	Failures     []jsonJourneyReason `json:"failures_by_reason"`
	OtherReasons uint64              `json:"other_reasons,omitempty"`
}

type jsonJourneyReason struct {
	Reason string `json:"reason"`
	Count  uint64 `json:"count"`
}

// jsonJourneys is the report's journeys; nil for a run without.
func jsonJourneys(r *results.Report) []jsonJourney {
	if len(r.Journeys) == 0 {
		return nil
	}
	out := make([]jsonJourney, 0, len(r.Journeys))
	for _, j := range r.Journeys {
		jj := jsonJourney{Name: j.Name, Started: j.Started, Completed: j.Completed, Failed: j.Failed, Unfinished: j.Unfinished,
			Untracked: j.Untracked, FailureRate: j.FailureRate(), Duration: jsonPct(j.Duration()),
			Failures: []jsonJourneyReason{}, OtherReasons: j.OtherReasons}
		for _, c := range j.Reasons {
			jj.Failures = append(jj.Failures, jsonJourneyReason{Reason: c.Reason, Count: c.Count})
		}
		out = append(out, jj)
	}
	return out
}
