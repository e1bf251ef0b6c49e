package render

import (
	"fmt"
	"io"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/ragload/ragload/results"
)

// writeServiceTable renders the second latency view: from the actual send,
// with the schedule lag.
func writeServiceTable(w io.Writer, r *results.Report) error {
	align := []tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithFooterAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header([]string{"Endpoint", "svc p50", "svc p90", "svc p95", "svc p99", "svc max", "lag p50", "lag p99", "lag max"})
	row := func(s *results.Stats) []string {
		sv, lag := s.Service(), s.ScheduleLag()
		return []string{s.Name, results.FormatMillis(sv.P50), results.FormatMillis(sv.P90), results.FormatMillis(sv.P95), results.FormatMillis(sv.P99), results.FormatMillis(sv.Max),
			results.FormatMillis(lag.P50), results.FormatMillis(s.Quantile(99, results.ViewLag)), results.FormatMillis(lag.Max)}
	}
	for _, s := range r.Endpoints {
		if err := t.Append(row(s)); err != nil {
			return err
		}
	}
	t.Footer(row(r.Total))
	return t.Render()
}

// writeGenerator prints ragload's own health during the run.
func writeGenerator(p *printer, g *results.GeneratorInfo) {
	var inFlight int64
	var goroutines int
	var rss uint64
	for _, s := range g.Samples {
		inFlight, goroutines, rss = max(inFlight, s.InFlight), max(goroutines, s.Goroutines), max(rss, s.RSS)
	}
	memory := ""
	if rss > 0 {
		memory = fmt.Sprintf(" · memory max %.0f MB", float64(rss)/1e6)
	}
	late := ""
	if g.Scheduled > 0 {
		late = fmt.Sprintf(" · %d of %d requests late (> %s)", g.Late, g.Scheduled, time.Duration(g.LateAfter))
	}
	machine := ""
	if g.MaxMachineCPU > 0 {
		machine = fmt.Sprintf(" (machine %.2f of %d)", g.MaxMachineCPU, g.MachineCores)
	}
	p.printf("Generator cpu max %.2f of %d cores%s%s · in flight max %d · goroutines max %d%s\n", g.MaxCPU, g.Cores, machine, late, inFlight, goroutines, memory)
}

// writeStreamTable renders time to first byte and first token for the
// endpoints whose responses streamed.
func writeStreamTable(w io.Writer, r *results.Report) error {
	var rows [][]string
	for _, s := range r.Endpoints {
		if s.Streamed == 0 {
			continue
		}
		b, f := s.View(results.ViewTTFB), s.View(results.ViewTTFT)
		rows = append(rows, []string{s.Name, fmt.Sprint(s.Streamed),
			results.FormatMillis(b.P50), results.FormatMillis(b.P95), results.FormatMillis(b.P99),
			results.FormatMillis(f.P50), results.FormatMillis(f.P95), results.FormatMillis(f.P99),
			results.FormatMillis(s.Quantile(99, results.ViewGap)), fmt.Sprintf("%.1f", float64(s.Tokens)/float64(s.Streamed))})
	}
	if len(rows) == 0 {
		return nil
	}
	align := []tw.Align{tw.AlignLeft}
	for range 9 {
		align = append(align, tw.AlignRight)
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header([]string{"Streaming", "Streams", "TTFB p50", "TTFB p95", "TTFB p99", "TTFT p50", "TTFT p95", "TTFT p99", "gap p99", "tokens"})
	for _, row := range rows {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}
