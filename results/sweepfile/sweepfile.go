// Package sweepfile is sweep.json, the record of a capacity sweep (see
// attack/sweep): its plan, each step's figures and verdict, and the
// answer. results/render prints it, results/plot draws it.
package sweepfile

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/internal/jsonfile"
)

// File is the summary of a capacity sweep in its directory; each step is
// a run directory of its own beside it.
const (
	File   = "sweep.json"
	schema = "ragload.sweep/v1"
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
	Schema     string    `json:"schema"`
	Tool       string    `json:"tool"`
	Name       string    `json:"name"`
	Target     string    `json:"target"`
	Status     string    `json:"status"`
	Started    time.Time `json:"started"`
	Ended      time.Time `json:"ended"`
	Plan       Plan      `json:"plan"`
	Thresholds []string  `json:"thresholds"`
	Steps      []Step    `json:"steps"`
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

// Plan is how the sweep was asked to search.
type Plan struct {
	From         float64          `json:"from"`
	To           float64          `json:"to"`
	Steps        []float64        `json:"steps,omitempty"` // fixed steps instead of a search
	StepDuration results.Duration `json:"step_duration"`
	Warmup       results.Duration `json:"warmup"`
	Precision    float64          `json:"precision"`
	Growth       float64          `json:"growth"`
	GoodputShare float64          `json:"goodput_share,omitempty"` // a step's least goodput, a share of its rate
}

// Step is one step of a sweep, judged on what was sent after its
// warm-up.
type Step struct {
	Rate       float64 `json:"rate"`       // planned
	Dir        string  `json:"dir"`        // run directory, relative to the sweep's
	SentRate   float64 `json:"sent_rate"`  // requests sent per second
	Throughput float64 `json:"throughput"` // successful responses per second
	// Goodput is the requests per second that passed their checks and met
	// the SLO, over the judged window; nil for runs without either.
	Goodput  *float64 `json:"goodput,omitempty"`
	Requests uint64   `json:"requests"`
	Failures float64  `json:"failure_rate"`
	P50      float64  `json:"p50_ms"`
	P95      float64  `json:"p95_ms"`
	P99      float64  `json:"p99_ms"`
	LagP99   float64  `json:"lag_p99_ms"`
	Verdict  string   `json:"verdict"`
	Reason   string   `json:"reason,omitempty"`
}

// Write writes dir/sweep.json atomically.
func Write(dir string, s *Sweep) error {
	if s.Schema == "" {
		s.Schema = schema
	}
	s.Target = results.RedactURL(s.Target)
	return jsonfile.Write(dir, File, "sweep", s)
}

// Read reads dir/sweep.json, of at most jsonfile.MaxBytes.
func Read(dir string) (*Sweep, error) {
	b, err := jsonfile.Read(filepath.Join(dir, File), "a sweep.json")
	if err != nil {
		return nil, err
	}
	var s Sweep
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("read sweep %q: %w", filepath.Join(dir, File), input.CutError(err))
	}
	s.Target = results.RedactURL(s.Target) // a file written before targets were redacted
	return &s, nil
}
