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

// viewsAgree is the margin within which the two latency views count as the
// same: max(results.LateAfter, 2%). A request's response time is its service
// latency plus its schedule lag, so views closer than results.LateAfter differ by
// lag that does not count as late.
func viewsAgree(response, service time.Duration) bool {
	return response-service <= max(results.LateAfter, service/50)
}

// ViewsDiffer compares the response time from the scheduled send with the
// service latency at p50, p95 and p99 of every endpoint and the total, and
// describes in words how they relate: they differ when, somewhere, they
// are further apart than max(results.LateAfter, 2%). Requests are called late only
// past results.LateAfter, as the generator's line of the report counts them. It
// returns "" for runs without a schedule.
func ViewsDiffer(r *results.Report) (differ bool, words string) {
	if r.Total.Scheduled == 0 {
		return false, ""
	}
	var worst struct {
		by         time.Duration
		q          float64
		name       string
		resp, serv time.Duration
	}
	for _, s := range append([]*results.Stats{r.Total}, r.Endpoints...) {
		for _, q := range []float64{50, 95, 99} {
			rq, sq := s.Quantile(q, results.ViewResponse), s.Quantile(q, results.ViewService)
			if !viewsAgree(rq, sq) && rq-sq > worst.by {
				worst.by, worst.q, worst.name, worst.resp, worst.serv = rq-sq, q, s.Name, rq, sq
			}
		}
	}
	late, scheduled := lateCount(r)
	lag99, lagMax := results.FormatMillis(r.Total.Quantile(99, results.ViewLag)), results.FormatMillis(r.Total.ScheduleLag().Max)
	if worst.by == 0 {
		var sent string
		if late == 0 {
			sent = fmt.Sprintf("every request left within %s ms of its due time", lagMax)
		} else {
			sent = fmt.Sprintf("%d of %d requests left more than %s after their due time (lag p99 %s ms, max %s ms), too few or too little late to move the percentiles",
				late, scheduled, results.LateAfter, lag99, lagMax)
		}
		if !r.Saturated() && !busy(r) {
			// The generator kept up: whatever the latencies are, the
			// server (and the network) took that long.
			sent += ", so the latencies are the server's"
		}
		return false, fmt.Sprintf("The two views agree within %s or 2%%: %s.", results.LateAfter, sent)
	}
	scope := "overall"
	if worst.name != r.Total.Name {
		scope = worst.name
	}
	return true, fmt.Sprintf("Response times from the scheduled send are higher than the service latencies "+
		"(%s p%g %s vs %s ms): requests left late (%d of %d more than %s after their due time, lag p99 %s ms)%s, "+
		"so the service latency alone understates what users waited.",
		scope, worst.q, results.FormatMillis(worst.resp), results.FormatMillis(worst.serv), late, scheduled, results.LateAfter, lag99, lateCause(r))
}

// lateCause says, after a colon, what held requests back when they left
// late: the cap on requests in flight (filled because the server answered
// slowly), ragload's own saturation, or a busy machine; "" when the
// manifest does not tell.
func lateCause(r *results.Report) string {
	m := r.Manifest
	if m == nil || m.Generator == nil {
		return ""
	}
	switch {
	case m.Plan.MaxWorkers > 0 && m.Generator.PeakInFlight() >= int64(m.Plan.MaxWorkers):
		return fmt.Sprintf(": the cap of %d requests in flight (--max-workers) was full, the server answering too slowly for the rate", m.Plan.MaxWorkers)
	case m.Generator.Saturated:
		return ": ragload could not keep up (" + strings.Join(m.Generator.Reasons, "; ") + ")"
	case m.Generator.Busy:
		return fmt.Sprintf(": the machine was busy (%.2f of its %d cores in use)", m.Generator.MaxMachineCPU, m.Generator.MachineCores)
	}
	return ""
}

// late counts the requests that left more than results.LateAfter after they were
// due, of those that had a due time: the generator's count when it covers
// the report's results (the header's figure), else read from the lag
// histogram.
func lateCount(r *results.Report) (late, scheduled uint64) {
	if m := r.Manifest; m != nil && m.Generator != nil && m.Generator.Scheduled == r.Total.Scheduled {
		return m.Generator.Late, m.Generator.Scheduled
	}
	return r.Total.CountAbove(results.ViewLag, results.LateAfter), r.Total.Scheduled
}

// busy reports whether other processes kept the machine's cores busy
// during the run.
func busy(r *results.Report) bool {
	return r.Manifest != nil && r.Manifest.Generator != nil && r.Manifest.Generator.Busy
}

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

// writeStreamTable renders time to first byte and first token (and the
// token timings when there are some) for the endpoints whose responses
// streamed.
func writeStreamTable(w io.Writer, r *results.Report) error {
	var rows [][]string
	for _, s := range r.Endpoints {
		if s.Streamed > 0 {
			rows = append(rows, streamRow(r, s))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	header := streamHeader(r)
	align := []tw.Align{tw.AlignLeft}
	for range len(header) - 1 {
		align = append(align, tw.AlignRight)
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(header)
	for _, row := range rows {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}
