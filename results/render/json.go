package render

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/ragload/ragload/results"
)

// JSONSchema identifies the JSON report format. Fields are only ever added
// under the same schema; a rename or removal bumps the version.
const JSONSchema = "ragload.report/v1"

type jsonReport struct {
	Schema    string            `json:"schema"`
	Run       *results.Manifest `json:"run"`
	Sources   []string          `json:"sources"`
	WindowS   float64           `json:"window_seconds"`
	Total     jsonEndpoint      `json:"total"`
	Endpoints []jsonEndpoint    `json:"endpoints"`
	// Journeys is Report.Journeys; absent for a run without journeys.
	Journeys []jsonJourney `json:"journeys,omitempty"`
	Verdict  jsonVerdict   `json:"verdict"`
	Warnings []string      `json:"warnings"`
	// Views says how the response time from the scheduled send and the
	// service latency compare; ViewsDiffer is true past max(LateAfter, 2%).
	Views       string `json:"views,omitempty"`
	ViewsDiffer bool   `json:"views_differ"`
	// Series is Report.Series, a window per line (jsonSeries).
	Series []jsonWindow `json:"series,omitempty"`
	// SLO is what goodput was judged against; Goodput says it in words
	// (goodputLine). Both absent for runs without checks or an SLO.
	SLO     *results.SLO `json:"slo,omitempty"`
	Goodput string       `json:"goodput,omitempty"`
}

type jsonEndpoint struct {
	Name         string               `json:"name"`
	Key          string               `json:"key,omitempty"`
	Requests     uint64               `json:"requests"`
	Dropped      uint64               `json:"dropped,omitempty"` // planned but not sent: the generator dropped them
	RPS          float64              `json:"rps"`
	Failures     uint64               `json:"failures"`
	FailureRate  float64              `json:"failure_rate"`
	Status429    uint64               `json:"status_429"`
	Status401    uint64               `json:"status_401"`
	Codes        map[string]uint64    `json:"codes"`
	Errors       []results.ErrorCount `json:"errors"`
	ErrorKinds   []results.KindCount  `json:"error_kinds"`
	Latency      jsonPercentiles      `json:"latency_ms"`
	Service      jsonPercentiles      `json:"service_latency_ms"`
	ScheduleLag  *jsonPercentiles     `json:"schedule_lag_ms,omitempty"`
	Streamed     uint64               `json:"streamed,omitempty"`
	TokensPerS   float64              `json:"output_tokens_per_s,omitempty"` // over the sending window
	TTFB         *jsonPercentiles     `json:"ttfb_ms,omitempty"`
	TTFT         *jsonPercentiles     `json:"ttft_ms,omitempty"`
	MaxGap       *jsonPercentiles     `json:"max_gap_ms,omitempty"`
	ITL          *jsonPercentiles     `json:"itl_ms,omitempty"`
	TPOT         *jsonPercentiles     `json:"tpot_ms,omitempty"`
	BytesInMean  float64              `json:"bytes_in_mean"`
	BytesOutMean float64              `json:"bytes_out_mean"`

	// Response checks, for an endpoint that has some (the total: when
	// any has); good and goodput for runs with checks or an SLO.
	Checked          *uint64          `json:"checked,omitempty"`
	CheckFailures    *uint64          `json:"check_failures,omitempty"`
	CheckFailureRate *float64         `json:"check_failure_rate,omitempty"`
	Checks           []jsonCheckCount `json:"checks,omitempty"`
	Good             *uint64          `json:"good,omitempty"`
	Goodput          *float64         `json:"goodput,omitempty"` // good per second over window_seconds
}

// jsonCheckCount is one response check of an endpoint.
type jsonCheckCount struct {
	Name        string  `json:"name"`
	Failed      uint64  `json:"failed"`
	FailureRate float64 `json:"failure_rate"` // of the endpoint's checked responses
	Excerpt     string  `json:"excerpt,omitempty"`
}

type jsonPercentiles struct {
	Count uint64  `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

type jsonVerdict struct {
	Pass    bool     `json:"pass"`
	Word    string   `json:"verdict"` // PASS, FAIL or NOT CONCLUSIVE
	Reasons []string `json:"reasons"`
	// Inconclusive says why thresholds that held are not a PASS.
	Inconclusive []string    `json:"inconclusive,omitempty"`
	Caveat       string      `json:"caveat,omitempty"`
	Notes        []string    `json:"notes,omitempty"`
	Checks       []jsonCheck `json:"checks"`
}

type jsonCheck struct {
	Threshold string  `json:"threshold"`
	Endpoint  string  `json:"endpoint,omitempty"`
	Journey   string  `json:"journey,omitempty"`
	Metric    string  `json:"metric"`
	Advisory  bool    `json:"advisory"`
	Pass      bool    `json:"pass"`
	Actual    float64 `json:"actual"` // ms for latency, a fraction for failures
	Limit     float64 `json:"limit"`
	Note      string  `json:"note,omitempty"`
	// Samples and MinSamples: a percentile's sample count and the fewest it
	// needs (absent for other metrics).
	Samples    uint64 `json:"samples,omitempty"`
	MinSamples uint64 `json:"min_samples,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func jsonPct(p results.Percentiles) jsonPercentiles {
	return jsonPercentiles{Count: p.Count, Min: ms(p.Min), Mean: ms(p.Mean), P50: ms(p.P50),
		P90: ms(p.P90), P95: ms(p.P95), P99: ms(p.P99), Max: ms(p.Max)}
}

