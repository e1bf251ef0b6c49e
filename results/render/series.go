package render

import (
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/ragload/ragload/results"
)

// seriesTitle says what the series table shows.
func seriesTitle(s *results.Series) string {
	return fmt.Sprintf("Over time, in windows of %s by send time (Start from the run's start; latencies in ms as in the first table)", s.Every)
}

// seriesHeader names the columns of the series table: the endpoint first when
// there are endpoint lines.
func seriesHeader(s *results.Series) []string {
	h := []string{"Start", "Requests", "RPS", "Fail %", "p50", "p95", "p99"}
	if s.Endpoints != nil {
		h = append([]string{"Endpoint"}, h...)
	}
	return h
}

// seriesRows are the cells of the series table: each endpoint's windows in
// time order, then the total's.
func seriesRows(s *results.Series) [][]string {
	var out [][]string
	for _, l := range s.Lines() {
		for _, w := range l.Windows {
			row := []string{w.Offset.String(), fmt.Sprint(w.Requests), fmt.Sprintf("%.1f", w.Rate()),
				fmt.Sprintf("%.2f", 100*w.FailureRate()),
				results.FormatMillis(w.Latency.P50), results.FormatMillis(w.Latency.P95), results.FormatMillis(w.Latency.P99)}
			if s.Endpoints != nil {
				row = append([]string{l.Name}, row...)
			}
			out = append(out, row)
		}
	}
	return out
}

// writeSeriesText renders the series as a table after a title line;
// nothing for a nil series. Text calls it.
func writeSeriesText(w io.Writer, p *printer, s *results.Series) error {
	if s == nil {
		return nil
	}
	p.printf("\n%s:\n", seriesTitle(s))
	if p.err != nil {
		return p.err
	}
	h := seriesHeader(s)
	align := make([]tw.Align, len(h))
	for i := range align {
		align[i] = tw.AlignRight
	}
	if s.Endpoints != nil {
		align[0] = tw.AlignLeft
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(h)
	for _, row := range seriesRows(s) {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

// seriesCSVHeader names the columns of SeriesCSV, after Locust's
// stats history where the meaning is the same.
var seriesCSVHeader = []string{"Time", "Start (s)", "Name", "Request Count", "Failure Count", "Requests/s", "Fail %",
	"50%", "95%", "99%", "429s"}

// SeriesCSV renders the series as CSV: a row per window of each
// endpoint, then of the total (named Aggregated, as in CSV). Time is
// the window's start in RFC 3339 (UTC), Start (s) the seconds from the
// run's start; latencies are in ms from the scheduled send.
func SeriesCSV(w io.Writer, s *results.Series) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(seriesCSVHeader); err != nil {
		return err
	}
	write := func(name string, l results.SeriesLine) error {
		for _, win := range l.Windows {
			p := win.Latency
			if err := cw.Write([]string{
				s.Start.Add(win.Offset).UTC().Format(time.RFC3339Nano), num(win.Offset.Seconds()), name,
				fmt.Sprint(win.Requests), fmt.Sprint(win.Failures), num(win.Rate()), num(100 * win.FailureRate()),
				num(ms(p.P50)), num(ms(p.P95)), num(ms(p.P99)), fmt.Sprint(win.RateLimited),
			}); err != nil {
				return err
			}
		}
		return nil
	}
	for _, l := range s.Endpoints {
		if err := write(l.Name, l); err != nil {
			return err
		}
	}
	if err := write(csvAggregated, s.Total); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
