// Package sweep searches for the highest arrival rate a server sustains
// (`ragload sweep`): a series of open-model attack.Jobs at rising rates,
// each judged by the run's verdict and stored as a run of its own, with
// the search's summary in sweep.json (sweepfile.Sweep).
package sweep

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/sweepfile"
	"github.com/ragload/ragload/results/threshold"
)

// Defaults of a sweep.
const (
	// stepPause separates the steps of a sweep started at a set time.
	stepPause        = 5 * time.Second
	DefaultPrecision = 0.05
	DefaultGrowth    = 1.5
	// MinThroughput is the share of the planned rate a step must serve.
	MinThroughput = 0.95
	// BadFailures and BadLatency make a step fail badly enough to stop the
	// search and spare the server: most requests failing, or a p95 at
	// three times its limit.
	BadFailures = 0.5
	BadLatency  = 3
)

// Job searches for the highest arrival rate that still meets the verdict
// (Rules): it grows the rate geometrically from From until a step fails,
// then bisects between the last pass and the first fail to Precision.
// With Steps it runs those rates instead. Each step is an open-model
// attack stored as a run of its own in Dir/step-NNNNrps; the connections
// and the login stay warm from step to step (attack.Setup.Warm).
type Job struct {
	attack.Setup      // Dir is the sweep's directory
	runspec.SweepSpec // the search
	Rules             []threshold.Threshold
	// OnStep, when set, is called after each step.
	OnStep func(sweepfile.Step)
}

// New returns the job of a sweep that runspec.Spec.Build built.
func New(b *runspec.Built) *Job {
	return &Job{Setup: *b.Setup, SweepSpec: *b.Sweep, Rules: b.Rules}
}

// Run executes the sweep and returns its summary, also written to
// Dir/sweep.json after every step. An interrupted sweep returns what it has.
func (j *Job) Run(ctx context.Context) (*sweepfile.Sweep, error) {
	if err := j.validate(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(j.Dir, sweepfile.File)); err == nil {
		return nil, fmt.Errorf("%s: %w (pick another directory)", j.Dir, attack.ErrRunExists)
	}
	sw := &sweepfile.Sweep{
		Tool: j.Tool, Name: j.Options.Name, Target: results.RedactURL(j.Target), Status: results.StatusRunning, Started: time.Now(),
		Plan: sweepfile.Plan{From: j.From, To: j.To, Steps: j.Steps, StepDuration: results.Duration(j.StepDuration),
			Warmup: results.Duration(j.Warmup), Precision: j.Precision, Growth: j.Growth, GoodputShare: j.GoodputShare},
		Thresholds: exprs(j.Rules),
	}
	s := &search{job: j, sweep: sw}
	// One login and one client for every step.
	stopAuth, err := j.Warm(ctx)
	if err != nil {
		if ctx.Err() == nil {
			return nil, err
		}
		// Interrupted while logging in: a sweep of no steps, which says so.
		if err := os.MkdirAll(j.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("create sweep directory: %w", err)
		}
		sw.Ended, sw.Status = time.Now(), results.StatusInterrupted
		s.answer()
		return sw, sweepfile.Write(j.Dir, sw)
	}
	defer stopAuth()
	if err := os.MkdirAll(j.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create sweep directory: %w", err)
	}

	defer attack.OnAbort(s.abort)()
	err = s.run(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aborted { // the process is exiting; abort wrote sweep.json
		return sw, attack.ErrAborted
	}
	sw.Ended = time.Now()
	switch {
	case err != nil:
		sw.Status = results.StatusFailed
	case s.cut:
		sw.Status = results.StatusInterrupted
	default:
		sw.Status = results.StatusComplete
	}
	s.answer()
	if werr := sweepfile.Write(j.Dir, sw); err == nil {
		err = werr
	}
	return sw, err
}

func (j *Job) validate() error {
	if j.Precision <= 0 {
		j.Precision = DefaultPrecision
	}
	if j.Growth <= 1 {
		j.Growth = DefaultGrowth
	}
	switch {
	case j.StepDuration <= 0:
		return errors.New("the step duration must be > 0")
	case j.Warmup < 0:
		return errors.New("the warm-up must be ≥ 0")
	case len(j.Steps) == 0 && (j.From <= 0 || j.To < j.From || j.To > plan.MaxRate):
		return fmt.Errorf("want 0 < from ≤ to ≤ %g, got from %g to %g", float64(plan.MaxRate), j.From, j.To)
	}
	for i, r := range j.Steps {
		if r <= 0 || r > plan.MaxRate || (i > 0 && r <= j.Steps[i-1]) {
			return fmt.Errorf("steps must be rising rates above 0, got %v", j.Steps)
		}
	}
	return nil
}

func exprs(rules []threshold.Threshold) []string {
	ths, _ := threshold.Exprs(rules)
	return ths
}

// search is the state of one sweep.
type search struct {
	job   *Job
	sweep *sweepfile.Sweep
	// pass is the highest rate that passed, fail the lowest that failed
	// above it (0 when none did).
	pass, fail float64
	stopped    *sweepfile.Step      // the step that ended the search early
	criteria   map[float64][]string // the criteria each rate failed (judge)
	// cut says the sweep was interrupted: during a step, or before one
	// it still had to run.
	cut bool

	// mu guards the above and the sweep against abort, which runs on
	// another goroutine; aborted makes the search write nothing more.
	mu      sync.Mutex
	aborted bool
}

// abort marks the sweep interrupted in a hurry, with the steps it has
// (the step in progress saves its own run): see attack.Abort.
func (s *search) abort() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aborted {
		return ""
	}
	s.aborted = true
	sw := *s.sweep
	sw.Steps = slices.Clone(sw.Steps)
	sw.Status, sw.Ended = results.StatusInterrupted, time.Now()
	hurry := search{job: s.job, sweep: &sw, pass: s.pass, fail: s.fail, stopped: s.stopped, criteria: s.criteria}
	hurry.answer()
	path := filepath.Join(s.job.Dir, sweepfile.File)
	if err := sweepfile.Write(s.job.Dir, &sw); err != nil {
		return fmt.Sprintf("%s: %v", path, err)
	}
	return fmt.Sprintf("%s: marked interrupted after %d steps", path, len(sw.Steps))
}

