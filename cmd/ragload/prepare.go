package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/prepare"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// defaultCredentialsOut is where prepare writes the passwords it made up:
// under runs/, where ragload writes its runs, which git ignores in
// ragload's own clone (not in the working folder, a clone's root, where
// git status shows it and a careless "git add ." commits it).
var defaultCredentialsOut = filepath.Join("runs", "credentials.csv")

type prepareOptions struct {
	URL            string
	Users          int
	CredentialsOut string
	UserPrefix     string
	RegisterPath   string
	Documents      string
	UploadPath     string
	DocumentsPath  string
	Username       string
	Password       string
	Timeout        time.Duration
	Insecure       bool
	Quiet          bool

	config prepare.Config // built from the flags
}

func newPrepareCmd(s *streams, runF func(context.Context, *prepareOptions) error) *cobra.Command {
	o := &prepareOptions{}
	cmd := &cobra.Command{
		Use:   "prepare --url <base-url> [--users <n>] [--documents <dir>] [flags]",
		Short: "Register test accounts and upload documents, so a load test has users and something to find",
		Long: `Prepare gets an API ready for a load test. It registers --users test
accounts (POST --register-path with the JSON {"username", "email",
"password"}), named <prefix>-001@example.com, <prefix>-002@example.com, ...
with random passwords, and writes them to --credentials-out (mode 0600), the
file that "ragload attack --credentials" reads: by default
runs/credentials.csv, beside the runs (ragload's .gitignore leaves runs/
out of git; in another repository, keep it out of yours). It then uploads the files of
the --documents folder (not its subfolders or dotfiles) as
multipart/form-data, logged in as the first prepared account (with --users 0:
as --username, or $LOAD_TEST_EMAIL), so queries have something to find.

Running it again is safe and creates nothing new: the passwords of the
accounts listed in --credentials-out are reused, an account the server
already has counts as existing, and a file whose name the server already
lists (GET --documents-path) is not uploaded again. An account that exists
with a password the file does not hold is an error that names it. Accounts
the file listed before stay in it, as their passwords would otherwise be
lost.

What was created goes to stdout, progress to stderr; passwords and tokens
are never printed. Exit codes: 0 done, 2 bad flags or credentials file,
3 the server is down, lacks a route or refused a registration or upload.`,
		Example: `  ragload prepare --url http://127.0.0.1:8000 --users 100 --documents ./my-docs
  ragload attack --url http://127.0.0.1:8000 --credentials runs/credentials.csv --rate 50 -d 1m

  # only documents, uploaded as an existing account
  LOAD_TEST_PASSWORD='…' ragload prepare -u https://rag.staging.example.com \
      --username loadtest@example.com --documents ./my-docs

  # an API with other routes
  ragload prepare -u http://127.0.0.1:8000 --users 20 --credentials-out users.csv \
      --register-path /auth/signup --user-prefix staging`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.config.MakeFolder = !c.Flags().Changed("credentials-out") // runs/; a folder given must exist
			if err := o.build(); err != nil {
				return err
			}
			if o.Users == 0 {
				(&runOptions{URL: o.URL, Username: o.Username, Password: o.Password, errOut: c.ErrOrStderr}).noteBuiltInLogin()
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return runPrepare(c.Context(), s, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.URL, "url", "u", "", "base URL of the API (required)")
	fs.IntVar(&o.Users, "users", 0, "test accounts to register (0: none, only upload --documents)")
	fs.StringVar(&o.CredentialsOut, "credentials-out", defaultCredentialsOut, "CSV file of the accounts (username,password; mode 0600; its folder is created): its passwords are reused, then it is rewritten")
	fs.StringVar(&o.UserPrefix, "user-prefix", prepare.DefaultUserPrefix, "account names are <prefix>-001@example.com, ... (as many digits as --users has, at least 3)")
	fs.StringVar(&o.RegisterPath, "register-path", prepare.DefaultRegisterPath, `registration route: POST, JSON {"username", "email", "password"}`)
	fs.StringVar(&o.Documents, "documents", "", "folder whose files are uploaded (not recursive; dotfiles skipped)")
	fs.StringVar(&o.UploadPath, "upload-path", prepare.DefaultUploadPath, `upload route: POST, multipart/form-data with the file in the field "file"`)
	fs.StringVar(&o.DocumentsPath, "documents-path", prepare.DefaultDocumentsPath, "document list route (GET), to skip files already uploaded")
	fs.StringVar(&o.Username, "username", "", "with --users 0: the account that uploads (default $"+auth.EnvUsername+" or "+auth.DefaultUsername+")")
	fs.StringVar(&o.Password, "password", "", "with --users 0: its password (default $"+auth.EnvPassword+" or "+auth.DefaultPassword+", the demo API's; prefer the variable: flags show in ps)")
	fs.DurationVar(&o.Timeout, "timeout", attack.DefaultTimeout, "per-request timeout (an upload included)")
	fs.BoolVarP(&o.Insecure, "insecure", "k", false, "skip TLS certificate verification")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress lines on stderr")
	return cmd
}

// build checks the flags and turns them into the library's configuration.
func (o *prepareOptions) build() error {
	if o.URL == "" {
		return usageErrorf("--url is required (the API's base URL, e.g. http://127.0.0.1:8000)")
	}
	if o.Timeout <= 0 {
		return usageErrorf("--timeout must be > 0, got %s", o.Timeout)
	}
	var login auth.Credential
	if o.Users > 0 {
		if o.Username != "" || o.Password != "" {
			return usageErrorf("--username/--password apply only with --users 0 (the uploads log in as the first prepared account)")
		}
	} else {
		creds, err := (&runOptions{Username: o.Username, Password: o.Password}).credentials()
		if err != nil {
			return err
		}
		login = creds[0]
	}
	o.config = prepare.Config{
		BaseURL: o.URL, Auth: targets.Default().Auth,
		Users: o.Users, UserPrefix: o.UserPrefix, RegisterPath: o.RegisterPath, CredentialsFile: o.CredentialsOut,
		Documents: o.Documents, UploadPath: o.UploadPath, DocumentsPath: o.DocumentsPath, Login: login,
		MakeFolder: o.config.MakeFolder,
	}
	if err := o.config.Validate(); err != nil {
		return &usageError{err}
	}
	return nil
}

func runPrepare(ctx context.Context, s *streams, o *prepareOptions) error {
	cfg := o.config
	cfg.Client = attack.Options{Timeout: o.Timeout, Insecure: o.Insecure}.HTTPClient()
	if !o.Quiet {
		cfg.Logf = func(format string, args ...any) {
			fmt.Fprintf(s.ErrOut, "ragload: "+format+"\n", args...)
		}
	}
	res, err := prepare.Run(ctx, cfg)
	res.WriteSummary(s.Out)
	return err
}
