package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/internal/netaddr"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/render"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// runOptions are the flags shared by the commands that run load (attack,
// users, demo): scenario, credentials, outputs and thresholds.
type runOptions struct {
	URL             string
	ScenarioFile    string
	QueriesFile     string
	CredentialsFile string
	Username        string
	Password        string
	AllowAnonymous  bool

	Out, Name  string
	Record     string
	Shard      string
	StartAt    string
	RunID      string
	Seed       uint64
	Timeout    time.Duration
	Insecure   bool
	KeepBodies bool

	Thresholds []string
	MinSamples uint64
	SLO        targets.SLO // --slo-*, over the scenario's slo:
	Format     string
	Quiet      bool
	metricsFlags

	// errOut is where warnings go, even with --quiet (cmd.ErrOrStderr,
	// resolved when called, once the command has its parent's streams).
	errOut func() io.Writer
}

func (o *runOptions) addFlags(cmd *cobra.Command) {
	o.errOut = cmd.ErrOrStderr
	fs := cmd.Flags()
	fs.StringVarP(&o.ScenarioFile, "scenario", "s", "", "YAML scenario file (default: the built-in RAG user: query 5, enhanced 2, health 1, documents 1)")
	fs.StringVar(&o.QueriesFile, "queries", "", "file of questions, one per line (replaces the scenario's pool)")
	fs.StringVar(&o.CredentialsFile, "credentials", "", "CSV file of username,password for a pool of accounts, mode 0600 (see ragload prepare)")
	fs.StringVar(&o.Username, "username", "", "login name (default $"+auth.EnvUsername+" or "+auth.DefaultUsername+")")
	fs.StringVar(&o.Password, "password", "", "login password (default $"+auth.EnvPassword+" or "+auth.DefaultPassword+", the demo API's; prefer the variable: flags show in ps)")
	fs.BoolVar(&o.AllowAnonymous, "allow-anonymous", false, "if login fails, send requests without a token instead of stopping (the report says so)")

	fs.StringVarP(&o.Out, "out", "o", "", "run directory for results.bin and run.json (default runs/<name>)")
	fs.StringVar(&o.Name, "name", "", "run name, stored in every result (default: the --out folder's name, or a timestamp)")
	fs.StringVar(&o.Shard, "shard", "", "this generator's part of a plan spread over N, \"i/N\" from 0 (default $RAGLOAD_SHARD/$RAGLOAD_SHARDS, or $JOB_COMPLETION_INDEX)")
	fs.StringVar(&o.StartAt, "start-at", "", "start sending at this RFC 3339 time, so shards begin together (required with --shard)")
	fs.StringVar(&o.RunID, "run-id", "", "the run all shards belong to (default $RAGLOAD_RUN_ID, or one made from --start-at)")
	fs.StringVar(&o.Record, "record", "", "also write every request to this file as a stream for ragload replay (JSON lines, no credentials)")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the request sequence (default: random, recorded in run.json)")
	fs.DurationVar(&o.Timeout, "timeout", attack.DefaultTimeout, "per-request timeout")
	fs.BoolVarP(&o.Insecure, "insecure", "k", false, "skip TLS certificate verification")
	fs.BoolVar(&o.KeepBodies, "keep-bodies", false, "store response bodies in the results (large; up to 4 MiB each, file mode 0600: bodies are stored as the server sent them)")

	fs.StringArrayVarP(&o.Thresholds, "threshold", "t", nil, `pass/fail rule, repeatable: "p95<1500ms", "failures<0.5%", "query:p99<3s" (replaces the default on the same metric)`)
	for _, f := range []struct {
		d          *time.Duration
		name, what string
	}{{&o.SLO.Latency, "latency", "its latency is within"}, {&o.SLO.TTFT, "ttft", "a stream's first token comes within"}, {&o.SLO.TPOT, "tpot", "a stream's time per output token after the first is within"}} {
		fs.DurationVar(f.d, "slo-"+f.name, 0, "goodput objective: a request counts in goodput only if "+f.what+" this (and it passed its checks); replaces the scenario's slo: "+f.name)
	}
	fs.StringVarP(&o.Format, "format", "f", render.FormatText, formatUsage)
	fs.Uint64Var(&o.MinSamples, "min-samples", 0, minSamplesUsage)
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress lines on stderr")
	o.metricsFlags.addFlags(fs)
}

