package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/targets/auth"
)

// demoFlags configure the simulated API (flag values are what they say:
// 0 means no delay).
type demoFlags struct{ demo.Settings }

// faultHelp explains --fault in the demo commands' long help.
const faultHelp = `Faults (--fault, repeatable) strike the requests that arrive in windows
[start + k*every, start + k*every + for) after the API starts (one window
without every); the login is spared, so a run can start and log in again.
A fault is KIND,for=D[,every=D][,start=D], where KIND is
  500…599      that status instead of the answer (a 5xx burst)
  429          429 with Retry-After to everyone (a rate-limit storm)
  401          tokens issued before the window refused (a revocation)
  slow=D       each response held D (past a client's --timeout)
  reset        the headers and half the body, then a TCP reset
  close        the headers and half the body, then a close (unexpected EOF)
  trickle[=D]  the body 16 bytes at a time (bytes=N), D apart (default 50ms)
  degrade=N    not a failure: with N or more requests in flight (served or
               queued), queries answer 200 at once with no sources and the
               fallback answer, streams stop after 3 tokens without their done
               event; for= is optional (without it, all the time). Latency
               looks fine: only response checks and goodput (a scenario's
               checks: and slo:) show it; /stats counts the degraded answers
for example --fault 503,every=10s,for=2s --fault slow=5s,every=20s,for=3s,start=5s.
Short-lived tokens (--token-ttl 2s) make ragload renew them every second or so.`

func (d *demoFlags) addFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.IntVar(&d.Workers, "workers", demo.DefaultWorkers, "demo API: requests served at once; the rest queue (the capacity knee)")
	fs.IntVar(&d.QueueLimit, "queue-limit", 0, "demo API: waiting requests beyond this get 503 (0 = unlimited)")
	fs.DurationVar(&d.Query, "query-latency", demo.DefaultQueryLatency, "demo API: median service time of /api/v1/query/")
	fs.DurationVar(&d.Enhanced, "enhanced-latency", demo.DefaultEnhancedLatency, "demo API: median service time of /api/v1/query/enhanced")
	fs.DurationVar(&d.Documents, "documents-latency", demo.DefaultDocumentsLatency, "demo API: median service time of /api/v1/documents/ and /api/v1/documents/{id}")
	fs.DurationVar(&d.Login, "login-latency", demo.DefaultLoginLatency, "demo API: median service time of the login")
	fs.DurationVar(&d.Health, "health-latency", demo.DefaultHealthLatency, "demo API: median service time of /health")
	fs.Float64Var(&d.Sigma, "sigma", demo.DefaultSigma, "demo API: lognormal spread of service times (0 = fixed)")
	fs.Float64Var(&d.Scale, "latency-scale", 1, "demo API: multiply every service time (e.g. 10 for a slow server)")
	fs.Float64Var(&d.UserRate, "user-rate-limit", 0, "demo API: requests per second per user before 429 (0 = off)")
	fs.DurationVar(&d.TokenTTL, "token-ttl", demo.DefaultTokenTTL, "demo API: lifetime of access tokens")
	fs.DurationVar(&d.FirstToken, "first-token", demo.DefaultStreamFirstToken, "demo API: median time to the first token of /api/v1/query/stream (SSE)")
	fs.Float64Var(&d.TokenRate, "token-rate", demo.DefaultStreamTokenRate, "demo API: tokens per second of /api/v1/query/stream")
	fs.DurationVar(&d.StallEvery, "stall-every", 0, "demo API: stall every response arriving in the first --stall-for of each period (0 = never)")
	fs.DurationVar(&d.StallFor, "stall-for", 0, "demo API: how long each stall lasts")
	fs.DurationVar(&d.IndexDelay, "index-delay", demo.DefaultIndexDelay, "demo API: time from an upload to its document being ready at /api/v1/documents/{id}")
	fs.Float64Var(&d.ChatTurnCost, "chat-turn-cost", demo.DefaultChatTurnCost, "demo API: share of --query-latency each earlier turn adds to a follow-up at /api/v1/chat/{id}/messages")
	fs.Var(&d.Faults, "fault", `demo API: inject failures in windows, repeatable: "KIND,for=D[,every=D][,start=D]", KIND one of 5xx, 429, 401, slow=D, reset, close, trickle[=D], degrade=N (see above)`)
}

