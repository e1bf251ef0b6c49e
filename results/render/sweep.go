package render

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/sweepfile"
)

// SweepFormats are the formats a sweep renders to.
var SweepFormats = []string{FormatText, FormatMarkdown, FormatJSON}

// Sweep renders a sweep: a row per step and the answer.
func Sweep(w io.Writer, format string, s *sweepfile.Sweep) error {
	switch format {
	case FormatText:
		return writeSweepText(w, s)
	case FormatMarkdown:
		return writeSweepMarkdown(w, s)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(s)
	}
	return fmt.Errorf("format %q isn't one of [%s]", format, strings.Join(SweepFormats, " "))
}

// sweepHeader is the table's header; a sweep whose steps have a goodput
// (checks or an SLO) gains a Goodput/s column after Served.
func sweepHeader(s *sweepfile.Sweep) []string {
	h := []string{"Step", "Planned", "Sent", "Served", "Requests", "Fail %", "p50", "p95", "p99", "lag p99", "Verdict"}
	if sweepGoodput(s) {
		h = slices.Insert(h, 4, "Goodput/s")
	}
	return h
}

// sweepGoodput reports whether any step of s has a goodput.
func sweepGoodput(s *sweepfile.Sweep) bool {
	return slices.ContainsFunc(s.Steps, func(st sweepfile.Step) bool { return st.Goodput != nil })
}

func stepRow(s *sweepfile.Sweep, st sweepfile.Step) []string {
	row := []string{st.Dir, fmt.Sprintf("%g/s", st.Rate), fmt.Sprintf("%.1f/s", st.SentRate), fmt.Sprintf("%.1f/s", st.Throughput),
		fmt.Sprint(st.Requests), fmt.Sprintf("%.2f", 100*st.Failures), fmtMS(st.P50), fmtMS(st.P95), fmtMS(st.P99), fmtMS(st.LagP99), st.Verdict}
	switch {
	case st.Goodput != nil:
		row = slices.Insert(row, 4, fmt.Sprintf("%.1f/s", *st.Goodput))
	case sweepGoodput(s):
		row = slices.Insert(row, 4, "-")
	}
	return row
}

func sweepIntro(s *sweepfile.Sweep) string {
	p := s.Plan
	what := fmt.Sprintf("search from %g to %g/s (×%g, then bisect to %g%%)", p.From, p.To, p.Growth, 100*p.Precision)
	if len(p.Steps) > 0 {
		what = fmt.Sprintf("steps %v/s", p.Steps)
	}
	return fmt.Sprintf("Sweep %s · %s · %s · steps of %s after %s warm-up · judged by %s",
		s.Name, results.RedactURL(s.Target), what, time.Duration(p.StepDuration), time.Duration(p.Warmup), strings.Join(s.Thresholds, ", ")) + goodputRule(p)
}

// goodputRule is the goodput criterion of a sweep in the intro's words.
func goodputRule(p sweepfile.Plan) string {
	if p.GoodputShare <= 0 {
		return ""
	}
	return fmt.Sprintf(" and goodput ≥ %g%% of the rate", 100*p.GoodputShare)
}

func writeSweepText(w io.Writer, s *sweepfile.Sweep) error {
	p := &printer{w: w}
	p.printf("%s\n\n", sweepIntro(s))
	if p.err != nil {
		return p.err
	}
	header := sweepHeader(s)
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignRight
	}
	align[0], align[len(align)-1] = tw.AlignLeft, tw.AlignLeft
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}))
	t.Header(header)
	for _, st := range s.Steps {
		if err := t.Append(stepRow(s, st)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	p.printf("Latencies in ms from the scheduled send; Served is the successful answers per second while the server worked on the step (its window shifted by the median latency).\n")
	if sweepGoodput(s) {
		p.printf("Goodput/s is the requests per second sent in the judged window that passed their checks and met the SLO.\n")
	}
	for _, st := range s.Steps {
		if st.Reason != "" {
			p.printf("  %s: %s\n", st.Dir, st.Reason)
		}
	}
	if w := statusWarning(s); w != "" {
		p.printf("WARNING: %s\n", w)
	}
	p.printf("\nAnswer: %s\n", s.Answer)
	return p.err
}

// statusWarning says how far a sweep that did not complete got: for an
// interrupted one, the steps done of those planned (fixed steps) or done
// (a search, whose steps are not known in advance). It is empty for a
// complete sweep.
func statusWarning(s *sweepfile.Sweep) string {
	done := 0
	for _, st := range s.Steps {
		if st.Verdict != sweepfile.StepInterrupted {
			done++
		}
	}
	cut := ""
	if len(s.Steps) > done {
		cut = fmt.Sprintf(", and %s was cut short", s.Steps[len(s.Steps)-1].Dir)
	}
	switch {
	case s.Status == results.StatusComplete:
		return ""
	case s.Status == results.StatusInterrupted && len(s.Plan.Steps) > 0:
		return fmt.Sprintf("the sweep was interrupted: %d of %d planned steps done%s", done, len(s.Plan.Steps), cut)
	case s.Status == results.StatusInterrupted:
		return fmt.Sprintf("the sweep was interrupted after %d steps of its search%s", done, cut)
	case s.Status == results.StatusRunning:
		return "the sweep has not finished (or its process died): sweep.json still says running"
	}
	return "the sweep is " + s.Status
}

func writeSweepMarkdown(w io.Writer, s *sweepfile.Sweep) error {
	p := &printer{w: w}
	p.printf("### ragload sweep: %s\n\n%s\n\n", mdEscape(s.Answer), mdEscape(sweepIntro(s)))
	if w := statusWarning(s); w != "" {
		p.printf("> **Warning:** %s\n\n", mdEscape(w))
	}
	header := sweepHeader(s)
	p.printf("| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("--:|", len(header)))
	for _, st := range s.Steps {
		cells := stepRow(s, st)
		for i := range cells {
			cells[i] = mdEscape(cells[i])
		}
		p.printf("| %s |\n", strings.Join(cells, " | "))
	}
	for _, st := range s.Steps {
		if st.Reason != "" {
			p.printf("\n- `%s`: %s", st.Dir, mdEscape(st.Reason))
		}
	}
	p.printf("\n")
	return p.err
}