// minSamplesUsage is the help of every --min-samples flag.
const minSamplesUsage = "fewest samples a percentile threshold is judged from (default: 5 beyond it, so p95 needs 100 and p99 500; below it the verdict is not conclusive)"

// spec is the run the shared flags ask for, in mode; prefix starts the
// name of a run given neither --name nor --out.
func (o *runOptions) spec(fs *pflag.FlagSet, mode, prefix string) (runspec.Spec, error) {
	if err := checkFormat(o.Format); err != nil {
		return runspec.Spec{}, err
	}
	sc, err := o.scenario()
	if err != nil {
		return runspec.Spec{}, err
	}
	creds, err := o.credentials()
	if err != nil {
		return runspec.Spec{}, err
	}
	if sc.NeedsAuth() {
		o.noteBuiltInLogin()
	}
	return runspec.Spec{
		URL: o.URL, Scenario: sc, Credentials: creds, AllowAnonymous: o.AllowAnonymous,
		Thresholds: o.Thresholds, MinSamples: o.MinSamples, SLO: o.SLO, Mode: mode,
		Name: o.Name, Out: o.Out, Prefix: prefix, Seed: o.Seed, RandomSeed: !fs.Changed("seed"),
		Shard: o.Shard, StartAt: o.StartAt, RunID: o.RunID, Getenv: os.Getenv,
		Options: attack.Options{Timeout: o.Timeout, Insecure: o.Insecure, KeepBodies: o.KeepBodies},
		Tool:    "ragload " + toolVersion(),
	}, nil
}

// build builds spec's run and warns of what its setup warns about (also
// in run.json).
func (o *runOptions) build(spec runspec.Spec) (*runspec.Built, error) {
	b, err := spec.Build()
	if err != nil {
		return nil, specError(err)
	}
	for _, w := range b.Warnings {
		o.warn(w)
	}
	return b, nil
}

// specFlags are the flags of the spec's fields that have one.
var specFlags = map[string]string{"url": "--url", "shard": "--shard", "start time": "--start-at", "threshold": "--threshold",
	"name": "--name", "arrivals": "--arrivals", "iterations": "--iterations", "credentials": "--credentials",
	"slo latency": "--slo-latency", "slo ttft": "--slo-ttft", "slo tpot": "--slo-tpot", "goodput share": "--goodput-share"}

// specError is a usage error in the flags' words (a run that exists keeps
// its own exit code).
func specError(err error) error {
	var fe *runspec.FieldError
	if errors.As(err, &fe) && specFlags[fe.Field] != "" {
		err = fe.Rename(specFlags[fe.Field])
	}
	if errors.Is(err, attack.ErrRunExists) {
		return err
	}
	return &usageError{err}
}

// scenario is --scenario's (or the built-in one) with --queries' questions.
func (o *runOptions) scenario() (*targets.Scenario, error) {
	sc, err := runspec.LoadScenario(o.ScenarioFile, o.QueriesFile)
	if err != nil {
		return nil, &usageError{err}
	}
	return sc, nil
}

// credentials are the accounts of --credentials, or of --username and
// --password over the environment's.
func (o *runOptions) credentials() ([]auth.Credential, error) {
	creds, err := runspec.LoadCredentials(o.CredentialsFile, o.Username, o.Password, os.Getenv, o.warn)
	if err != nil {
		return nil, specError(err)
	}
	return creds, nil
}

