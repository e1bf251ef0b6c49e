package render

import (
	"io"
	"strings"
	"time"

	"github.com/ragload/ragload/results"
)

// Markdown renders the report as GitHub-flavoured Markdown, to paste
// into a pull request: a short header (run, plan, target), the
// per-endpoint table and the total, the journeys (runs that have them)
// and their failures by reason, the service latency and schedule lag
// when the run had a schedule, the streaming table when any response
// streamed, the time series when the report has one, the errors (folded),
// the warnings as a blockquote and the verdict as a checklist.
func Markdown(w io.Writer, r *results.Report) error {
	p := &printer{w: w}
	writeMarkdownHeader(p, r)

	p.printf("\n")
	mdTable(p, mainHeader(r), "l")
	for _, s := range r.Endpoints {
		mdRow(p, mainRow(r, s))
	}
	total := mainRow(r, r.Total)
	total[0] = "**" + total[0] + "**"
	mdRow(p, total)
	p.printf("\n%s\n", latencyNote(r.Total))
	if note := setupNote(r); note != "" {
		p.printf("\n%s\n", mdEscape(note))
	}
	writeJourneysMarkdown(p, r)

	if differ, words := ViewsDiffer(r); words != "" {
		p.printf("\nService latency in ms, from the actual send (what vegeta reports), and the schedule lag:\n\n")
		mdTable(p, []string{"Endpoint", "svc p50", "svc p90", "svc p95", "svc p99", "svc max", "lag p50", "lag p99", "lag max"}, "l")
		for _, s := range append(append([]*results.Stats{}, r.Endpoints...), r.Total) {
			sv, lag := s.Service(), s.ScheduleLag()
			name := s.Name
			if s == r.Total {
				name = "**" + name + "**"
			}
			mdRow(p, []string{name, results.FormatMillis(sv.P50), results.FormatMillis(sv.P90), results.FormatMillis(sv.P95), results.FormatMillis(sv.P99), results.FormatMillis(sv.Max),
				results.FormatMillis(lag.P50), results.FormatMillis(s.Quantile(99, results.ViewLag)), results.FormatMillis(lag.Max)})
		}
		if differ {
			words = "**Note:** " + words
		}
		p.printf("\n%s\n", words)
	}

	if r.Total.Streamed > 0 {
		p.printf("\n%s\n\n", streamNote(r))
		mdTable(p, streamHeader(r), "l")
		for _, s := range r.Endpoints {
			if s.Streamed > 0 {
				mdRow(p, streamRow(r, s))
			}
		}
	}

	writeQualityMarkdown(p, r)

	if s := r.Series; s != nil {
		p.printf("\n%s:\n\n", seriesTitle(s))
		align := ""
		if s.Endpoints != nil {
			align = "l"
		}
		mdTable(p, seriesHeader(s), align)
		for _, row := range seriesRows(s) {
			mdRow(p, row)
		}
	}

	writeMarkdownErrors(p, r)
	for _, msg := range r.Warnings {
		p.printf("\n> **Warning:** %s\n", mdEscape(msg))
	}
	writeMarkdownVerdict(p, r.Verdict)
	return p.err
}

func writeMarkdownHeader(p *printer, r *results.Report) {
	m := r.Manifest
	if m == nil {
		p.printf("### ragload report: %s\n\n", r.Verdict.Word())
		files := make([]string, len(r.Sources))
		for i, f := range r.Sources {
			files[i] = mdCode(f)
		}
		p.printf("- **Results** %s (no run.json: a bare vegeta file)\n", strings.Join(files, ", "))
		p.printf("- **Requests** %d · achieved %.1f/s over %s\n", r.Total.Requests, r.Rate(r.Total), r.Window.Round(time.Millisecond))
		return
	}
	p.printf("### ragload: %s — %s\n\n", mdEscape(m.Name), r.Verdict.Word())
	p.printf("- **Run** %s · %s · %s · started %s\n", mdEscape(m.Name), m.Mode, m.Status, m.Started.UTC().Format("2006-01-02 15:04:05 MST"))
	p.printf("- **Plan** %s · seed %d · %s\n", mdEscape(m.Plan.Description), m.Seed, sendLine(r))
	p.printf("- **Target** %s · auth %s\n", mdCode(results.RedactURL(m.Target)), m.Auth.Mode)
	if u := m.Users; u != nil {
		p.printf("- **Users** planned %d · peak %d · %s · think %s\n", u.Planned, u.Peak(), mdEscape(u.Held()), mdEscape(u.Wait))
	}
}

// writeMarkdownErrors renders the failures, folded: a row per endpoint and
// kind of error with its count and first message; 401s are called out
// below, unfolded.
func writeMarkdownErrors(p *printer, r *results.Report) {
	if r.Total.Failures == 0 {
		return
	}
	p.printf("\n<details><summary>Errors: %d failed requests</summary>\n\n", r.Total.Failures)
	mdTable(p, []string{"Endpoint", "Kind", "Count", "First message"}, "llrl")
	for _, s := range r.Endpoints {
		for _, k := range s.ErrorKinds() {
			mdRow(p, kindRow(s.Name, k))
		}
	}
	p.printf("\n</details>\n")
	if note := unauthorizedNote(r); note != "" {
		p.printf("\n%s\n", mdEscape(note))
	}
}

// writeMarkdownVerdict renders the verdict as a task list: a ticked box for a
// check that passed, an empty one for a failed check or a missed mark.
func writeMarkdownVerdict(p *printer, v results.Verdict) {
	p.printf("\n**Verdict: %s**\n\n", v.Word())
	for _, c := range v.Checks {
		box := " "
		if c.Pass {
			box = "x"
		}
		mark := ""
		if c.Advisory {
			mark = " _(mark)_"
		}
		p.printf("- [%s] %s — %s%s%s\n", box, mdEscape(c.Expr), mdEscape(c.FormatActual()), mdEscape(samplesNote(c)), mark)
	}
	for _, reason := range v.Reasons {
		p.printf("\nFAIL because %s.\n", mdEscape(reason))
	}
	for _, why := range v.Inconclusive {
		p.printf("\nNot conclusive: %s.\n", mdEscape(why))
	}
	if v.Caveat != "" {
		p.printf("\n_%s_\n", mdEscape(v.Caveat))
	}
	for _, note := range v.Notes {
		p.printf("\n_%s._\n", mdEscape(note))
	}
}

// mdTable starts a table: the header and the delimiter row. align has an
// 'l' for each column aligned left; the others, and columns past its end,
// align right.
func mdTable(p *printer, header []string, align string) {
	mdRow(p, header)
	delim := make([]string, len(header))
	for i := range delim {
		delim[i] = "---:"
		if i < len(align) && align[i] == 'l' {
			delim[i] = ":---"
		}
	}
	p.printf("|%s|\n", strings.Join(delim, "|"))
}

// mdRow writes one table row, escaping each cell.
func mdRow(p *printer, cells []string) {
	esc := make([]string, len(cells))
	for i, c := range cells {
		esc[i] = mdEscape(c)
	}
	p.printf("| %s |\n", strings.Join(esc, " | "))
}

// mdEscape keeps text from breaking a table or a line: a pipe would end
// the cell and a line break the row.
var mdEscaper = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ")

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// mdCode renders s as inline code (outside tables), with a fence longer
// than any run of backticks in it.
func mdCode(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}
