package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
)

// runOptions are the flags shared by the commands that run load (attack,
// demo): the scenario, credentials, plan, outputs and thresholds.
type runOptions struct {
	URL             string
	ScenarioFile    string
	QueriesFile     string
	CredentialsFile string
	Username        string
	Password        string
	AllowAnonymous  bool

	Rate      float64
	Ramp      rampValue
	Stages    stagesValue
	StartRate float64
	Duration  time.Duration

	Out, Name  string
	Seed       uint64
	Timeout    time.Duration
	MaxWorkers uint64
	Insecure   bool
	KeepBodies bool

	Thresholds []string
	Format     string
	Quiet      bool
}

func (o *runOptions) addFlags(cmd *cobra.Command, rate float64, duration time.Duration) {
	o.Rate = rate
	fs := cmd.Flags()
	fs.StringVarP(&o.ScenarioFile, "scenario", "s", "", "YAML scenario file (default: the built-in RAG user: query 5, enhanced 2, health 1, documents 1)")
	fs.StringVar(&o.QueriesFile, "queries", "", "file of questions, one per line (replaces the scenario's pool)")
	fs.StringVar(&o.CredentialsFile, "credentials", "", "CSV file of username,password: one session per line, requests spread across them")
	fs.StringVar(&o.Username, "username", "", "login name (default $"+targets.EnvUsername+" or "+targets.DefaultUsername+")")
	fs.StringVar(&o.Password, "password", "", "login password (prefer $"+targets.EnvPassword+": flags show in ps)")
	fs.BoolVar(&o.AllowAnonymous, "allow-anonymous", false, "if login fails, send requests without a token instead of stopping (the report says so)")

	fs.Var(rateValue{&o.Rate}, "rate", `constant arrival rate: requests per second, or per a duration ("50", "50/s", "100/1m")`)
	fs.Var(&o.Ramp, "ramp", `linear ramp of the arrival rate over --duration, "from:to" in requests per second (e.g. 10:200)`)
	fs.Var(&o.Stages, "stages", `piecewise-linear arrival rate, "duration:rate,..." (e.g. 30s:50,1m:200,30s:0); replaces --duration`)
	fs.Float64Var(&o.StartRate, "start-rate", 0, "rate at which --stages begins")
	fs.DurationVarP(&o.Duration, "duration", "d", duration, "how long to send requests")

	fs.StringVarP(&o.Out, "out", "o", "", "run directory for results.bin and run.json (default runs/<name>)")
	fs.StringVar(&o.Name, "name", "", "run name, stored in every result (default: the --out folder's name, or a timestamp)")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the request sequence (default: random, recorded in run.json)")
	fs.DurationVar(&o.Timeout, "timeout", attack.DefaultTimeout, "per-request timeout")
	fs.Uint64Var(&o.MaxWorkers, "max-workers", 0, "cap on concurrent requests (default no cap; a cap delays sends, which shows as schedule lag)")
	fs.BoolVarP(&o.Insecure, "insecure", "k", false, "skip TLS certificate verification")
	fs.BoolVar(&o.KeepBodies, "keep-bodies", false, "store response bodies in the results (large)")

	fs.StringArrayVarP(&o.Thresholds, "threshold", "t", nil, `pass/fail rule, repeatable: "p95<1500ms", "failures<0.5%", "query:p99<3s" (replaces the default on the same metric)`)
	fs.StringVarP(&o.Format, "format", "f", "text", "report format: text or json")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress lines on stderr")
}