// noteBuiltInLogin says on stderr when the login uses the built-in
// account's password (no --credentials, --password or $LOAD_TEST_PASSWORD)
// against an API that is not this machine: the demo API knows it, a real
// API most likely does not, and a 401 storm would be the first sign.
func (o *runOptions) noteBuiltInLogin() {
	if o.errOut == nil || o.URL == "" || o.CredentialsFile != "" || o.Password != "" || os.Getenv(auth.EnvPassword) != "" {
		return
	}
	if u, err := url.Parse(o.URL); err != nil || netaddr.IsLoopback(strings.TrimSuffix(u.Hostname(), ".")) {
		return
	}
	c := auth.CredentialFromEnv(os.Getenv)
	if o.Username != "" {
		c.Username = o.Username
	}
	msg := fmt.Sprintf("logging in as the built-in account %s (set %s and %s for your API)", c.Username, auth.EnvUsername, auth.EnvPassword)
	if c.Username != auth.DefaultUsername {
		msg = fmt.Sprintf("logging in as %s with the built-in password of %s (set %s, or pass --credentials, for your API)", c.Username, auth.DefaultUsername, auth.EnvPassword)
	}
	fmt.Fprintln(o.errOut(), "ragload: note:", msg)
}

// warn prints a warning on stderr, if the command has one.
func (o *runOptions) warn(msg string) {
	if o.errOut != nil {
		fmt.Fprintln(o.errOut(), "ragload: warning:", msg)
	}
}

// run runs b, prints its report in --format and turns the verdict into
// an error for the exit code.
func (o *runOptions) run(ctx context.Context, s *streams, b *runspec.Built) error {
	setup := b.Setup
	// The metrics port first: a port in use or a typo ends the command
	// before it announces the run or creates the --record file (O_EXCL,
	// so an empty one left behind refused the corrected command).
	exp, stopMetrics, err := o.serve(s.ErrOut, o.Quiet)
	if err != nil {
		return err
	}
	defer stopMetrics(ctx) // last: after the recording is closed
	setup.Metrics = exp
	var pv *attack.ProgressPrinter
	if !o.Quiet {
		pv = newProgressView(s.ErrOut)
		setup.Progress, setup.ProgressEvery = pv.Update, pv.Every()
		fmt.Fprintf(s.ErrOut, "ragload: %s against %s, writing %s\n", b.Plan, results.RedactURL(setup.Target), setup.Dir)
		printNotes(s, setup.Scenario)
	}
	if setup.Record == nil && o.Record != "" {
		rec, closeRec, err := attack.CreateRecording(o.Record)
		if err != nil {
			return usageErrorf("--record: %w", err)
		}
		setup.Record = rec
		defer func() {
			if err := closeRec(); err != nil {
				fmt.Fprintf(s.ErrOut, "ragload: %v\n", err)
			}
		}()
	}
	rep, err := b.Job.Run(ctx)
	pv.Finish()
	if rep == nil {
		if ctx.Err() != nil && err != nil {
			return fmt.Errorf("%w before the run started: %v", errInterrupted, err)
		}
		return err
	}
	if err != nil {
		return err
	}
	if err := printReport(s, rep, b.Rules, o.Format, 0); err != nil {
		return err
	}
	if rep.Manifest.Status == results.StatusInterrupted {
		return errInterrupted
	}
	return verdictErr(rep.Verdict)
}

// verdictErr is the error a verdict exits with: nil for a PASS.
func verdictErr(v results.Verdict) error {
	switch {
	case v.Pass:
		return nil
	case len(v.Inconclusive) > 0:
		return errNotConclusive
	}
	return errVerdictFailed
}

// newProgressView shows a running load test on w: one line redrawn in
// place at most twice a second on a terminal, a plain line every 5 s
// otherwise (a CI log).
func newProgressView(w io.Writer) *attack.ProgressPrinter {
	f, ok := w.(*os.File)
	return &attack.ProgressPrinter{W: w, Prefix: "ragload: ", TTY: ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))}
}

// printNotes shows what loading the scenario noticed (e.g. the credentials
// dropped from imported vegeta targets).
func printNotes(s *streams, sc *targets.Scenario) {
	for _, n := range sc.Notes {
		fmt.Fprintln(s.ErrOut, "ragload: note:", n)
	}
}
