package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ragload/ragload/internal/netaddr"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/targets/auth"
	"github.com/ragload/ragload/web"
)

type webOptions struct {
	Addr            string
	AllowRemote     bool
	AllowHosts      []string
	Token           string // from --token or $RAGLOAD_WEB_TOKEN; "" draws one
	ScenariosDir    string
	RunsDir         string
	CredentialsFile string
	Username        string
	Password        string
	MaxUsers        int
	metricsFlags
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

The page can start load from this machine with your credentials, so:
  - It needs a token, drawn at random at each launch (or given with
    $RAGLOAD_WEB_TOKEN or --token, at least 16 characters). ragload prints
    the URL to open, http://127.0.0.1:8089/?token=…; the page keeps the
    token in the tab and drops it from the address bar. Without it the API
    answers 401.
  - It answers only requests addressed to a loopback name (localhost,
    127.0.0.1, ::1), to --addr, or to a name given with --allow-host: a
    web page cannot reach it by rebinding its own name to 127.0.0.1.
  - It loads scenarios only from the --scenarios folder (default: the
    working directory), by a path inside it, and regular files only.
  - It listens on loopback only unless --allow-remote is given; then anyone
    who has the URL can start load against any URL with these credentials
    and read every stored run.

Credentials come from --username/--password, $LOAD_TEST_EMAIL/
$LOAD_TEST_PASSWORD or a --credentials file, as for attack and users; they
never reach the page.`,
		Example: `  ragload web
  ragload web --scenarios scenarios --runs-dir runs/explore
  ragload web --addr 192.168.1.20:8089 --allow-remote --allow-host loadbox.lan`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			host, _, err := net.SplitHostPort(o.Addr)
			if err != nil {
				return usageErrorf("--addr %q: want host:port, e.g. 127.0.0.1:8089", o.Addr)
			}
			if !netaddr.IsLoopback(host) && !o.AllowRemote {
				return usageErrorf("--addr %s is not a loopback address: the page can start load, so this needs --allow-remote", o.Addr)
			}
			if netaddr.IsUnspecified(host) && len(o.AllowHosts) == 0 {
				return usageErrorf("--addr %s listens on every interface: name the host the browser will use with --allow-host (the dashboard answers only requests for its own names)", o.Addr)
			}
			for _, h := range o.AllowHosts {
				if h == "" || strings.ContainsAny(h, "/ ") {
					return usageErrorf("--allow-host %q: want a host name or host:port", h)
				}
			}
			from := "--token"
			if !c.Flags().Changed("token") {
				o.Token, from = os.Getenv(web.EnvToken), "$"+web.EnvToken
			}
			if o.Token != "" || c.Flags().Changed("token") {
				if err := web.CheckToken(o.Token); err != nil {
					return usageErrorf("%s: %w", from, err)
				}
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
	fs.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a non-loopback --addr (anyone with the printed URL can start load)")
	fs.StringArrayVar(&o.AllowHosts, "allow-host", nil, "a host name (or host:port) the browser may use beside loopback ones and --addr (repeatable)")
	fs.StringVar(&o.Token, "token", "", "the dashboard's token, ≥ 16 characters (default: a random one per launch; prefer $"+web.EnvToken+": flags show in ps)")
	fs.StringVar(&o.ScenariosDir, "scenarios", ".", "the only folder the page may load scenario files from")
	fs.StringVar(&o.RunsDir, "runs-dir", "runs", "where runs are written and listed")
	fs.IntVar(&o.MaxUsers, "max-users", web.DefaultMaxUsers, "the most virtual users the page can ask for")
	o.metricsFlags.addFlags(fs)
	fs.StringVar(&o.CredentialsFile, "credentials", "", "CSV file of username,password for a pool of accounts, mode 0600 (see ragload prepare)")
	fs.StringVar(&o.Username, "username", "", "login name (default $"+auth.EnvUsername+" or "+auth.DefaultUsername+")")
	fs.StringVar(&o.Password, "password", "", "login password (default $"+auth.EnvPassword+" or "+auth.DefaultPassword+", the demo API's; prefer the variable: flags show in ps)")
	return cmd
}

func runWeb(ctx context.Context, s *streams, o *webOptions) error {
	ro := runOptions{CredentialsFile: o.CredentialsFile, Username: o.Username, Password: o.Password}
	ro.errOut = func() io.Writer { return s.ErrOut }
	creds, err := ro.credentials()
	if err != nil {
		return err
	}
	scenarios, err := filepath.Abs(o.ScenariosDir)
	if err != nil {
		return fmt.Errorf("--scenarios: %w", err)
	}
	if fi, err := os.Stat(scenarios); err != nil || !fi.IsDir() {
		return usageErrorf("--scenarios %s: not a folder", o.ScenariosDir)
	}
	token := o.Token
	if token == "" {
		token = web.NewToken()
	}
	host, _, _ := net.SplitHostPort(o.Addr)
	hosts := append([]string(nil), o.AllowHosts...)
	if !netaddr.IsUnspecified(host) {
		hosts = append(hosts, o.Addr)
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	if !netaddr.IsLoopback(host) {
		fmt.Fprintln(s.ErrOut, "ragload: warning:", web.RemoteWarning(ln.Addr().String()))
	}
	if err := os.MkdirAll(o.RunsDir, 0o755); err != nil {
		ln.Close()
		return fmt.Errorf("--runs-dir: %w", err)
	}
	fmt.Fprintf(s.ErrOut, "ragload: dashboard on %s (runs in %s, scenarios from %s); Ctrl-C stops\n",
		web.DashboardURL(host, ln.Addr(), o.AllowHosts, token), o.RunsDir, scenarios)
	exp, stopMetrics, err := o.serve(s.ErrOut, false)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopMetrics(ctx) // after Ctrl-C: no wait
	srv := web.New(web.Config{RunsDir: o.RunsDir, Tool: "ragload " + toolVersion(), Credentials: creds, MaxUsers: o.MaxUsers,
		Token: token, Hosts: hosts, ScenariosDir: scenarios, Metrics: exp})
	start := time.Now()
	err = srv.Serve(ctx, ln)
	fmt.Fprintf(s.ErrOut, "ragload: dashboard stopped after %s\n", time.Since(start).Round(time.Second))
	return err
}