// plan builds the load plan from the rate flags.
func (o *runOptions) plan(fs *pflag.FlagSet) (attack.Plan, error) {
	var p attack.Plan
	set := 0
	for _, f := range []string{"rate", "ramp", "stages"} {
		if fs.Changed(f) {
			set++
		}
	}
	if set > 1 {
		return p, usageErrorf("--rate, --ramp and --stages are mutually exclusive: give one plan")
	}
	switch {
	case fs.Changed("stages"):
		if fs.Changed("duration") {
			return p, usageErrorf("--duration does not apply with --stages (the stages give the length)")
		}
		p = attack.Staged(o.StartRate, o.Stages.stages)
	case fs.Changed("ramp"):
		p = attack.Ramp(o.Ramp.from, o.Ramp.to, o.Duration)
	default:
		p = attack.Constant(o.Rate, o.Duration)
	}
	if fs.Changed("start-rate") && !fs.Changed("stages") {
		return p, usageErrorf("--start-rate applies only with --stages")
	}
	if o.Duration <= 0 {
		return p, usageErrorf("--duration must be > 0, got %s", o.Duration)
	}
	if err := p.Validate(); err != nil {
		return p, usageErrorf("%v", err)
	}
	return p, nil
}

// job turns the flags into an attack job and the rules to judge it by.
func (o *runOptions) job(fs *pflag.FlagSet, defaultPrefix string) (*attack.Job, []results.Threshold, error) {
	if o.Format != "text" && o.Format != "json" {
		return nil, nil, usageErrorf("--format %q isn't one of [text json]", o.Format)
	}
	plan, err := o.plan(fs)
	if err != nil {
		return nil, nil, err
	}
	sc, err := o.scenario()
	if err != nil {
		return nil, nil, err
	}
	rules, err := results.Rules(sc.Thresholds, sc.Marks, o.Thresholds)
	if err != nil {
		return nil, nil, usageErrorf("%v", err)
	}
	creds, err := o.credentials()
	if err != nil {
		return nil, nil, err
	}
	if !fs.Changed("seed") {
		o.Seed = rand.Uint64()
	}
	name, dir := o.Name, o.Out
	switch {
	case dir == "" && name == "":
		name = defaultPrefix + time.Now().Format("20060102-150405")
		dir = filepath.Join("runs", name)
	case dir == "":
		dir = filepath.Join("runs", name)
	case name == "":
		name = filepath.Base(filepath.Clean(dir))
	}
	ths, marks := results.Exprs(rules)
	return &attack.Job{
		Dir: dir, Target: o.URL, Scenario: sc, Credentials: creds, AllowAnonymous: o.AllowAnonymous,
		Plan: plan, Seed: o.Seed, Thresholds: ths, Marks: marks, Tool: "ragload " + toolVersion(),
		Options: attack.Options{Name: name, Timeout: o.Timeout, MaxWorkers: o.MaxWorkers, Insecure: o.Insecure, KeepBodies: o.KeepBodies},
	}, rules, nil
}

func (o *runOptions) scenario() (*targets.Scenario, error) {
	sc := targets.Default()
	if o.ScenarioFile != "" {
		var err error
		if sc, err = targets.Load(o.ScenarioFile); err != nil {
			return nil, &usageError{err}
		}
	}
	if o.QueriesFile != "" {
		qs, err := targets.LoadQueries(o.QueriesFile)
		if err != nil {
			return nil, &usageError{err}
		}
		sc.Queries = qs
	}
	return sc, nil
}

func (o *runOptions) credentials() ([]targets.Credential, error) {
	if o.CredentialsFile != "" {
		if o.Username != "" || o.Password != "" {
			return nil, usageErrorf("--credentials and --username/--password are mutually exclusive")
		}
		creds, err := targets.LoadCredentials(o.CredentialsFile)
		if err != nil {
			return nil, &usageError{err}
		}
		return creds, nil
	}
	c := targets.CredentialFromEnv(os.Getenv)
	if o.Username != "" {
		c.Username = o.Username
	}
	if o.Password != "" {
		c.Password = o.Password
	}
	return []targets.Credential{c}, nil
}

// progressPrinter writes a line about a running attack to w.
func progressPrinter(s *streams, quiet bool) func(attack.Progress) {
	if quiet {
		return nil
	}
	return func(p attack.Progress) {
		fmt.Fprintf(s.ErrOut, "ragload: %s/%s · %d/%d done · %d failed\n",
			p.Elapsed.Round(time.Second), p.Duration, p.Done, p.Planned, p.Failures)
	}
}