func (s *search) run(ctx context.Context) error {
	j := s.job
	if len(j.Steps) > 0 {
		for _, r := range j.Steps {
			if done, err := s.step(ctx, r); done || err != nil {
				return err
			}
		}
		return nil
	}
	// Grow until a step fails, or --to passes.
	for r := j.From; ; r = min(roundRate(r*j.Growth), j.To) {
		done, err := s.step(ctx, r)
		if done || err != nil {
			return err
		}
		if s.fail > 0 || r >= j.To {
			break
		}
	}
	// Bisect between the last pass and the first fail.
	for s.pass > 0 && s.fail > 0 && (s.fail-s.pass)/s.pass > j.Precision {
		mid := roundRate((s.pass + s.fail) / 2)
		if mid <= s.pass || mid >= s.fail {
			break // the rounding cannot split the bracket further
		}
		if done, err := s.step(ctx, mid); done || err != nil {
			return err
		}
	}
	return nil
}

// roundRate keeps step rates readable: whole requests per second from 10
// up, tenths below.
func roundRate(r float64) float64 {
	if r >= 10 {
		return math.Round(r)
	}
	return math.Max(math.Round(r*10)/10, 0.1)
}

// stepDir names a step's run directory.
func stepDir(rate float64) string {
	if rate == math.Trunc(rate) {
		return fmt.Sprintf("step-%04.0frps", rate)
	}
	return fmt.Sprintf("step-%06.1frps", rate)
}

