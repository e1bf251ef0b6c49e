package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/compare"
)

// CompareFormats are the formats a comparison renders to.
var CompareFormats = []string{FormatText, FormatMarkdown, FormatJSON}

// Comparison renders c in one of CompareFormats.
func Comparison(w io.Writer, format string, c *compare.Comparison) error {
	switch format {
	case FormatMarkdown:
		return writeComparisonMarkdown(w, c)
	case FormatJSON:
		return writeComparisonJSON(w, c)
	case FormatText:
		return writeComparisonText(w, c)
	}
	return fmt.Errorf("format %q isn't one of [%s]", format, strings.Join(CompareFormats, " "))
}

// changeCells renders a change as base, new, change and test columns.
func changeCells(ch compare.Change) [4]string {
	value := func(v float64) string {
		switch {
		case ch.IsLatency():
			return fmtMS(v) + " ms"
		case ch.Metric == "failures":
			return fmt.Sprintf("%.2f%%", 100*v)
		case ch.Metric == "rps" || ch.Metric == "goodput":
			return fmt.Sprintf("%.1f/s", v)
		}
		return fmt.Sprintf("%.0f", v)
	}
	var change, test string
	switch {
	case ch.Metric == "failures":
		change, test = fmt.Sprintf("%+.2f pts", 100*ch.Delta), ch.Note // a note: a journey none of which ended
	case ch.IsLatency() && ch.Note != "":
		change, test = "?", ch.Note
	case ch.IsLatency():
		change = fmt.Sprintf("%+.1f%%", 100*ch.Delta)
		if !ch.Signif {
			change = "~"
		}
		test = fmt.Sprintf("p=%.3f, %+.1f%%…%+.1f%%", ch.P, 100*ch.CILow, 100*ch.CIHigh)
	default:
		change = fmt.Sprintf("%+.1f%%", 100*ch.Delta)
	}
	if ch.Worse {
		change += " ✗"
	}
	return [4]string{value(ch.Base), value(ch.New), change, test}
}

// compareLegend explains the Change and Test columns, a line each: the
// marks, and why every percentile of an endpoint shows the same p.
var compareLegend = [2]string{
	"~ no significant change; ✗ a regression; ? not tested (the Test column says why, e.g. too few samples).",
	"p is one Mann-Whitney U test per endpoint (and view) on its whole latency distribution, so all its percentile rows show the same p; " +
		"the interval is a bootstrap of each percentile's change; a change is significant when p < α and the interval excludes 0.",
}

func comparisonHeader(c *compare.Comparison) string {
	h := fmt.Sprintf("base: %s (%d requests) · new: %s (%d requests) · regression: worse by > %.0f%% and significant at α=%g, or failures +%.1f points",
		c.Base.Label, c.Base.Report.Total.Requests, c.New.Label, c.New.Report.Total.Requests,
		100*c.Options.MaxRegression, c.Options.Alpha, 100*c.Options.MaxFailureRise)
	if c.Goodput() {
		h += fmt.Sprintf(", or goodput down > %.0f%%", 100*c.Options.MaxRegression)
	}
	return h
}

func comparisonVerdict(c *compare.Comparison) string {
	if c.Regression {
		return "REGRESSION"
	}
	return "no regression"
}

func writeComparisonText(w io.Writer, c *compare.Comparison) error {
	p := &printer{w: w}
	p.printf("%s\n", comparisonHeader(c))
	if c.Options.Skip > 0 {
		p.printf("The first %s of each run is left out (warm-up).\n", c.Options.Skip)
	}
	p.printf("\n")
	if p.err != nil {
		return p.err
	}
	if err := compareTableText(w, "Endpoint", c.Rows); err != nil {
		return err
	}
	if err := writeCompareJourneysText(w, p, c); err != nil {
		return err
	}
	p.printf("%s\n%s\n", compareLegend[0], compareLegend[1])
	for _, msg := range append(append([]string{}, c.Warnings...), append(c.Base.Report.Warnings, c.New.Report.Warnings...)...) {
		p.printf("WARNING: %s\n", msg)
	}
	p.printf("\nVerdict: %s\n", comparisonVerdict(c))
	for _, r := range c.Reasons {
		p.printf("  because %s\n", r)
	}
	return p.err
}

// compareTableText renders rows as a table whose first column is named
// first (Endpoint, Journey).
func compareTableText(w io.Writer, first string, rows []compare.Row) error {
	align := []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header([]string{first, "Metric", "Base", "New", "Change", "Test (p, interval of the change)"})
	for _, row := range rows {
		for i, ch := range row.Changes {
			name := ""
			if i == 0 {
				name = row.Name
			}
			cells := changeCells(ch)
			if err := t.Append([]string{name, ch.Metric, cells[0], cells[1], cells[2], cells[3]}); err != nil {
				return err
			}
		}
	}
	return t.Render()
}

// compareTableMarkdown renders rows as compareTableText does.
func compareTableMarkdown(p *printer, first string, rows []compare.Row) {
	p.printf("| %s | Metric | Base | New | Change | Test |\n|---|---|--:|--:|--:|---|\n", first)
	for _, row := range rows {
		for i, ch := range row.Changes {
			name := ""
			if i == 0 {
				name = "**" + mdEscape(row.Name) + "**"
			}
			cells := changeCells(ch)
			p.printf("| %s | %s | %s | %s | %s | %s |\n", name, ch.Metric, cells[0], cells[1], cells[2], mdEscape(cells[3]))
		}
	}
}

func writeComparisonMarkdown(w io.Writer, c *compare.Comparison) error {
	p := &printer{w: w}
	p.printf("### ragload compare: %s\n\n%s\n\n", comparisonVerdict(c), mdEscape(comparisonHeader(c)))
	compareTableMarkdown(p, "Endpoint", c.Rows)
	writeCompareJourneysMarkdown(p, c)
	p.printf("\n_%s %s_\n", mdEscape(compareLegend[0]), mdEscape(compareLegend[1]))
	for _, msg := range c.Warnings {
		p.printf("\n> **Warning:** %s\n", mdEscape(msg))
	}
	if len(c.Reasons) > 0 {
		p.printf("\n")
		for _, r := range c.Reasons {
			p.printf("- %s\n", mdEscape(r))
		}
	}
	return p.err
}

// ComparisonSchema identifies the JSON comparison format.
const ComparisonSchema = "ragload.compare/v1"

func writeComparisonJSON(w io.Writer, c *compare.Comparison) error {
	side := func(s *compare.Side) map[string]any {
		return map[string]any{"label": s.Label, "requests": s.Report.Total.Requests, "seconds": s.Seconds, "warnings": append([]string{}, s.Report.Warnings...)}
	}
	out := map[string]any{
		"schema": ComparisonSchema, "base": side(c.Base), "new": side(c.New),
		"options": map[string]any{
			"max_regression": c.Options.MaxRegression, "alpha": c.Options.Alpha,
			"max_failure_rise": c.Options.MaxFailureRise, "skip_seconds": c.Options.Skip.Seconds(),
		},
		"rows": c.Rows, "regression": c.Regression,
		"reasons": append([]string{}, c.Reasons...), "warnings": append([]string{}, c.Warnings...),
	}
	if len(c.Journeys) > 0 { // absent, not empty, without journeys: the format of before
		out["journeys"] = c.Journeys
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func fmtMS(ms float64) string {
	return results.FormatMillis(time.Duration(ms * float64(time.Millisecond)))
}
