package runspec

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/sweepfile"
	"github.com/ragload/ragload/results/threshold"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// Modes of a run a Spec builds.
const (
	ModeRate   = "rate"   // an open-model arrival rate (attack.Job)
	ModeUsers  = "users"  // closed-loop virtual users (attack.UsersJob)
	ModeReplay = "replay" // a recorded stream sent again (attack.ReplayJob)
	ModeSweep  = "sweep"  // a search for the highest rate that passes (package attack/sweep)
)

// DefaultRunsDir is where a run without a directory of its own goes.
const DefaultRunsDir = "runs"

// Spec is a run as a person asks for it, from the CLI's flags or the web
// dashboard's form. Build turns it into the job that runs it, the rules
// that judge it and the plan in words, the same way for every caller.
type Spec struct {
	URL            string            // base URL of the API under test
	Scenario       *targets.Scenario // nil: the built-in one (targets.Default)
	Credentials    []auth.Credential
	AllowAnonymous bool
	// Thresholds are rules over the scenario's (or the default ones and
	// those the mode implies): one on the same metric replaces it.
	Thresholds []string
	MinSamples uint64
	// SLO's objectives replace the scenario's (slo:), each one that is set
	// (flags such as --slo-latency); the run stores the result.
	SLO targets.SLO

	Mode     string
	Plan     plan.Plan // ModeRate
	Arrivals string    // ModeRate, ModeSweep: plan.ArrivalsEven ("" too) or ArrivalsPoisson
	// ModeUsers: the users over time, their think time and how many
	// requests each sends (0: no limit).
	Users      plan.UserPlan
	Wait       plan.Wait
	Iterations int
	Replay     ReplaySource // ModeReplay
	Sweep      SweepSpec    // ModeSweep

	// Name and Out name the run and its directory: each defaults to the
	// other (Out to RunsDir/Name), both to a new Prefix+time under RunsDir
	// (default DefaultRunsDir), or for a shard to RunsDir/<run id>/shard-i.
	Name, Out, RunsDir, Prefix string
	// Seed of the request sequence; RandomSeed draws one instead.
	Seed       uint64
	RandomSeed bool
	// Shard ("i/N"), StartAt (RFC 3339) and RunID spread the plan over
	// generators; Getenv, when set, fills what they leave out from a
	// scheduler's environment (see Sharding).
	Shard, StartAt, RunID string
	Getenv                func(string) string

	Options attack.Options
	Tool    string // name and version recorded in the manifest
}

// ReplaySource is the stream a replay sends, opened and scaled by the
// caller (replay.Scaled); Build takes the shard's part of it.
type ReplaySource struct {
	Open   replay.Opener
	Info   replay.Info
	Name   string // the stream's file, or what was imported
	Speed  float64
	Loops  int
	MaxGap time.Duration
}

// SweepSpec is the search of a sweep (package attack/sweep runs it): it
// grows the rate geometrically (by Growth) from From until a step fails,
// then bisects to Precision; or it runs Steps. Each step sends Warmup,
// then StepDuration that is judged.
type SweepSpec struct {
	From, To     float64 // rates to search between
	Steps        []float64
	StepDuration time.Duration // judged part of each step
	Warmup       time.Duration // sent first at the step's rate, not judged
	Precision    float64       // relative width of the final bracket
	Growth       float64       // factor between steps while no step failed
	// GoodputShare, when > 0, also fails a step whose goodput is below
	// this share of its rate: the search finds the usable capacity.
	GoodputShare float64
	// Arrivals spaces each step's requests; Build sets it from the Spec's.
	Arrivals string
}

// Runner is a job that ends with a report: attack.Job, UsersJob or ReplayJob.
type Runner interface {
	Run(ctx context.Context) (*results.Report, error)
}

// Built is a run ready to start: its setup (shared with its job), the
// rules that judge it, its job and its plan in words.
type Built struct {
	Setup *attack.Setup
	Rules []threshold.Threshold
	// Job runs it, except a sweep; Rate, Users and Replay are the same job
	// by its type, the others nil. A sweep is Sweep, which sweep.New makes
	// the job of.
	Job    Runner
	Rate   *attack.Job
	Users  *attack.UsersJob
	Replay *attack.ReplayJob
	Sweep  *SweepSpec
	// Plan describes the plan: "constant 50/s for 30s (1500 requests)".
	Plan string
	// Warnings are worth telling before the run (they are in run.json too).
	Warnings []string
}

// A FieldError is a field of a Spec that is wrong. Its message starts with
// Field, the Spec's word for it ("url", "shard", "start time"); Rename
// gives a caller's word instead (a flag's name).
type FieldError struct {
	Field string
	msg   string
	err   error // the cause, if any
}

