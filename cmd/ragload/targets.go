package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/targets"
)

// Export formats of `ragload targets`.
const (
	exportVegetaJSON = "vegeta-json"
	exportVegetaHTTP = "vegeta-http"
)

var exportFormats = []string{exportVegetaJSON, exportVegetaHTTP}

// exportCompletions are the --export values with their descriptions.
var exportCompletions = []cobra.Completion{
	exportVegetaJSON + "\tone JSON target per line",
	exportVegetaHTTP + "\tvegeta's http format, bodies in files",
}

// defaultExportURL is where `ragload demo serve` listens.
const defaultExportURL = "http://127.0.0.1:8000"

type targetsOptions struct {
	runOptions // the scenario and credential flags, as attack takes them
	Export     string
	Count      int
	Output     string
	Login      bool
}

func newTargetsCmd(s *streams, runF func(context.Context, *targetsOptions) error) *cobra.Command {
	o := &targetsOptions{}
	cmd := &cobra.Command{
		Use:   "targets --export {vegeta-json | vegeta-http} [flags]",
		Short: "Write the scenario's request mix as vegeta targets",
		Long: `Targets writes --count requests of the scenario's mix (weighted endpoints,
questions drawn from the pool, the same sequence as attack for a --seed) as
vegeta targets, so that vegeta itself can send them:

  vegeta-json  one JSON target per line (vegeta attack -format=json -lazy)
  vegeta-http  vegeta's http format; bodies go to files next to the output,
               <output>.bodies/001.json, ... (needs --output); the @ lines
               give them as --output does, and vegeta reads them from its
               working directory: run it where you ran ragload

Tokens are secrets and stay out of files by default: authenticated endpoints
get no Authorization header, and a warning says so. With --login ragload logs
in first (credentials as attack takes them) and writes the bearer token into
every authenticated target: the file is written with mode 0600, and a warning
reminds you that it holds a token until it expires (and to keep it out of git
when it lands in a work tree that does not ignore it). The examples write
under runs/, which ragload's own .gitignore covers; --output makes its
folder.

The other way round, a scenario file can take its endpoints from a vegeta
targets file (vegeta_targets: targets.json): one endpoint per method and
path, weighted by how often it occurs there.`,
		Example: `  ragload targets --export vegeta-json --url http://127.0.0.1:8000 -o runs/targets.json
  vegeta attack -format=json -lazy -rate 20 -duration 30s < runs/targets.json | vegeta report
  ragload targets --export vegeta-http --count 500 --seed 7 -o runs/targets.http
  ragload targets --export vegeta-json --login --credentials users.csv -o runs/authed.json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.check(c); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return runTargets(c.Context(), s, o)
		},
	}
	o.errOut = cmd.ErrOrStderr // runOptions' flags are defined here, not by addFlags
	fs := cmd.Flags()
	fs.StringVar(&o.Export, "export", exportVegetaJSON, "format: "+strings.Join(exportFormats, " or "))
	fs.IntVarP(&o.Count, "count", "n", 1000, "number of targets to write")
	fs.StringVarP(&o.Output, "output", "o", "", "file to write (default: stdout)")
	fs.BoolVar(&o.Login, "login", false, "log in and put the bearer token into authenticated targets (the file then holds a secret)")
	fs.StringVarP(&o.URL, "url", "u", defaultExportURL, "base URL of the API the targets are for")
	fs.StringVarP(&o.ScenarioFile, "scenario", "s", "", "YAML scenario file (default: the built-in RAG user: query 5, enhanced 2, health 1, documents 1)")
	fs.StringVar(&o.QueriesFile, "queries", "", "file of questions, one per line (replaces the scenario's pool)")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the request sequence (default: random, printed on stderr)")
	fs.StringVar(&o.CredentialsFile, "credentials", "", "with --login: CSV file of username,password, mode 0600; targets spread over the accounts")
	fs.StringVar(&o.Username, "username", "", "with --login: login name (default $"+targets.EnvUsername+" or "+targets.DefaultUsername+")")
	fs.StringVar(&o.Password, "password", "", "with --login: login password (default $"+targets.EnvPassword+" or "+targets.DefaultPassword+", the demo API's; prefer the variable: flags show in ps)")
	fs.DurationVar(&o.Timeout, "timeout", attack.DefaultTimeout, "with --login: timeout of the login request")
	fs.BoolVarP(&o.Insecure, "insecure", "k", false, "with --login: skip TLS certificate verification")
	_ = cmd.RegisterFlagCompletionFunc("export", cobra.FixedCompletions(exportCompletions, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (o *targetsOptions) check(c *cobra.Command) error {
	if !slices.Contains(exportFormats, o.Export) {
		return usageErrorf("--export %q isn't one of [%s]", o.Export, strings.Join(exportFormats, " "))
	}
	if o.Count <= 0 {
		return usageErrorf("--count must be > 0, got %d", o.Count)
	}
	if err := targets.CheckBaseURL(o.URL); err != nil {
		return usageErrorf("--url %w", err)
	}
	if !o.Login {
		for _, f := range []string{"credentials", "username", "password"} {
			if c.Flags().Changed(f) {
				return usageErrorf("--%s applies only with --login", f)
			}
		}
	}
	if !c.Flags().Changed("seed") {
		o.Seed = rand.Uint64()
	}
	return nil
}

func runTargets(ctx context.Context, s *streams, o *targetsOptions) error {
	sc, err := o.scenario()
	if err != nil {
		return err
	}
	for _, n := range sc.Notes {
		fmt.Fprintln(s.ErrOut, "ragload: note:", n)
	}
	mix, err := targets.NewMix(sc, o.URL)
	if err != nil {
		return &usageError{err}
	}
	var authNames []string
	hasBody := false
	for i := range mix.Len() {
		e := mix.Endpoint(i)
		if e.Auth {
			authNames = append(authNames, e.Name)
		}
		hasBody = hasBody || e.JSON != nil || e.Body != "" || len(e.Bodies) > 0
	}
	if o.Export == exportVegetaHTTP && hasBody && o.Output == "" {
		return usageErrorf("--export %s writes bodies to files next to the output: give --output", exportVegetaHTTP)
	}

	var pool *targets.Pool
	if o.Login && len(authNames) > 0 {
		creds, err := o.credentials()
		if err != nil {
			return err
		}
		o.noteBuiltInLogin()
		client := attack.Options{Timeout: o.Timeout, Insecure: o.Insecure}.HTTPClient()
		pool = targets.NewPool(client, o.URL, sc.Auth, creds)
		if err := pool.Login(ctx); err != nil {
			return err
		}
	}
	tokens := pool != nil
	// Tokens, and headers that may hold a key, make the export a secret.
	private := tokens || sc.HasSecretHeaders()

	where := "stdout"
	out := s.Out
	var f *os.File
	if o.Output != "" {
		where = o.Output
		if f, err = createOutput(o.Output, private); err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	w := bufio.NewWriter(out)
	var enc vegeta.TargetEncoder
	var bodies *targets.BodyFiles
	if o.Export == exportVegetaHTTP {
		bodies = &targets.BodyFiles{Dir: o.Output + ".bodies"}
		enc = targets.NewHTTPTargetEncoder(w, bodies.Path)
	} else {
		enc = vegeta.NewJSONTargetEncoder(w)
	}
	if err := writeTargets(enc, targets.NewTargeter(mix, pool, o.Seed), o.Count); err != nil {
		return fmt.Errorf("write %s: %w", where, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", where, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", where, err)
		}
	}

	summary := fmt.Sprintf("ragload: wrote %d %s targets to %s (seed %d)", o.Count, o.Export, where, o.Seed)
	if bodies != nil && bodies.Len() > 0 {
		summary += fmt.Sprintf(", %d bodies to %s", bodies.Len(), bodies.Dir)
	}
	fmt.Fprintln(s.ErrOut, summary)
	if private && !tokens && o.Output != "" {
		fmt.Fprintf(s.ErrOut, "ragload: note: %s (mode 0600) holds the scenario's secret headers: keep it private\n", where)
	}
	if root := unignoredInGit(o.Output); private && root != "" {
		fmt.Fprintf(s.ErrOut, "ragload: warning: %s is inside the git work tree %s, which does not ignore it: keep it out of git (add it to .gitignore, or write it elsewhere)\n", where, root)
	}
	switch {
	case tokens:
		mode := " (mode 0600)"
		if o.Output == "" {
			mode = ""
		}
		fmt.Fprintf(s.ErrOut, "ragload: warning: %s%s contains bearer tokens for %d account(s)%s: keep it private and delete it when done\n",
			where, mode, len(pool.Sessions()), tokenExpiry(pool))
	case len(authNames) > 0:
		hint := "pass --login to stamp a token (which then lands in the file)"
		if o.Login {
			hint = "--login found no endpoint to stamp"
		}
		fmt.Fprintf(s.ErrOut, "ragload: warning: no Authorization header on the authenticated endpoints (%s): the server will likely answer 401; %s\n",
			strings.Join(authNames, ", "), hint)
	}
	return nil
}

// createOutput opens the output file; one that holds tokens is made (or
// made again) private, as credentials files are.
func createOutput(path string, private bool) (*os.File, error) {
	mode := os.FileMode(0o644)
	if private {
		mode = 0o600
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create targets file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return nil, fmt.Errorf("create targets file: %w", err)
	}
	if private { // OpenFile keeps the mode of an existing file
		if err := f.Chmod(mode); err != nil {
			f.Close()
			return nil, fmt.Errorf("create targets file: %w", err)
		}
	}
	return f, nil
}

// unignoredInGit returns the root of the git work tree that holds path when
// git would not ignore path there (it could be committed), else "". Without
// a git binary to ask about the ignore rules, a file in a work tree counts
// as not ignored.
func unignoredInGit(path string) string {
	if path == "" {
		return ""
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	root := filepath.Dir(abs)
	for {
		if _, err := os.Lstat(filepath.Join(root, ".git")); err == nil {
			break
		}
		up := filepath.Dir(root)
		if up == root {
			return ""
		}
		root = up
	}
	// check-ignore exits 0 when the path is ignored, 1 when it is not.
	if exec.Command("git", "-C", root, "check-ignore", "-q", "--", abs).Run() == nil {
		return ""
	}
	return root
}

func writeTargets(enc vegeta.TargetEncoder, tr vegeta.Targeter, n int) error {
	for range n {
		var t vegeta.Target
		if err := tr(&t); err != nil {
			return err
		}
		if err := enc(&t); err != nil {
			return err
		}
	}
	return nil
}

// tokenExpiry says when the earliest token in the pool expires, if known.
func tokenExpiry(p *targets.Pool) string {
	var first time.Time
	for _, s := range p.Sessions() {
		if t := s.Token(); t != nil && !t.Expires.IsZero() && (first.IsZero() || t.Expires.Before(first)) {
			first = t.Expires
		}
	}
	if first.IsZero() {
		return ""
	}
	return ", valid until " + first.Format(time.RFC3339)
}
