package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/web"
)

type webOptions struct {
	Addr            string
	AllowRemote     bool
	RunsDir         string
	CredentialsFile string
	Username        string
	Password        string
	MaxUsers        int
}

func newWebCmd(s *streams, runF func(context.Context, *webOptions) error) *cobra.Command {
	o := &webOptions{}
	cmd := &cobra.Command{
		Use:   "web [--addr 127.0.0.1:8089] [flags]",
		Short: "Explore a service from a live web dashboard (Locust's web UI): start, steer and stop runs",
		Long: `Web serves a page from which you pick the target URL, the scenario, and
either virtual users (with a spawn rate and think time) or an arrival rate,
start a run, change the user count while it runs, watch requests/s,
p50/p95/p99, errors and users move once a second, and stop it. Each run is
an ordinary run directory under --runs-dir (results.bin and run.json),
which report, compare and plot read like any other; earlier runs are listed
on the page and can be opened.

The page can start load, so it listens on loopback only unless
--allow-remote is given. Credentials come from --username/--password,
$LOAD_TEST_EMAIL/$LOAD_TEST_PASSWORD or a --credentials file, as for
attack and users; they never reach the page.`,
		Example: `  ragload web
  ragload demo serve --addr 127.0.0.1:8000 &  ragload web --runs-dir runs/explore`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			host, _, err := net.SplitHostPort(o.Addr)
			if err != nil {
				return usageErrorf("--addr %q: want host:port, e.g. 127.0.0.1:8089", o.Addr)
			}
			if !isLoopback(host) && !o.AllowRemote {
				return usageErrorf("--addr %s is not a loopback address: the page can start load, so this needs --allow-remote", o.Addr)
			}
			if o.MaxUsers < 1 {
				return usageErrorf("--max-users must be ≥ 1, got %d", o.MaxUsers)
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return runWeb(c.Context(), s, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:8089", "address to serve the dashboard on")
	fs.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a non-loopback --addr (anyone who reaches it can start load)")
	fs.StringVar(&o.RunsDir, "runs-dir", "runs", "where runs are written and listed")
	fs.IntVar(&o.MaxUsers, "max-users", web.DefaultMaxUsers, "the most virtual users the page can ask for")
	fs.StringVar(&o.CredentialsFile, "credentials", "", "CSV file of username,password for a pool of accounts, mode 0600 (see ragload prepare)")
	fs.StringVar(&o.Username, "username", "", "login name (default $LOAD_TEST_EMAIL or loadtest@example.com)")
	fs.StringVar(&o.Password, "password", "", "login password (prefer $LOAD_TEST_PASSWORD: flags show in ps)")
	return cmd
}

// isLoopback reports whether host (a name or an address, "" for all
// interfaces) is the local machine only.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func runWeb(ctx context.Context, s *streams, o *webOptions) error {
	ro := runOptions{CredentialsFile: o.CredentialsFile, Username: o.Username, Password: o.Password}
	ro.errOut = func() io.Writer { return s.ErrOut }
	creds, err := ro.credentials()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	host, _, _ := net.SplitHostPort(o.Addr)
	if !isLoopback(host) {
		fmt.Fprintf(s.ErrOut, "ragload: warning: serving on %s, beyond this machine: whoever reaches it can start load from here\n", ln.Addr())
	}
	if err := os.MkdirAll(o.RunsDir, 0o755); err != nil {
		return fmt.Errorf("--runs-dir: %w", err)
	}
	fmt.Fprintf(s.ErrOut, "ragload: dashboard on http://%s (runs in %s); Ctrl-C stops\n", ln.Addr(), o.RunsDir)
	srv := web.New(web.Config{RunsDir: o.RunsDir, Tool: "ragload " + toolVersion(), Credentials: creds, MaxUsers: o.MaxUsers})
	start := time.Now()
	err = srv.Serve(ctx, ln)
	fmt.Fprintf(s.ErrOut, "ragload: dashboard stopped after %s\n", time.Since(start).Round(time.Second))
	return err
}
