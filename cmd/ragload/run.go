package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/render"
	"github.com/ragload/ragload/targets"
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
	Format     string
	Quiet      bool

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
	fs.StringVar(&o.Username, "username", "", "login name (default $"+targets.EnvUsername+" or "+targets.DefaultUsername+")")
	fs.StringVar(&o.Password, "password", "", "login password (default $"+targets.EnvPassword+" or "+targets.DefaultPassword+", the demo API's; prefer the variable: flags show in ps)")
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
	fs.StringVarP(&o.Format, "format", "f", render.FormatText, formatUsage)
	fs.Uint64Var(&o.MinSamples, "min-samples", 0, minSamplesUsage)
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress lines on stderr")
}

// minSamplesUsage is the help of every --min-samples flag.
const minSamplesUsage = "fewest samples a percentile threshold is judged from (default: 5 beyond it, so p95 needs 100 and p99 500; below it the verdict is not conclusive)"

// setup turns the shared flags into a run setup and the rules to judge it
// by; implied are thresholds the mode adds (users>=N), which --threshold
// can still override.
func (o *runOptions) setup(fs *pflag.FlagSet, defaultPrefix string, implied ...string) (attack.Setup, []results.Threshold, error) {
	if err := checkFormat(o.Format); err != nil {
		return attack.Setup{}, nil, err
	}
	if o.URL != "" { // the demo sets its own
		if err := targets.CheckBaseURL(o.URL); err != nil {
			return attack.Setup{}, nil, usageErrorf("--url %w", err)
		}
	}
	sc, err := o.scenario()
	if err != nil {
		return attack.Setup{}, nil, err
	}
	base := sc.Thresholds
	if base == nil {
		base = results.DefaultThresholds
	}
	if err := checkThresholdFlags(o.Thresholds); err != nil {
		return attack.Setup{}, nil, err
	}
	rules, err := results.Rules(append(append([]string{}, base...), implied...), sc.Marks, o.Thresholds)
	if err != nil {
		return attack.Setup{}, nil, usageErrorf("%v", err)
	}
	creds, err := o.credentials()
	if err != nil {
		return attack.Setup{}, nil, err
	}
	if sc.NeedsAuth() {
		o.noteBuiltInLogin()
	}
	if !fs.Changed("seed") {
		o.Seed = rand.Uint64()
	}
	shard, startAt, runID, err := o.sharding(os.Getenv)
	if err != nil {
		return attack.Setup{}, nil, err
	}
	name, dir := o.Name, o.Out
	switch {
	case dir == "" && name == "" && shard.Sharded():
		name = fmt.Sprintf("%s-shard-%d", runID, shard.Index)
		dir = filepath.Join("runs", runID, fmt.Sprintf("shard-%d", shard.Index))
	case dir == "" && name == "":
		name = defaultPrefix + time.Now().Format("20060102-150405")
		dir = filepath.Join("runs", name)
	case dir == "":
		dir = filepath.Join("runs", name)
	case name == "":
		name = filepath.Base(filepath.Clean(dir))
	}
	ths, marks := results.Exprs(rules)
	setup := attack.Setup{
		Dir: dir, Target: o.URL, Scenario: sc, Credentials: creds, AllowAnonymous: o.AllowAnonymous,
		Seed: o.Seed, Thresholds: ths, Marks: marks, MinSamples: o.MinSamples, Tool: "ragload " + toolVersion(),
		Shard: shard, StartAt: startAt, RunID: runID,
		Options: attack.Options{Name: name, Timeout: o.Timeout, Insecure: o.Insecure, KeepBodies: o.KeepBodies},
	}
	for _, w := range setup.Warnings() { // also in run.json
		o.warn(w)
	}
	return setup, rules, nil
}