func jsonStats(r *results.Report, s *results.Stats) jsonEndpoint {
	e := jsonEndpoint{
		Name: s.Name, Key: s.Key, Requests: s.Requests, Dropped: s.Dropped, RPS: r.Rate(s),
		Failures: s.Failures, FailureRate: s.FailureRate(), Status429: s.RateLimited, Status401: s.Unauthorized,
		Codes: map[string]uint64{}, Errors: s.TopErrors(), ErrorKinds: s.ErrorKinds(),
		Latency: jsonPct(s.Response()), Service: jsonPct(s.Service()),
	}
	for c, n := range s.Codes {
		e.Codes[strconv.Itoa(int(c))] = n
	}
	opt := func(view string) *jsonPercentiles {
		if p := s.View(view); p.Count > 0 {
			j := jsonPct(p)
			return &j
		}
		return nil
	}
	e.ScheduleLag, e.TTFB, e.TTFT, e.MaxGap = opt(results.ViewLag), opt(results.ViewTTFB), opt(results.ViewTTFT), opt(results.ViewGap)
	e.ITL, e.TPOT = opt(results.ViewITL), opt(results.ViewTPOT)
	if hasChecks(r, s) {
		checked, failed, rate := s.Checked, s.CheckFailed, s.CheckFailRate()
		e.Checked, e.CheckFailures, e.CheckFailureRate = &checked, &failed, &rate
		for _, c := range s.Checks {
			jc := jsonCheckCount{Name: c.Name, Failed: c.Failed, Excerpt: c.Excerpt}
			if s.Checked > 0 {
				jc.FailureRate = float64(c.Failed) / float64(s.Checked)
			}
			e.Checks = append(e.Checks, jc)
		}
	}
	if judged(r) {
		good, goodput := s.Good, s.Goodput()
		e.Good, e.Goodput = &good, &goodput
	}
	e.Streamed = s.Streamed
	if s.Streamed > 0 {
		e.TokensPerS = tokenRate(r, s)
	}
	if s.Requests > 0 {
		e.BytesInMean = float64(s.BytesIn) / float64(s.Requests)
		e.BytesOutMean = float64(s.BytesOut) / float64(s.Requests)
	}
	return e
}

// JSON renders the report as one JSON document (schema JSONSchema).
// Latencies are in milliseconds.
func JSON(w io.Writer, r *results.Report) error {
	out := jsonReport{
		Schema: JSONSchema, Run: r.Manifest, Sources: r.Sources, WindowS: r.Window.Seconds(),
		Total: jsonStats(r, r.Total), Endpoints: []jsonEndpoint{}, Warnings: append([]string{}, r.Warnings...),
		Verdict: jsonVerdict{Pass: r.Verdict.Pass, Word: r.Verdict.Word(), Reasons: append([]string{}, r.Verdict.Reasons...),
			Inconclusive: r.Verdict.Inconclusive, Caveat: r.Verdict.Caveat, Notes: r.Verdict.Notes, Checks: []jsonCheck{}},
	}
	for _, s := range r.Endpoints {
		out.Endpoints = append(out.Endpoints, jsonStats(r, s))
	}
	out.Journeys = jsonJourneys(r)
	out.ViewsDiffer, out.Views = ViewsDiffer(r)
	out.Series = jsonSeries(r.Series)
	if judged(r) {
		out.SLO, out.Goodput = r.SLO, goodputLine(r)
	}
	for _, c := range r.Verdict.Checks {
		jc := jsonCheck{Threshold: c.Expr, Endpoint: c.Endpoint, Journey: c.Journey, Metric: c.Metric, Advisory: c.Advisory,
			Pass: c.Pass, Actual: c.Actual, Limit: c.Limit, Note: c.Note, Samples: c.Samples, MinSamples: c.Needs}
		if c.IsLatency() {
			jc.Actual, jc.Limit = ms(time.Duration(c.Actual)), ms(c.LimitDur)
		}
		out.Verdict.Checks = append(out.Verdict.Checks, jc)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // thresholds read "p95<2s", not "p95\u003c2s"
	return enc.Encode(out)
}

// jsonWindow is one window of one line in the JSON report's "series".
type jsonWindow struct {
	Name        string          `json:"name"` // an endpoint, or TOTAL
	Key         string          `json:"key,omitempty"`
	Start       float64         `json:"start_seconds"` // from the run's start
	Seconds     float64         `json:"seconds"`       // the window's length
	Requests    uint64          `json:"requests"`
	RPS         float64         `json:"rps"`
	Failures    uint64          `json:"failures"`
	FailureRate float64         `json:"failure_rate"`
	Status429   uint64          `json:"status_429"`
	Latency     jsonPercentiles `json:"latency_ms"`
}

// jsonSeries flattens the series, endpoint lines first and the total last; nil
// for a nil series.
func jsonSeries(s *results.Series) []jsonWindow {
	if s == nil {
		return nil
	}
	out := []jsonWindow{}
	for _, l := range s.Lines() {
		for _, w := range l.Windows {
			out = append(out, jsonWindow{Name: l.Name, Key: l.Key, Start: w.Offset.Seconds(), Seconds: w.Length.Seconds(),
				Requests: w.Requests, RPS: w.Rate(), Failures: w.Failures, FailureRate: w.FailureRate(),
				Status429: w.RateLimited, Latency: jsonPct(w.Latency)})
		}
	}
	return out
}
