package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/internal/fixture"
	"github.com/ragload/ragload/results/series"
)

// goldenSeries writes the golden run to a run directory and cuts it into
// windows of 2 s with series.Load, as `report --every 2s` does.
func goldenSeries(t *testing.T, byEndpoint bool) *results.Series {
	t.Helper()
	m, rs := fixture.GoldenRun()
	dir := filepath.Join(t.TempDir(), "golden")
	writeRun(t, dir, m, rs)
	ins, err := results.Resolve([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := results.Load(ins)
	if err != nil {
		t.Fatal(err)
	}
	s, err := series.Load(ins, rep, 2*time.Second, byEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWriteSeries renders the golden report with its time series in every
// format that shows one, by total and by endpoint.
func TestWriteSeries(t *testing.T) {
	for _, by := range []string{"total", "endpoint"} {
		for _, f := range SeriesFormats {
			t.Run(by+"/"+f, func(t *testing.T) {
				rep := fixture.GoldenReport(t)
				rep.Series = goldenSeries(t, by == "endpoint")
				var buf bytes.Buffer
				if err := Write(&buf, f, rep); err != nil {
					t.Fatal(err)
				}
				goldenNamed(t, buf.Bytes())
				out := buf.String()
				switch f {
				case FormatText, FormatMarkdown:
					for _, w := range []string{"Over time, in windows of 2s", "Verdict: FAIL", "Start", "p99"} {
						if !strings.Contains(out, w) {
							t.Errorf("%s lacks %q:\n%s", f, w, out)
						}
					}
					// The windows' requests: 19, 18 and 17 over 2 s.
					for _, w := range []string{"0s", "19", "9.5", "2s", "18", "9.0", "4s", "17", "8.5"} {
						if !strings.Contains(out[strings.Index(out, "Over time"):], w) {
							t.Errorf("%s series lacks %q", f, w)
						}
					}
				case FormatCSV:
					rows, err := csv.NewReader(&buf).ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					if got := strings.Join(rows[0], ","); got != "Time,Start (s),Name,Request Count,Failure Count,Requests/s,Fail %,50%,95%,99%,429s" {
						t.Errorf("header %q", got)
					}
					want := 1 + 3
					if by == "endpoint" {
						want = 1 + 3*4
					}
					if len(rows) != want {
						t.Fatalf("%d rows, want %d", len(rows), want)
					}
					last := rows[len(rows)-1]
					if last[0] != "2025-03-14T09:26:57.589793238Z" || last[1] != "4" || last[2] != "Aggregated" || last[3] != "17" || last[5] != "8.5" {
						t.Errorf("last row %q", last)
					}
				case FormatJSON:
					var doc struct {
						Series []struct {
							Name        string
							Key         string
							Start       float64 `json:"start_seconds"`
							Seconds     float64
							Requests    uint64
							RPS         float64
							Failures    uint64
							FailureRate float64 `json:"failure_rate"`
							Latency     map[string]float64
						}
					}
					if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
						t.Fatal(err)
					}
					n := len(doc.Series)
					if n < 3 {
						t.Fatalf("series %+v", doc.Series)
					}
					tail := doc.Series[n-3:]
					for i, w := range tail {
						if w.Name != "TOTAL" || w.Start != float64(2*i) || w.Seconds != 2 || w.Requests != uint64(19-i) {
							t.Errorf("window %d = %+v", i, w)
						}
					}
					if by == "endpoint" && (n != 12 || doc.Series[0].Key != "query" || doc.Series[0].Name != "/query (basic)") {
						t.Errorf("%d windows, first %+v", n, doc.Series[0])
					}
				}
			})
		}
	}
}
