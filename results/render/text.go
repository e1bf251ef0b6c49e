package render

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/ragload/ragload/results"
)

// Text renders the report for a terminal: a run header, a table with
// a row per endpoint and the total, the journeys (runs that have them),
// the errors, warnings and the verdict.
func Text(w io.Writer, r *results.Report) error {
	p := &printer{w: w}
	writeHeader(p, r)
	if p.err != nil {
		return p.err
	}
	if err := writeTable(w, r); err != nil {
		return err
	}
	p.printf("%s\n", latencyNote(r.Total))
	if note := setupNote(r); note != "" {
		p.printf("%s\n", note)
	}
	if err := writeJourneysText(w, p, r); err != nil {
		return err
	}
	if differ, words := ViewsDiffer(r); words != "" {
		p.printf("\nService latency in ms, from the actual send (what vegeta reports), and the schedule lag:\n")
		if p.err != nil {
			return p.err
		}
		if err := writeServiceTable(w, r); err != nil {
			return err
		}
		if differ {
			words = "NOTE: " + words
		}
		p.printf("%s\n", words)
	}
	if r.Total.Streamed > 0 {
		p.printf("\n%s\n", streamNote(r))
		if p.err != nil {
			return p.err
		}
		if err := writeStreamTable(w, r); err != nil {
			return err
		}
	}
	if err := writeQualityText(w, p, r); err != nil {
		return err
	}
	if err := writeSeriesText(w, p, r.Series); err != nil {
		return err
	}
	if err := writeErrors(w, p, r); err != nil {
		return err
	}
	for _, msg := range r.Warnings {
		p.printf("WARNING: %s\n", msg)
	}
	writeVerdict(p, r.Verdict)
	return p.err
}

// printer keeps the first write error, so rendering code stays readable.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func writeHeader(p *printer, r *results.Report) {
	if m := r.Manifest; m != nil {
		p.printf("Run      %s · %s · %s\n", m.Name, m.Mode, m.Status)
		auth := m.Auth.Mode
		if m.Auth.Mode == "bearer" {
			auth = fmt.Sprintf("bearer, %d account(s), %d login(s), %d refresh(es)", m.Auth.Users, m.Auth.Logins, m.Auth.Refreshes)
		}
		p.printf("Target   %s · auth %s\n", results.RedactURL(m.Target), auth)
		p.printf("Plan     %s · seed %d · timeout %s\n", m.Plan.Description, m.Seed, time.Duration(m.Plan.Timeout))
		p.printf("Started  %s · %s\n", m.Started.UTC().Format("2006-01-02 15:04:05 MST"), sendLine(r))
	} else {
		p.printf("Results  %s (no run.json: a bare vegeta file)\n", strings.Join(r.Sources, ", "))
		p.printf("Requests %d · achieved %.1f/s over %s\n", r.Total.Requests, r.Rate(r.Total), r.Window.Round(time.Millisecond))
	}
	if m := r.Manifest; m != nil && m.Users != nil {
		u := m.Users
		p.printf("Users    planned %d · peak %d · %s · think %s\n", u.Planned, u.Peak(), u.Held(), u.Wait)
	}
	if m := r.Manifest; m != nil && m.Generator != nil {
		writeGenerator(p, m.Generator)
	}
	p.printf("\n")
}

func writeTable(w io.Writer, r *results.Report) error {
	header := mainHeader(r)
	right := make([]tw.Align, len(header))
	for i := range right {
		right[i] = tw.AlignRight
	}
	right[0] = tw.AlignLeft
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: right}),
		tablewriter.WithFooterAlignmentConfig(tw.CellAlignment{PerColumn: right}),
	)
	t.Header(header)
	for _, s := range r.Endpoints {
		if err := t.Append(mainRow(r, s)); err != nil {
			return err
		}
	}
	t.Footer(mainRow(r, r.Total))
	return t.Render()
}

// mainHeader names the columns of the main table (text and Markdown): a
// Dropped column only when the generator dropped requests.
func mainHeader(r *results.Report) []string {
	h := []string{"Endpoint", "Requests", "RPS", "Fail %", "429", "p50", "p90", "p95", "p99", "max"}
	if r.Total.Dropped > 0 {
		h = slices.Insert(h, 2, "Dropped")
	}
	return h
}

func mainRow(r *results.Report, s *results.Stats) []string {
	p := s.Response()
	row := []string{
		s.Name,
		fmt.Sprint(s.Requests),
		fmt.Sprintf("%.1f", r.Rate(s)),
		fmt.Sprintf("%.2f", 100*s.FailureRate()),
		fmt.Sprint(s.RateLimited),
		results.FormatMillis(p.P50), results.FormatMillis(p.P90), results.FormatMillis(p.P95), results.FormatMillis(p.P99), results.FormatMillis(p.Max),
	}
	if r.Total.Dropped > 0 {
		row = slices.Insert(row, 2, fmt.Sprint(s.Dropped))
	}
	return row
}

// writeErrors renders the failures as a table, a row per endpoint and
// kind of error with its count and first message, and calls out 401s.
func writeErrors(w io.Writer, p *printer, r *results.Report) error {
	if r.Total.Failures == 0 {
		return p.err
	}
	p.printf("\nErrors by endpoint and kind (count, first message):\n")
	if p.err != nil {
		return p.err
	}
	align := []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignLeft}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header([]string{"Endpoint", "Kind", "Count", "First message"})
	for _, s := range r.Endpoints {
		for _, k := range s.ErrorKinds() {
			if err := t.Append(kindRow(s.Name, k)); err != nil {
				return err
			}
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if note := unauthorizedNote(r); note != "" {
		p.printf("%s\n", note)
	}
	return p.err
}

// writeVerdict renders the verdict and its checks.
func writeVerdict(p *printer, v results.Verdict) {
	p.printf("\nVerdict: %s\n", v.Word())
	width := 28 // the expressions' column: wider when one is longer (journey thresholds)
	for _, c := range v.Checks {
		width = max(width, len([]rune(c.Expr)))
	}
	for _, c := range v.Checks {
		mark := "PASS"
		switch {
		case c.Advisory && c.Pass:
			mark = "mark ok"
		case c.Advisory:
			mark = "mark miss"
		case !c.Pass:
			mark = "FAIL"
		}
		p.printf("  %-9s %-*s %s%s\n", mark, width, c.Expr, c.FormatActual(), samplesNote(c))
	}
	for _, reason := range v.Reasons {
		p.printf("  because %s\n", reason)
	}
	for _, why := range v.Inconclusive {
		p.printf("  not conclusive: %s\n", why)
	}
	if v.Caveat != "" {
		p.printf("  %s\n", v.Caveat)
	}
	for _, note := range v.Notes {
		p.printf("  %s\n", note)
	}
}

// latencyNote says what the latency columns measure.
func latencyNote(total *results.Stats) string {
	const hdr = " (HDR histogram, 3 significant digits)."
	switch {
	case total.Scheduled == 0:
		return "Latencies in ms: from the send, no schedule (closed-loop users or a foreign file)" + hdr
	case total.Scheduled < total.Requests:
		return "Latencies in ms: from the scheduled send where a request had one, else from the send" + hdr
	}
	return "Latencies in ms: response time from the scheduled send" + hdr
}
