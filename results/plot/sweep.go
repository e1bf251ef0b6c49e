package plot

import (
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/sweepfile"
	"github.com/ragload/ragload/results/threshold"
)

// IsSweepDir reports whether path is a directory holding a capacity sweep
// (its sweepfile.File) rather than a run.
func IsSweepDir(path string) bool {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return false
	}
	st, err = os.Stat(filepath.Join(path, sweepfile.File))
	return err == nil && !st.IsDir()
}

// AddSweepDir reads the capacity sweep in dir (sweepfile.Read) and adds
// it labeled with its name, or else the directory's name. Its steps' runs
// are not read: the page draws the sweep from its summary.
func (p *Plot) AddSweepDir(dir string) error {
	s, err := sweepfile.Read(dir)
	if err != nil {
		return err
	}
	label := filepath.Base(filepath.Clean(dir))
	if s.Name != "" {
		label = s.Name
	}
	p.AddSweep(label, dir, s)
	return nil
}

// AddSweep adds a capacity sweep labeled label (made unique with a " (2)"
// suffix if needed); source, which may be empty, is where it was read
// from. The page gets a Capacity section for it: its answer, its p50, p95
// and p99 against the throughput served at each step (the latency–
// throughput curve, steps marked by verdict, the p95 limit and the
// capacity drawn), and the rate served (and sent) against the planned one.
func (p *Plot) AddSweep(label, source string, s *sweepfile.Sweep) {
	label = p.uniqueLabel(label)
	p.labels = append(p.labels, label)
	p.sweeps = append(p.sweeps, sweepData(label, source, s))
}

// sweepJSON is a sweep on the page. Rates are per second, latencies in
// milliseconds.
type sweepJSON struct {
	Label            string   `json:"label"`
	Source           string   `json:"source,omitempty"`
	Name             string   `json:"name,omitempty"`
	Target           string   `json:"target,omitempty"`
	Status           string   `json:"status,omitempty"`
	Start            string   `json:"start,omitempty"` // RFC 3339
	Answer           string   `json:"answer"`
	Found            bool     `json:"found"`
	Capacity         float64  `json:"capacity"` // highest rate that passed (0: none)
	Limit            float64  `json:"limit"`    // lowest that failed above it (0: none)
	GeneratorLimited bool     `json:"generator_limited"`
	Thresholds       []string `json:"thresholds"`
	// P95LimitMS is the overall p95 threshold, else the default's 2 s
	// (P95Limit then empty): the horizontal line of the curve.
	P95LimitMS float64    `json:"p95_limit_ms"`
	P95Limit   string     `json:"p95_limit,omitempty"` // the threshold as written
	StepS      float64    `json:"step_s,omitempty"`    // judged part of each step
	WarmupS    float64    `json:"warmup_s,omitempty"`
	Steps      []stepJSON `json:"steps"` // by planned rate
	Warnings   []string   `json:"warnings,omitempty"`
}

// stepJSON is one step of a sweep on the page.
type stepJSON struct {
	Order    int     `json:"order"` // 1 for the first step run, …
	Dir      string  `json:"dir,omitempty"`
	Rate     float64 `json:"rate"`   // planned
	Sent     float64 `json:"sent"`   // requests sent per second
	Served   float64 `json:"served"` // successful responses per second
	Requests uint64  `json:"requests"`
	Failures float64 `json:"failures"` // a fraction
	// Latencies from the scheduled send; null without requests.
	P50     *float64 `json:"p50_ms"`
	P95     *float64 `json:"p95_ms"`
	P99     *float64 `json:"p99_ms"`
	LagP99  *float64 `json:"lag_p99_ms"`
	Verdict string   `json:"verdict"`
	Reason  string   `json:"reason,omitempty"`
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// sweepData puts s on the page: its steps by planned rate (in the order
// they ran where two have the same rate).
func sweepData(label, source string, s *sweepfile.Sweep) sweepJSON {
	d := sweepJSON{
		Label: label, Source: source, Name: s.Name, Target: s.Target, Status: s.Status, Answer: s.Answer,
		Found: s.Found, Capacity: s.Capacity, Limit: s.Limit, GeneratorLimited: s.GeneratorLimited,
		Thresholds: append([]string{}, s.Thresholds...),
		StepS:      time.Duration(s.Plan.StepDuration).Seconds(), WarmupS: time.Duration(s.Plan.Warmup).Seconds(),
		Steps: []stepJSON{},
	}
	if !s.Started.IsZero() {
		d.Start = s.Started.UTC().Format(time.RFC3339)
	}
	d.P95LimitMS, d.P95Limit = p95Limit(s.Thresholds)
	if s.Status != "" && s.Status != results.StatusComplete {
		d.Warnings = append(d.Warnings, "the sweep did not complete (status: "+s.Status+")")
	}
	for i, st := range s.Steps {
		lat := func(v float64) *float64 {
			if st.Requests == 0 || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil
			}
			v = round3(v)
			return &v
		}
		d.Steps = append(d.Steps, stepJSON{
			Order: i + 1, Dir: st.Dir, Rate: st.Rate, Sent: round2(st.SentRate), Served: round2(st.Throughput),
			Requests: st.Requests, Failures: math.Round(st.Failures*1e6) / 1e6,
			P50: lat(st.P50), P95: lat(st.P95), P99: lat(st.P99), LagP99: lat(st.LagP99),
			Verdict: st.Verdict, Reason: st.Reason,
		})
	}
	sort.SliceStable(d.Steps, func(i, j int) bool { return d.Steps[i].Rate < d.Steps[j].Rate })
	return d
}

// p95Limit is the overall p95 threshold among thresholds in milliseconds
// and as written, else the default's 2 s and "".
func p95Limit(thresholds []string) (float64, string) {
	for _, expr := range thresholds {
		t, err := threshold.Parse(expr)
		if err != nil {
			continue
		}
		if t.Endpoint == "" && t.Journey == "" && t.Metric == "p95" && t.LimitDur > 0 && !t.Advisory {
			return ms(t.LimitDur), expr
		}
	}
	return ms(DefaultTarget), ""
}
