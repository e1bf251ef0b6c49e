package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/ragload/ragload/results"
)

// Quality: what the responses said (response checks) and the goodput, for
// runs that declared checks or an SLO; a run without either renders as
// before they existed.

// judged reports whether the run declared response checks or an SLO: only
// then do reports show the checks table and goodput.
func judged(r *results.Report) bool {
	return r.SLO != nil || declaresChecks(r) || r.Total.Checked > 0
}

// declaresChecks reports whether the run's scenario declared checks on
// some endpoint.
func declaresChecks(r *results.Report) bool {
	return r.Manifest != nil && len(r.Manifest.Scenario.Checks) > 0
}

// hasChecks reports whether the endpoint s was checked: its scenario
// declared checks, or its results were.
func hasChecks(r *results.Report, s *results.Stats) bool {
	if s.Checked > 0 || len(s.Checks) > 0 {
		return true
	}
	if s == r.Total {
		return declaresChecks(r)
	}
	return r.Manifest != nil && len(r.Manifest.Scenario.Checks[s.Name]) > 0
}

// sloWords is the SLO as the reports quote it: "latency ≤ 2s, ttft ≤ 1s";
// "" without one.
func sloWords(slo *results.SLO) string {
	if slo == nil {
		return ""
	}
	var parts []string
	for _, o := range []struct {
		name string
		d    results.Duration
	}{{"latency", slo.Latency}, {"ttft", slo.TTFT}, {"tpot", slo.TPOT}} {
		if o.d > 0 {
			parts = append(parts, fmt.Sprintf("%s ≤ %s", o.name, time.Duration(o.d)))
		}
	}
	return strings.Join(parts, ", ")
}

// goodCriteria says what a request had to do to count in goodput:
// "passed checks and latency ≤ 2s, ttft ≤ 1s", "passed checks", "met
// latency ≤ 2s".
func goodCriteria(r *results.Report) string {
	slo := sloWords(r.SLO)
	switch {
	case hasChecks(r, r.Total) && slo != "":
		return "passed checks and " + slo
	case slo != "":
		return "met " + slo
	}
	return "passed checks"
}

// goodShare is Good/Requests (0 without requests).
func goodShare(s *results.Stats) float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Good) / float64(s.Requests)
}

// goodputLine is the total's goodput in one sentence: "goodput 41.2/s of
// 50.0/s offered (82%): passed checks and latency ≤ 2s, ttft ≤ 1s".
func goodputLine(r *results.Report) string {
	return fmt.Sprintf("goodput %.1f/s of %.1f/s offered (%.0f%%): %s", r.Total.Goodput(), r.Rate(r.Total), 100*goodShare(r.Total), goodCriteria(r))
}

// goodputTitle introduces the goodput table.
const goodputTitle = "Goodput: the requests that passed their endpoint's checks and met every objective of the SLO, per second over the sending window; failed checks are responses a check rejected, of those checked (not HTTP failures):"

// goodputHeader names the goodput table's columns.
var goodputHeader = []string{"Endpoint", "Checked", "Failed checks", "Check fail %", "Good", "Good %", "Goodput/s", "Offered/s"}

// goodputRow is an endpoint's (or the total's) row of the goodput table;
// the check columns read "-" for an endpoint without checks.
func goodputRow(r *results.Report, s *results.Stats) []string {
	checked, failed, rate := "-", "-", "-"
	if hasChecks(r, s) {
		checked, failed, rate = fmt.Sprint(s.Checked), fmt.Sprint(s.CheckFailed), fmt.Sprintf("%.2f", 100*s.CheckFailRate())
	}
	return []string{s.Name, checked, failed, rate, fmt.Sprint(s.Good), fmt.Sprintf("%.1f", 100*goodShare(s)),
		fmt.Sprintf("%.1f", s.Goodput()), fmt.Sprintf("%.1f", r.Rate(s))}
}

// checksTitle introduces the checks table.
const checksTitle = "Response checks by endpoint (failed, % of the endpoint's checked responses, first offending excerpt):"

// checksHeader names the checks table's columns.
var checksHeader = []string{"Endpoint", "Check", "Failed", "% checked", "First excerpt"}

// checkRows are the rows of the checks table: a row per endpoint and
// check, in the scenario's order.
func checkRows(r *results.Report) [][]string {
	var rows [][]string
	for _, s := range r.Endpoints {
		for _, c := range s.Checks {
			share := 0.0
			if s.Checked > 0 {
				share = float64(c.Failed) / float64(s.Checked)
			}
			ex := "-"
			if c.Excerpt != "" {
				ex = c.Excerpt
			}
			rows = append(rows, []string{s.Name, c.Name, fmt.Sprint(c.Failed), fmt.Sprintf("%.2f", 100*share), ex})
		}
	}
	return rows
}