// sharding reads --shard, --start-at and --run-id, with the environment of
// a scheduler (RAGLOAD_SHARD/RAGLOAD_SHARDS, Kubernetes' Indexed Jobs'
// JOB_COMPLETION_INDEX, RAGLOAD_RUN_ID) filling what the flags leave out.
func (o *runOptions) sharding(getenv func(string) string) (attack.Shard, time.Time, string, error) {
	var sh attack.Shard
	var startAt time.Time
	spec := o.Shard
	if spec == "" {
		index := getenv("RAGLOAD_SHARD")
		if index == "" {
			index = getenv("JOB_COMPLETION_INDEX")
		}
		if count := getenv("RAGLOAD_SHARDS"); count != "" {
			if index == "" {
				index = "0"
			}
			spec = index + "/" + count
		}
	}
	if spec != "" {
		i, n, ok := strings.Cut(spec, "/")
		var err1, err2 error
		sh.Index, err1 = strconv.Atoi(strings.TrimSpace(i))
		sh.Count, err2 = strconv.Atoi(strings.TrimSpace(n))
		if !ok || err1 != nil || err2 != nil || sh.Count < 1 {
			return sh, startAt, "", usageErrorf("--shard %q: want i/N, e.g. 0/4", spec)
		}
		if err := sh.Validate(); err != nil {
			return sh, startAt, "", usageErrorf("--shard: %v", err)
		}
	}
	if o.StartAt != "" {
		t, err := time.Parse(time.RFC3339Nano, o.StartAt)
		if err != nil {
			return sh, startAt, "", usageErrorf("--start-at %q: want an RFC 3339 time such as 2026-11-27T10:00:00Z", o.StartAt)
		}
		startAt = t
	}
	runID := o.RunID
	if runID == "" {
		runID = getenv("RAGLOAD_RUN_ID")
	}
	if sh.Sharded() {
		if startAt.IsZero() {
			return sh, startAt, "", usageErrorf("--shard %s needs --start-at, so that the shards begin together", sh)
		}
		if runID == "" {
			runID = "run-" + startAt.UTC().Format("20060102T150405Z")
		}
	}
	return sh, startAt, runID, nil
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
		creds, err := targets.LoadCredentialsWarn(o.CredentialsFile, o.warn)
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

// noteBuiltInLogin says on stderr when the login uses the built-in
// account's password (no --credentials, --password or $LOAD_TEST_PASSWORD)
// against an API that is not this machine: the demo API knows it, a real
// API most likely does not, and a 401 storm would be the first sign.
func (o *runOptions) noteBuiltInLogin() {
	if o.errOut == nil || o.URL == "" || o.CredentialsFile != "" || o.Password != "" || os.Getenv(targets.EnvPassword) != "" {
		return
	}
	if u, err := url.Parse(o.URL); err != nil || isLoopback(strings.TrimSuffix(u.Hostname(), ".")) {
		return
	}
	c := targets.CredentialFromEnv(os.Getenv)
	if o.Username != "" {
		c.Username = o.Username
	}
	msg := fmt.Sprintf("logging in as the built-in account %s (set %s and %s for your API)", c.Username, targets.EnvUsername, targets.EnvPassword)
	if c.Username != targets.DefaultUsername {
		msg = fmt.Sprintf("logging in as %s with the built-in password of %s (set %s, or pass --credentials, for your API)", c.Username, targets.DefaultUsername, targets.EnvPassword)
	}
	fmt.Fprintln(o.errOut(), "ragload: note:", msg)
}

// warn prints a warning on stderr, if the command has one.
func (o *runOptions) warn(msg string) {
	if o.errOut != nil {
		fmt.Fprintln(o.errOut(), "ragload: warning:", msg)
	}
}

// runner is a job of any mode.
type runner interface {
	Run(ctx context.Context) (*results.Report, error)
}

// runJob runs a job, prints its report and turns the verdict into an error
// for the exit code. what describes the plan on stderr.
func runJob(ctx context.Context, s *streams, setup *attack.Setup, job runner, what string, rules []results.Threshold, format string, quiet bool, recordPath string) error {
	var pv *progressView
	if !quiet {
		pv = newProgressView(s.ErrOut)
		setup.Progress, setup.ProgressEvery = pv.update, pv.every()
		fmt.Fprintf(s.ErrOut, "ragload: %s against %s, writing %s\n", what, results.RedactURL(setup.Target), setup.Dir)
		printNotes(s, setup.Scenario)
	}
	if setup.Record == nil && recordPath != "" {
		rec, closeRec, err := openRecording(recordPath)
		if err != nil {
			return err
		}
		setup.Record = rec
		defer func() {
			if err := closeRec(); err != nil {
				fmt.Fprintf(s.ErrOut, "ragload: %v\n", err)
			}
		}()
	}
	rep, err := job.Run(ctx)
	pv.finish()
	if rep == nil {
		if ctx.Err() != nil && err != nil {
			return fmt.Errorf("%w before the run started: %v", errInterrupted, err)
		}
		return err
	}
	if err != nil {
		return err
	}
	if err := printReport(s, rep, rules, format, 0); err != nil {
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

// progressView shows a running load test on stderr: one line redrawn in
// place at most twice a second on a terminal, a plain line every 5 s
// otherwise (a CI log).
type progressView struct {
	w       io.Writer
	tty     bool
	mu      sync.Mutex
	printed bool
}

func newProgressView(w io.Writer) *progressView {
	f, ok := w.(*os.File)
	return &progressView{w: w, tty: ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))}
}

func (v *progressView) every() time.Duration {
	if v.tty {
		return 500 * time.Millisecond
	}
	return 5 * time.Second
}

func (v *progressView) update(p attack.Progress) {
	line := progressLine(p)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.tty {
		fmt.Fprintf(v.w, "\r\x1b[K%s", line) // carriage return, clear to the end of the line
	} else {
		fmt.Fprintln(v.w, line)
	}
	v.printed = true
}

// finish clears the live line, so the report starts on a clean line.
func (v *progressView) finish() {
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.tty && v.printed {
		fmt.Fprint(v.w, "\r\x1b[K")
	}
}

// progressLine is one line about a running load test.
func progressLine(p attack.Progress) string {
	var b strings.Builder
	step := progressStep(max(p.Duration, p.Elapsed))
	elapsed, planned := p.Elapsed.Round(step), p.Duration.Round(step)
	// Past the plan nothing new is sent: the run waits for the answers
	// still in flight (up to --timeout), which "25s/20s" did not say.
	draining := planned > 0 && elapsed > planned
	if draining {
		fmt.Fprintf(&b, "ragload: %s, past the %s planned: ", elapsed, planned)
		if p.InFlight > 0 {
			fmt.Fprintf(&b, "draining %d in flight", p.InFlight)
		} else {
			b.WriteString("finishing")
		}
	} else {
		fmt.Fprintf(&b, "ragload: %s/%s", elapsed, planned)
	}
	if p.Planned > 0 {
		fmt.Fprintf(&b, " · %d/%d done", p.Done, p.Planned)
	} else {
		fmt.Fprintf(&b, " · %d done", p.Done)
	}
	if p.Users > 0 {
		fmt.Fprintf(&b, " · %d users", p.Users)
	}
	fmt.Fprintf(&b, " · %.1f/s", p.Rate())
	if !draining {
		fmt.Fprintf(&b, " · %d in flight", p.InFlight)
	}
	fmt.Fprintf(&b, " · %d errors", p.Failures)
	if p.Dropped > 0 {
		fmt.Fprintf(&b, " · %d dropped (ragload behind)", p.Dropped)
	}
	if p.Done > 0 {
		fmt.Fprintf(&b, " · p95 %s ms", results.FormatMillis(p.P95))
	}
	return b.String()
}

// progressStep is how finely a progress line shows the times of a run
// that lasts d: whole seconds from 10 s, tenths below (a replay's length
// is 11.989443593s, and reads 12s).
func progressStep(d time.Duration) time.Duration {
	if d >= 10*time.Second {
		return time.Second
	}
	return 100 * time.Millisecond
}

// printNotes shows what loading the scenario noticed (e.g. the credentials
// dropped from imported vegeta targets).
func printNotes(s *streams, sc *targets.Scenario) {
	for _, n := range sc.Notes {
		fmt.Fprintln(s.ErrOut, "ragload: note:", n)
	}
}

// openRecording creates a new stream file for --record, private (mode
// 0600: a request's body or a header that no rule knows may still be
// sensitive); it refuses to overwrite one.
func openRecording(path string) (*replay.Recorder, func() error, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("--record: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, usageErrorf("--record: %v", err)
	}
	rec := replay.NewRecorder(f)
	return rec, func() error {
		err := rec.Close()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("recording %s: %w", path, err)
		}
		return nil
	}, nil
}
