package results

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/input"
)

// SweepFile is the summary of a capacity sweep in its directory; each step
// is a run directory of its own beside it.
const (
	SweepFile   = "sweep.json"
	sweepSchema = "ragload.sweep/v1"
)

// Step verdicts.
const (
	StepPass        = "pass"
	StepFail        = "fail"
	StepBad         = "bad"               // failed so badly the search stopped
	StepGenerator   = "generator-limited" // ragload, not the server, was the limit
	StepInterrupted = "interrupted"       // cut short by a signal: neither pass nor fail
)

// Sweep is a capacity sweep: its plan, its steps and the answer.
type Sweep struct {
	Schema     string      `json:"schema"`
	Tool       string      `json:"tool"`
	Name       string      `json:"name"`
	Target     string      `json:"target"`
	Status     string      `json:"status"`
	Started    time.Time   `json:"started"`
	Ended      time.Time   `json:"ended"`
	Plan       SweepPlan   `json:"plan"`
	Thresholds []string    `json:"thresholds"`
	Steps      []SweepStep `json:"steps"`
	// Found says whether a capacity was found: a step passed and a higher
	// one failed (or the last planned step passed).
	Found bool `json:"found"`
	// Capacity is the highest rate that passed, Limit the lowest that
	// failed above it (0 if none did): the answer is in [Capacity, Limit].
	Capacity float64 `json:"capacity"`
	Limit    float64 `json:"limit"`
	// GeneratorLimited says the search stopped because ragload itself was
	// saturated: no capacity is claimed at or beyond that step.
	GeneratorLimited bool   `json:"generator_limited"`
	Answer           string `json:"answer"`
}

// SweepPlan is how the sweep was asked to search.
type SweepPlan struct {
	From         float64   `json:"from"`
	To           float64   `json:"to"`
	Steps        []float64 `json:"steps,omitempty"` // fixed steps instead of a search
	StepDuration Duration  `json:"step_duration"`
	Warmup       Duration  `json:"warmup"`
	Precision    float64   `json:"precision"`
	Growth       float64   `json:"growth"`
}

// SweepStep is one step of a sweep, judged on what was sent after its
// warm-up.
type SweepStep struct {
	Rate       float64 `json:"rate"`       // planned
	Dir        string  `json:"dir"`        // run directory, relative to the sweep's
	SentRate   float64 `json:"sent_rate"`  // requests sent per second
	Throughput float64 `json:"throughput"` // successful responses per second
	Requests   uint64  `json:"requests"`
	Failures   float64 `json:"failure_rate"`
	P50        float64 `json:"p50_ms"`
	P95        float64 `json:"p95_ms"`
	P99        float64 `json:"p99_ms"`
	LagP99     float64 `json:"lag_p99_ms"`
	Verdict    string  `json:"verdict"`
	Reason     string  `json:"reason,omitempty"`
}

// WriteSweep writes dir/sweep.json atomically.
func WriteSweep(dir string, s *Sweep) error {
	if s.Schema == "" {
		s.Schema = sweepSchema
	}
	s.Target = RedactURL(s.Target)
	return writeJSONAtomic(dir, SweepFile, "sweep", s)
}

// ReadSweep reads dir/sweep.json, of at most maxJSONBytes.
func ReadSweep(dir string) (*Sweep, error) {
	b, err := readCapped(filepath.Join(dir, SweepFile), "a sweep.json")
	if err != nil {
		return nil, err
	}
	var s Sweep
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("read sweep %q: %w", filepath.Join(dir, SweepFile), input.CutError(err))
	}
	s.Target = RedactURL(s.Target) // a file written before targets were redacted
	return &s, nil
}

// LoadAfter is Load leaving out what each run sent in its first skip (a
// warm-up); the report's rates are over the rest of the window. It also
// returns the throughput: the successful answers per second while the
// server worked on what was sent in that window.
//
// Answers are counted, whichever request they answer, over the window
// shifted by the median service latency of the requests sent in it: a
// server that keeps up answers at the send rate, however slowly (at 20/s
// and 1.5 s per answer, 30 are always in flight, and the answers to the
// window's last 1.5 s come after it ends, while those to the warm-up's last
// 1.5 s come inside it). A server that falls behind answers at its own
// capacity, queue growing, whatever the shift: it is still busy with the
// window's requests until after the shifted window ends. The run drains
// every request, so the shifted window's answers are all in the file.
func LoadAfter(inputs []Input, skip time.Duration) (*Report, float64, error) {
	var m *Manifest
	for _, in := range inputs {
		if in.Manifest != nil && m == nil {
			m = in.Manifest
		}
	}
	agg := NewAggregator(m)
	var window time.Duration
	type span struct {
		from, to time.Time
		ends     []time.Time // of the successful answers, any request's
	}
	spans := make([]span, 0, len(inputs))
	for _, in := range inputs {
		start, w, err := in.Span()
		if err != nil {
			return nil, 0, err
		}
		sp := span{from: start.Add(skip), to: start.Add(w)}
		window += max(w-skip, 0)
		if _, err := ReadInputs([]Input{in}, func(r *vegeta.Result) error {
			if !Failed(r) {
				sp.ends = append(sp.ends, r.End())
			}
			if !r.Timestamp.Before(sp.from) {
				agg.Add(r)
			}
			return nil
		}); err != nil {
			return nil, 0, err
		}
		spans = append(spans, sp)
	}
	rep := NewReport(m, agg, nil)
	rep.Window = window
	if window <= 0 {
		return rep, 0, nil
	}
	shift := rep.Total.Service().P50
	var done int
	for _, sp := range spans {
		from, to := sp.from.Add(shift), sp.to.Add(shift)
		for _, end := range sp.ends {
			if !end.Before(from) && end.Before(to) {
				done++
			}
		}
	}
	return rep, float64(done) / window.Seconds(), nil
}