func fieldErrorf(field, format string, args ...any) *FieldError {
	err := fmt.Errorf(field+format, args...)
	return &FieldError{Field: field, msg: err.Error(), err: errors.Unwrap(err)}
}

func (e *FieldError) Error() string { return e.msg }
func (e *FieldError) Unwrap() error { return e.err }

// Rename returns the error with name in place of the field's.
func (e *FieldError) Rename(name string) *FieldError {
	return &FieldError{Field: name, msg: name + strings.TrimPrefix(e.msg, e.Field), err: e.err}
}

// Build checks the spec and builds its run.
func (s Spec) Build() (*Built, error) {
	if s.URL == "" {
		return nil, fieldErrorf("url", " is required (the API's base URL, e.g. http://127.0.0.1:8000)")
	}
	if err := targets.CheckBaseURL(s.URL); err != nil {
		return nil, fieldErrorf("url", " %w", err)
	}
	sc := s.Scenario
	if sc == nil {
		sc = targets.Default()
	}
	var implied []string
	switch s.Mode {
	case ModeRate:
		if err := s.Plan.Validate(); err != nil {
			return nil, err
		}
		if s.Plan.Unbounded() && s.Options.MaxWorkers == 0 {
			return nil, errors.New("rate 0 (as fast as the workers go) requires a cap on the workers in flight")
		}
	case ModeUsers:
		if err := s.Users.Validate(); err != nil {
			return nil, err
		}
		if s.Iterations < 0 {
			return nil, fieldErrorf("iterations", " must be ≥ 0, got %d", s.Iterations)
		}
		implied = []string{fmt.Sprintf("users>=%d", s.Users.Wanted())}
	case ModeReplay, ModeSweep:
	default:
		return nil, fieldErrorf("mode", " %q isn't one of [%s %s %s %s]", s.Mode, ModeRate, ModeUsers, ModeReplay, ModeSweep)
	}
	switch s.Arrivals {
	case "", plan.ArrivalsEven, plan.ArrivalsPoisson:
	default:
		return nil, fieldErrorf("arrivals", " %q isn't one of [even poisson]", s.Arrivals)
	}
	if s.Arrivals == plan.ArrivalsPoisson && s.Mode == ModeRate && s.Plan.Unbounded() {
		return nil, fieldErrorf("arrivals", " poisson needs a rate > 0")
	}
	sc, err := withSLO(sc, s.SLO)
	if err != nil {
		return nil, err
	}
	if len(sc.Journeys) > 0 {
		switch {
		case s.Mode == ModeSweep:
			return nil, errors.New("a sweep of journeys is not supported yet: a sweep judges requests per second, and journeys send a drawn number of requests each")
		case s.Mode == ModeRate && s.Plan.Unbounded():
			return nil, errors.New("journeys start at an arrival rate: an unbounded plan (rate 0) has none")
		}
	}
	// A sweep's steps are judged on their checks by goodput, only when
	// asked (--goodput-share): its capacity is otherwise the one the
	// service survives, and each step shows its goodput.
	if sc.ChecksInfo() != nil && s.Mode != ModeSweep {
		implied = append(implied, ImpliedChecks)
	}
	if g := s.Sweep.GoodputShare; s.Mode == ModeSweep && g != 0 {
		if g < 0 || g > 1 {
			return nil, fieldErrorf("goodput share", " must be in (0, 1], got %g", g)
		}
		if sc.ChecksInfo() == nil && sc.SLO.IsZero() {
			return nil, fieldErrorf("goodput share", " needs response checks (checks: in the scenario) or an SLO (slo:, or --slo-latency, --slo-ttft, --slo-tpot): without them goodput is the served rate")
		}
	}
	rules, err := Rules(sc.Thresholds, implied, sc.Marks, s.Thresholds)
	if err != nil {
		return nil, err
	}
	shard, startAt, runID, err := Sharding(s.Shard, s.StartAt, s.RunID, s.Getenv)
	if err != nil {
		return nil, err
	}
	if shard.Sharded() && s.Mode == ModeSweep && len(s.Sweep.Steps) == 0 {
		return nil, errors.New("a sharded sweep needs fixed steps: the search decides each step from the merged verdict, which one shard cannot see")
	}
	name, dir, err := s.dir(shard, runID)
	if err != nil {
		return nil, err
	}
	seed := s.Seed
	if s.RandomSeed {
		seed = rand.Uint64()
	}
	ths, marks := threshold.Exprs(rules)
	opts := s.Options
	opts.Name = name
	setup := attack.Setup{
		Dir: dir, Target: s.URL, Scenario: sc, Credentials: s.Credentials, AllowAnonymous: s.AllowAnonymous,
		Seed: seed, Thresholds: ths, Marks: marks, MinSamples: s.MinSamples, Tool: s.Tool,
		Shard: shard, StartAt: startAt, RunID: runID, Options: opts,
	}
	b := &Built{Rules: rules, Warnings: setup.Warnings()}
	switch s.Mode {
	case ModeRate:
		j := &attack.Job{Setup: setup, Plan: s.Plan, Arrivals: s.Arrivals}
		if j.Arrivals == "" {
			j.Arrivals = plan.ArrivalsEven
		}
		b.Job, b.Rate, b.Setup = j, j, &j.Setup
		b.Plan = describePlan(s.Plan)
		if len(sc.Journeys) > 0 {
			b.Plan = fmt.Sprintf("journeys at %s (%d journeys)", s.Plan, s.Plan.Count())
		}
	case ModeUsers:
		j := &attack.UsersJob{Setup: setup, Users: s.Users, Wait: s.Wait, Iterations: s.Iterations}
		b.Job, b.Users, b.Setup = j, j, &j.Setup
		b.Plan = fmt.Sprintf("%s, think %s", s.Users, s.Wait)
		if w := j.SharedAccounts(); w != "" {
			b.Warnings = append(b.Warnings, w)
		}
	case ModeReplay:
		r := s.Replay
		// Shards take lines by index mod N of the scaled stream.
		open, info, err := replay.Sharded(r.Open, r.Info, shard.Index, shard.Count)
		if err != nil {
			return nil, err
		}
		j := &attack.ReplayJob{Setup: setup, Player: replay.NewPlayer(open, info), Info: info,
			Source: r.Name, Speed: r.Speed, Loops: r.Loops, MaxGap: r.MaxGap}
		b.Job, b.Replay, b.Setup = j, j, &j.Setup
		b.Plan = fmt.Sprintf("replay of %s (%d requests over %s at speed %g)", r.Name, info.Count, info.Duration.Round(time.Millisecond), r.Speed)
	case ModeSweep:
		w := s.Sweep
		w.Arrivals = s.Arrivals
		if w.Arrivals == "" {
			w.Arrivals = plan.ArrivalsEven
		}
		b.Sweep, b.Setup = &w, &setup
		b.Plan = fmt.Sprintf("sweeping, each step %s after %s warm-up", w.StepDuration, w.Warmup)
	}
	return b, nil
}