// writeQualityText renders the goodput table, the goodput line and the
// checks table for a terminal; nothing for a run that was not judged.
func writeQualityText(w io.Writer, p *printer, r *results.Report) error {
	if !judged(r) {
		return p.err
	}
	p.printf("\n%s\n", goodputTitle)
	if p.err != nil {
		return p.err
	}
	align := []tw.Align{tw.AlignLeft}
	for range len(goodputHeader) - 1 {
		align = append(align, tw.AlignRight)
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithFooterAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(goodputHeader)
	for _, s := range r.Endpoints {
		if s.Setup {
			continue
		}
		if err := t.Append(goodputRow(r, s)); err != nil {
			return err
		}
	}
	t.Footer(goodputRow(r, r.Total))
	if err := t.Render(); err != nil {
		return err
	}
	p.printf("%s\n", goodputLine(r))
	rows := checkRows(r)
	if len(rows) == 0 {
		return p.err
	}
	p.printf("\n%s\n", checksTitle)
	if p.err != nil {
		return p.err
	}
	t = tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignLeft}}),
	)
	t.Header(checksHeader)
	for _, row := range rows {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

// writeQualityMarkdown is writeQualityText in Markdown.
func writeQualityMarkdown(p *printer, r *results.Report) {
	if !judged(r) {
		return
	}
	p.printf("\n%s\n\n", mdEscape(goodputTitle))
	mdTable(p, goodputHeader, "l")
	for _, s := range r.Endpoints {
		if !s.Setup {
			mdRow(p, goodputRow(r, s))
		}
	}
	total := goodputRow(r, r.Total)
	total[0] = "**" + total[0] + "**"
	mdRow(p, total)
	p.printf("\n**%s**\n", mdEscape(goodputLine(r)))
	if rows := checkRows(r); len(rows) > 0 {
		p.printf("\n%s\n\n", mdEscape(checksTitle))
		mdTable(p, checksHeader, "llrrl")
		for _, row := range rows {
			if row[4] != "-" {
				row[4] = mdCode(row[4])
			}
			mdRow(p, row)
		}
	}
}

// tokenTimings reports whether some streamed response carried token
// timings (ITL or TPOT): only then do the streaming tables show them.
func tokenTimings(r *results.Report) bool {
	for _, s := range r.Endpoints {
		if s.View(results.ViewITL).Count > 0 || s.View(results.ViewTPOT).Count > 0 {
			return true
		}
	}
	return false
}

// streamNote says what the streaming table's columns are.
func streamNote(r *results.Report) string {
	note := "Streamed responses, ms from the send: TTFB to the response headers, TTFT to the first token; gap is the longest wait between tokens; tokens/s is the output tokens per second over the sending window; tokens/stream is the mean count"
	if tokenTimings(r) {
		note += "; ITL is the wait between consecutive tokens (every gap of every stream), TPOT the time per output token after the first ((last token − first) / (tokens − 1), per stream)"
	}
	return note + ":"
}

// streamHeader names the streaming table's columns.
func streamHeader(r *results.Report) []string {
	h := []string{"Streaming", "Streams", "TTFB p50", "TTFB p95", "TTFB p99", "TTFT p50", "TTFT p95", "TTFT p99"}
	if tokenTimings(r) {
		h = append(h, "ITL p50", "ITL p95", "ITL p99", "TPOT p50", "TPOT p95")
	}
	return append(h, "gap p99", "tokens/s", "tokens/stream")
}

// tokenRate is the output tokens per second of s's streams over the run's
// sending window (0 without a window).
func tokenRate(r *results.Report, s *results.Stats) float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(s.Tokens) / r.Window.Seconds()
}

// streamRow is an endpoint's row of the streaming table.
func streamRow(r *results.Report, s *results.Stats) []string {
	b, f := s.View(results.ViewTTFB), s.View(results.ViewTTFT)
	row := []string{s.Name, fmt.Sprint(s.Streamed),
		results.FormatMillis(b.P50), results.FormatMillis(b.P95), results.FormatMillis(b.P99),
		results.FormatMillis(f.P50), results.FormatMillis(f.P95), results.FormatMillis(f.P99)}
	if tokenTimings(r) {
		i, t := s.View(results.ViewITL), s.View(results.ViewTPOT)
		row = append(row, results.FormatMillis(i.P50), results.FormatMillis(i.P95), results.FormatMillis(i.P99),
			results.FormatMillis(t.P50), results.FormatMillis(t.P95))
	}
	return append(row, results.FormatMillis(s.Quantile(99, results.ViewGap)), fmt.Sprintf("%.1f", tokenRate(r, s)), fmt.Sprintf("%.1f", float64(s.Tokens)/float64(s.Streamed)))
}