type demoOptions struct {
	runOptions
	planOptions
	demoFlags
	run *runspec.Built
}

func newDemoCmd(s *streams, runF func(context.Context, *demoOptions) error) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo [flags]",
		Short: "Run a short attack against the built-in demo RAG API (no server to install)",
		Long: `Demo starts the simulated RAG API in this process on 127.0.0.1 (a random
port), runs a short attack against it with the default scenario, and prints
the per-endpoint table and the verdict. The demo API has the routes of a
typical RAG backend, JWT login, and a capacity model: a pool of --workers
serving lognormal service times, so pushing --rate past its capacity shows a
real latency knee.

Every attack flag applies; "ragload demo serve" runs only the API.

` + faultHelp,
		Example: `  ragload demo
  ragload demo --rate 120 --duration 20s       # past the knee: FAIL
  ragload demo --fault 503,every=4s,for=1s     # 5xx bursts: the errors table, FAIL
  ragload demo serve --addr 127.0.0.1:8000`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return fmt.Errorf("start the demo API: %w", err)
			}
			defer ln.Close()
			o.URL = "http://" + ln.Addr().String()
			spec, err := o.planOptions.spec(c.Flags(), &o.runOptions, "demo-")
			if err != nil {
				return err
			}
			if o.run, err = o.build(spec); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			users := map[string]string{}
			for _, cr := range o.run.Setup.Credentials {
				users[cr.Username] = cr.Password
			}
			ctx, stop := context.WithCancel(context.Background()) // outlives Ctrl-C until the run has drained
			defer stop()
			served := make(chan error, 1)
			go func() { served <- demo.Serve(ctx, ln, demo.New(o.Config(users))) }()
			if !o.Quiet {
				fmt.Fprintf(s.ErrOut, "ragload: demo API listening on %s\n", o.URL)
			}
			runErr := o.runOptions.run(c.Context(), s, o.run)
			stop()
			if err := <-served; err != nil && runErr == nil {
				runErr = err
			}
			return runErr
		},
	}
	o.runOptions.addFlags(cmd)
	o.planOptions.addFlags(cmd, 30, 10*time.Second)
	o.demoFlags.addFlags(cmd)
	cmd.AddCommand(newDemoServeCmd(s))
	return cmd
}

func newDemoServeCmd(s *streams) *cobra.Command {
	var d demoFlags
	var addr string
	cmd := &cobra.Command{
		Use:   "serve [--addr host:port] [flags]",
		Short: "Serve only the demo RAG API, to point ragload or any other tool at",
		Long: `Serve runs the simulated RAG API until Ctrl-C. It knows one user,
$LOAD_TEST_EMAIL / $LOAD_TEST_PASSWORD (default loadtest@example.com /
loadtestpassword); more can register at /api/v1/auth/register.

` + faultHelp,
		Example: `  ragload demo serve --addr 127.0.0.1:8000 --workers 16
  ragload attack --url http://127.0.0.1:8000 --rate 50 --duration 1m`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cred := auth.CredentialFromEnv(os.Getenv)
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageErrorf("--addr %q: %w", addr, err)
			}
			fmt.Fprintf(s.ErrOut, "ragload: demo API on http://%s (user %s); Ctrl-C stops\n", ln.Addr(), cred.Username)
			err = demo.Serve(c.Context(), ln, demo.New(d.Config(map[string]string{cred.Username: cred.Password})))
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			return err
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8000", "address to listen on")
	d.addFlags(cmd)
	return cmd
}