// withSLO is sc with the objectives slo sets in place of its own (a copy,
// sc itself unchanged).
func withSLO(sc *targets.Scenario, slo targets.SLO) (*targets.Scenario, error) {
	if slo.IsZero() {
		return sc, nil
	}
	c := *sc
	for _, o := range []struct {
		name     string
		from, to *time.Duration
	}{{"latency", &slo.Latency, &c.SLO.Latency}, {"ttft", &slo.TTFT, &c.SLO.TTFT}, {"tpot", &slo.TPOT, &c.SLO.TPOT}} {
		switch {
		case *o.from < 0:
			return nil, fieldErrorf("slo "+o.name, " must be > 0, got %s", *o.from)
		case *o.from > 0:
			*o.to = *o.from
		}
	}
	return &c, nil
}

// describePlan is an open-model plan in words, with its request count.
func describePlan(p plan.Plan) string {
	if p.Unbounded() {
		return p.String() + " (as many requests as the workers send)"
	}
	return fmt.Sprintf("%s (%d requests)", p, p.Count())
}

// dir names the run and picks its directory (see Spec.Name).
func (s Spec) dir(shard plan.Shard, runID string) (name, dir string, err error) {
	runs := s.RunsDir
	if runs == "" {
		runs = DefaultRunsDir
	}
	name, dir = s.Name, s.Out
	switch {
	case dir == "" && name == "" && shard.Sharded():
		name = fmt.Sprintf("%s-shard-%d", runID, shard.Index)
		dir = filepath.Join(runs, runID, fmt.Sprintf("shard-%d", shard.Index))
	case dir == "" && name == "":
		// A new name: the time, and a count if a run started in the same second.
		base := s.Prefix + time.Now().Format("20060102-150405")
		for i := 1; ; i++ {
			name = base
			if i > 1 {
				name = fmt.Sprintf("%s-%d", base, i)
			}
			dir = filepath.Join(runs, name)
			if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
				break
			}
		}
	case dir == "":
		if name != filepath.Base(name) || strings.HasPrefix(name, ".") {
			return "", "", fieldErrorf("name", " %q: want a folder name, without slashes", name)
		}
		dir = filepath.Join(runs, name)
	case name == "":
		name = filepath.Base(filepath.Clean(dir))
	}
	file := results.ManifestFile
	if s.Mode == ModeSweep {
		file = sweepfile.File
	}
	if _, err := os.Stat(filepath.Join(dir, file)); err == nil {
		return "", "", fmt.Errorf("%s: %w (pick another name or directory)", dir, attack.ErrRunExists)
	}
	return name, dir, nil
}
