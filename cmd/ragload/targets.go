package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/targets/auth"
	"github.com/ragload/ragload/targets/export"
)

// exportCompletions are the --export values with their descriptions.
var exportCompletions = []cobra.Completion{
	export.VegetaJSON + "\tone JSON target per line",
	export.VegetaHTTP + "\tvegeta's http format, bodies in files",
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
	fs.StringVar(&o.Export, "export", export.VegetaJSON, "format: "+strings.Join(export.Formats(), " or "))
	fs.IntVarP(&o.Count, "count", "n", 1000, "number of targets to write")
	fs.StringVarP(&o.Output, "output", "o", "", "file to write (default: stdout)")
	fs.BoolVar(&o.Login, "login", false, "log in and put the bearer token into authenticated targets (the file then holds a secret)")
	fs.StringVarP(&o.URL, "url", "u", defaultExportURL, "base URL of the API the targets are for")
	fs.StringVarP(&o.ScenarioFile, "scenario", "s", "", "YAML scenario file (default: the built-in RAG user: query 5, enhanced 2, health 1, documents 1)")
	fs.StringVar(&o.QueriesFile, "queries", "", "file of questions, one per line (replaces the scenario's pool)")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of the request sequence (default: random, printed on stderr)")
	fs.StringVar(&o.CredentialsFile, "credentials", "", "with --login: CSV file of username,password, mode 0600; targets spread over the accounts")
	fs.StringVar(&o.Username, "username", "", "with --login: login name (default $"+auth.EnvUsername+" or "+auth.DefaultUsername+")")
	fs.StringVar(&o.Password, "password", "", "with --login: login password (default $"+auth.EnvPassword+" or "+auth.DefaultPassword+", the demo API's; prefer the variable: flags show in ps)")
	fs.DurationVar(&o.Timeout, "timeout", attack.DefaultTimeout, "with --login: timeout of the login request")
	fs.BoolVarP(&o.Insecure, "insecure", "k", false, "with --login: skip TLS certificate verification")
	_ = cmd.RegisterFlagCompletionFunc("export", cobra.FixedCompletions(exportCompletions, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (o *targetsOptions) check(c *cobra.Command) error {
	cfg := o.config()
	if err := cfg.Validate(); err != nil { // the flags alone: no scenario yet
		return &usageError{err}
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

// config maps the flags to the library's configuration.
func (o *targetsOptions) config() export.Config {
	cfg := export.Config{BaseURL: o.URL, Format: o.Export, Count: o.Count, Seed: o.Seed, Output: o.Output}
	if o.Login {
		cfg.Login = func() ([]auth.Credential, error) {
			creds, err := o.credentials()
			if err == nil {
				o.noteBuiltInLogin()
			}
			return creds, err
		}
		cfg.Client = attack.Options{Timeout: o.Timeout, Insecure: o.Insecure}.HTTPClient()
	}
	return cfg
}

func runTargets(ctx context.Context, s *streams, o *targetsOptions) error {
	sc, err := o.scenario()
	if err != nil {
		return err
	}
	printNotes(s, sc)
	cfg := o.config()
	cfg.Scenario, cfg.Stdout = sc, s.Out
	if err := cfg.Validate(); err != nil {
		return &usageError{err}
	}
	res, err := export.Run(ctx, cfg)
	if err != nil {
		return err
	}
	summary, notes, warnings := res.Messages(cfg)
	fmt.Fprintln(s.ErrOut, "ragload:", summary)
	for _, n := range notes {
		fmt.Fprintln(s.ErrOut, "ragload: note:", n)
	}
	for _, w := range warnings {
		fmt.Fprintln(s.ErrOut, "ragload: warning:", w)
	}
	return nil
}
