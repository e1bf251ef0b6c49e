package plot

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// The page and what it inlines: the data, uPlot (see assets/NOTICE) and
// the script that draws the charts with it.
var (
	//go:embed assets/page.html
	pageHTML string
	//go:embed assets/plot.js
	plotJS string
	//go:embed assets/plot.css
	plotCSS string
	//go:embed assets/uPlot.min.js
	uPlotJS string
	//go:embed assets/uPlot.min.css
	uPlotCSS string

	// text/template, not html/template: every value is escaped for its
	// place by hand (the title as HTML text, the data as JSON safe in a
	// script element) and the assets go in as they are.
	pageTemplate = template.Must(template.New("page").Parse(pageHTML))
)

// pageData is the JSON the page's script draws from. Times are seconds
// since each run's start; latencies are milliseconds.
type pageData struct {
	Title     string    `json:"title"`
	BucketS   float64   `json:"bucket_s"`
	Buckets   int       `json:"buckets"`
	TargetMS  float64   `json:"target_ms"` // 0: no target line
	Points    bool      `json:"points"`    // whether dots were sampled
	Endpoints []string  `json:"endpoints"` // one latency chart each, in this order
	Runs      []runData `json:"runs"`
	// Capacity sweeps: each one's curve and served rate, drawn from its
	// summary (sweep.json), not from its steps' results.
	Sweeps []sweepJSON `json:"sweeps"`
}

type runData struct {
	Label    string   `json:"label"`
	Source   string   `json:"source,omitempty"`
	Start    string   `json:"start,omitempty"` // the zero of the run's time axis, RFC 3339
	Requests uint64   `json:"requests"`
	Failures uint64   `json:"failures"`
	Undated  uint64   `json:"undated,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Per bucket, null past the run's end.
	OKRate   nums         `json:"ok_rps"`
	FailRate nums         `json:"failed_rps"`
	Failed   nums         `json:"failed"`
	Series   []seriesData `json:"series"`
}

type seriesData struct {
	Name     string `json:"name"`
	Requests uint64 `json:"requests"`
	P50      nums   `json:"p50"` // per bucket, null where empty
	P95      nums   `json:"p95"`
	P99      nums   `json:"p99"`
	T        nums   `json:"t,omitempty"` // sampled results: due time
	MS       nums   `json:"ms,omitempty"`
}

// nums is a JSON array of numbers with NaN written as null.
type nums []float64

// MarshalJSON writes n compactly, NaN as null.
func (n nums) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+8*len(n))
	b = append(b, '[')
	for i, v := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, v, 'f', -1, 64)
		}
	}
	return append(b, ']'), nil
}

// round3 rounds to three decimals: microseconds of a value in ms,
// milliseconds of one in seconds.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

// data brings every run to the common bucket width and summarizes it.
func (p *Plot) data() *pageData {
	w := p.Every()
	d := &pageData{Title: p.pageTitle(), BucketS: w.Seconds(), TargetMS: ms(p.target), Points: p.maxPoints > 0,
		Endpoints: []string{}, Runs: []runData{}, Sweeps: append([]sweepJSON{}, p.sweeps...)}
	type span struct{ zero, n int64 }
	spans := make([]span, len(p.runs))
	for i, r := range p.runs {
		r.totals.widen(w)
		for _, s := range r.series {
			s.bands.widen(w)
		}
		zero := r.totals.lo
		if r.anchored || len(r.totals.cells) == 0 {
			zero = min(zero, 0)
		}
		spans[i] = span{zero, max(r.totals.hi()-zero+1, 0)}
		d.Buckets = max(d.Buckets, int(spans[i].n))
	}
	seen := map[string]bool{}
	for i, r := range p.runs {
		rd := r.data(w, spans[i].zero, spans[i].n, d.Buckets)
		for _, s := range rd.Series {
			if !seen[s.Name] {
				seen[s.Name] = true
				d.Endpoints = append(d.Endpoints, s.Name)
			}
		}
		d.Runs = append(d.Runs, rd)
	}
	return d
}

func (p *Plot) pageTitle() string {
	if p.title != "" {
		return p.title
	}
	return "ragload plot: " + strings.Join(p.labels, ", ")
}

// data summarizes the run's buckets zero … zero+n-1 (at width w) into
// arrays of length total.
func (r *run) data(w time.Duration, zero, n int64, total int) runData {
	rd := runData{Label: r.label, Source: r.source, Requests: r.requests, Failures: r.failures, Undated: r.undated, Warnings: r.warnings}
	start := r.origin.Add(time.Duration(zero) * w)
	if !r.origin.IsZero() {
		rd.Start = start.UTC().Format(time.RFC3339Nano)
	}
	blank := func() nums {
		out := make(nums, total)
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	rd.OKRate, rd.FailRate, rd.Failed = blank(), blank(), blank()
	for i := range n {
		c := r.totals.cell(zero + i)
		if c == nil {
			c = &counts{}
		}
		secs := r.covered(w, zero+i).Seconds()
		rd.OKRate[i] = math.Round(float64(c.ok)/secs*100) / 100
		rd.FailRate[i] = math.Round(float64(c.failed)/secs*100) / 100
		rd.Failed[i] = float64(c.failed)
	}
	for _, s := range r.ordered() {
		sd := seriesData{Name: s.name, Requests: s.requests, P50: blank(), P95: blank(), P99: blank()}
		for i := range n {
			if q := s.bands.cell(zero+i).quantiles(0.50, 0.95, 0.99); q != nil {
				sd.P50[i], sd.P95[i], sd.P99[i] = ms(q[0]), ms(q[1]), ms(q[2])
			}
		}
		if s.sample != nil {
			base := time.Duration(zero) * w
			for _, pt := range s.sample.points() {
				sd.T = append(sd.T, round3((pt.off - base).Seconds()))
				sd.MS = append(sd.MS, ms(pt.lat))
			}
		}
		rd.Series = append(rd.Series, sd)
	}
	return rd
}

// covered is how much of bucket i the run was sending for: all of it but
// the last bucket of a run whose manifest says when sending stopped.
func (r *run) covered(w time.Duration, i int64) time.Duration {
	start := time.Duration(i) * w
	if r.sendEnd > start && r.sendEnd < start+w && r.sendEnd-start >= w/10 {
		return r.sendEnd - start
	}
	return w
}

// ordered lists the run's endpoints in scenario order, then the others in
// order of first appearance.
func (r *run) ordered() []*series {
	out := append([]*series{}, r.series...)
	rank := func(s *series) int {
		if k, ok := r.rank[s.name]; ok {
			return k
		}
		return len(r.rank)
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// WriteTo writes the page: one self-contained HTML file, every script and
// style inline, that draws the charts offline.
func (p *Plot) WriteTo(w io.Writer) (int64, error) {
	data, err := json.Marshal(p.data()) // escapes <, > and & as \u003c …
	if err != nil {
		return 0, fmt.Errorf("plot data: %w", err)
	}
	// … so no "</script>" can end the data early; and even so:
	data = bytes.ReplaceAll(data, []byte("</"), []byte(`<\/`))
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	err = pageTemplate.Execute(bw, map[string]string{
		"Title":    html.EscapeString(p.pageTitle()),
		"Data":     string(data),
		"UPlotJS":  uPlotJS,
		"UPlotCSS": uPlotCSS,
		"JS":       plotJS,
		"CSS":      plotCSS,
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return cw.n, fmt.Errorf("write plot: %w", err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