// step runs and judges one rate; done means the search must stop (the
// sweep was interrupted, failed badly or reached ragload's own limit).
func (s *search) step(ctx context.Context, rate float64) (done bool, err error) {
	if ctx.Err() != nil { // interrupted before this step (a signal during the last one's drain)
		s.cut = true
		return true, nil
	}
	j := s.job
	name := stepDir(rate)
	job := &attack.Job{Setup: j.Setup, Plan: plan.Constant(rate, j.Warmup+j.StepDuration), Arrivals: j.Arrivals}
	job.Dir = filepath.Join(j.Dir, name)
	job.Options.Name = j.Options.Name + "-" + name
	job.Metrics = j.Metrics.Named(j.Options.Name) // one run on a dashboard, step after step
	if !j.StartAt.IsZero() {
		// Shards of a sweep start each step together: step k at a fixed
		// time after the first, leaving stepPause for the last to drain.
		job.StartAt = j.StartAt.Add(time.Duration(len(s.sweep.Steps)) * (j.Warmup + j.StepDuration + stepPause))
	}
	if j.RunID != "" {
		job.RunID = j.RunID + "-" + name
	}
	if _, err := job.Run(ctx); err != nil {
		return true, err
	}
	inputs, err := results.Resolve([]string{job.Dir})
	if err != nil {
		return true, err
	}
	rep, throughput, err := loadAfter(inputs, j.Warmup)
	if err != nil {
		return true, err
	}
	// A step's percentiles stand however few samples they rest on: the
	// curve is the answer, and the steps around a step vouch for it. The
	// step says so where they are fewer than a run's verdict needs.
	few, err := fewSamples(rep, j.Rules)
	if err != nil {
		return true, err
	}
	if err := rep.Judge(j.Rules, 1); err != nil {
		return true, err
	}
	st, crit := s.judge(rate, name, rep, throughput)
	if len(few) > 0 {
		if st.Reason != "" {
			st.Reason += "; "
		}
		st.Reason += "few samples: " + strings.Join(few, ", ") + " (a sweep step is judged however few)"
	}
	if m := rep.Manifest; m != nil && m.Status == results.StatusInterrupted {
		// A step cut short proves nothing either way.
		st.Verdict = sweepfile.StepInterrupted
		st.Reason = fmt.Sprintf("interrupted: %d of %d planned requests sent", m.Sent, m.Planned)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aborted {
		return true, attack.ErrAborted
	}
	s.sweep.Steps = append(s.sweep.Steps, st)
	if s.criteria == nil {
		s.criteria = map[float64][]string{}
	}
	s.criteria[rate] = crit
	if j.OnStep != nil {
		j.OnStep(st)
	}
	if err := sweepfile.Write(j.Dir, s.sweep); err != nil {
		return true, err
	}
	if rep.Manifest.Status == results.StatusInterrupted {
		s.cut = true
		return true, nil
	}
	s.bracket()
	if st.Verdict == sweepfile.StepBad || st.Verdict == sweepfile.StepGenerator {
		s.stopped = &s.sweep.Steps[len(s.sweep.Steps)-1]
		return true, nil
	}
	return false, nil
}

// fewSamples names the percentile thresholds of rules that rest on fewer
// samples than results.MinSamples asks of a run's verdict, e.g. "p95<2s
// rests on 50 of the 100 a p95 needs".
func fewSamples(rep *results.Report, rules []threshold.Threshold) ([]string, error) {
	if err := rep.Judge(rules, 0); err != nil {
		return nil, err
	}
	var few []string
	for _, c := range rep.Verdict.Checks {
		if !c.Advisory && c.FewSamples() {
			few = append(few, fmt.Sprintf("%s rests on %d of the %d a %s needs", c.Expr, c.Samples, c.Needs, c.Metric))
		}
	}
	return few, nil
}

// bracket finds the lowest rate that failed and the highest that passed
// below it.
func (s *search) bracket() {
	s.pass, s.fail = 0, 0
	for _, st := range s.sweep.Steps {
		if (st.Verdict == sweepfile.StepFail || st.Verdict == sweepfile.StepBad) && (s.fail == 0 || st.Rate < s.fail) {
			s.fail = st.Rate
		}
	}
	for _, st := range s.sweep.Steps {
		if st.Verdict == sweepfile.StepPass && st.Rate > s.pass && (s.fail == 0 || st.Rate < s.fail) {
			s.pass = st.Rate
		}
	}
}
