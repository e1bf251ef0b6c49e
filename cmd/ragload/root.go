package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/internal/input"
	ragversion "github.com/ragload/ragload/internal/version"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
)

// Exit codes, documented in README.md and `ragload --help`.
const (
	exitOK           = 0 // the verdict passed
	exitVerdict      = 1 // the verdict failed
	exitUsage        = 2 // bad flags, arguments or configuration files
	exitRunError     = 3 // the run could not start, complete or be read
	exitInterrupt    = 3 // an interrupted run is a run error, after its report
	exitInconclusive = 4 // the thresholds held but the run cannot vouch for them
)

// version is set with -ldflags "-X main.version=…"; otherwise the build
// info tells (internal/version).
var version = ""

func toolVersion() string { return ragversion.Tool(version) }

// streams are the command's standard streams; tests replace them.
type streams struct {
	In          io.Reader
	Out, ErrOut io.Writer
	// process says these are the streams of the ragload process, which
	// exits with Main's code: Main then keeps the signals it caught to the
	// end, so that a Ctrl-C after the run, while the process exits, does
	// not kill it with another code.
	process bool
}

func defaultStreams() *streams {
	return &streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, process: true}
}

// usageError is a problem with flags, arguments or configuration: exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// errVerdictFailed means the report was printed and its verdict failed.
var errVerdictFailed = errors.New("verdict failed")

// errInterrupted means the run stopped early on a signal; the report was
// printed.
var errInterrupted = errors.New("interrupted")

// errNotConclusive means the report was printed and the run cannot vouch
// for its verdict (results.Verdict.Inconclusive): thresholds held, or only
// latency or rate ones failed, on a generator that dropped or saturated.
var errNotConclusive = errors.New("verdict not conclusive")

// Main runs ragload with args and returns the exit code. A first SIGINT or
// SIGTERM stops the run gracefully (in-flight requests finish, files are
// completed); a second one exits at once.
func Main(args []string, s *streams) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	var returned atomic.Bool // past this, signals change nothing
	go func() {
		caught := 0
		for range sig {
			if returned.Load() {
				continue
			}
			if caught++; caught == 1 {
				fmt.Fprintln(s.ErrOut, "\nragload: stopping: waiting for in-flight requests (press Ctrl-C again to quit at once)")
				cancel()
				input.Interrupt() // a reader waiting on a named pipe stops too
				continue
			}
			abortNow(s.ErrOut)
			os.Exit(130)
		}
	}()
	defer func() {
		returned.Store(true)
		if !s.process { // in-process (tests): give the signals back
			signal.Stop(sig)
			close(sig) // after Stop: no send on a closed channel
		}
	}()

	root := newRootCmd(s)
	started := false // cobra validates args and flag groups before this is set
	root.PersistentPreRun = func(*cobra.Command, []string) { started = true }
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	var ue *usageError
	if err != nil && !started && !errors.As(err, &ue) {
		err = &usageError{err}
	}
	return exitCode(s, cmd, err)
}

// abortWait bounds how long a second signal waits for the runs in progress
// to save their files (attack.Abort takes milliseconds unless the disk
// hangs).
const abortWait = 500 * time.Millisecond

// abortNow has the runs in progress save what they have, without waiting
// for their requests in flight, and says what was kept.
func abortNow(w io.Writer) {
	notes := make(chan []string, 1)
	go func() { notes <- attack.Abort() }()
	select {
	case ns := <-notes:
		for _, n := range ns {
			fmt.Fprintln(w, "ragload: exiting at once:", n)
		}
	case <-time.After(abortWait):
		fmt.Fprintln(w, "ragload: exiting at once: the results could not be saved in time; they may be cut short (report --allow-partial reads what is there)")
	}
}

func exitCode(s *streams, cmd *cobra.Command, err error) int {
	var ue *usageError
	var fe *targets.FileError
	var nr *results.NotResultsError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, input.ErrInterrupted): // a file to read was a named pipe nobody wrote to
		fmt.Fprintf(s.ErrOut, "error: %v\n", err)
		return exitInterrupt
	case errors.Is(err, errVerdictFailed), errors.Is(err, errRegression), errors.Is(err, errNoCapacity):
		return exitVerdict
	case errors.Is(err, errNotConclusive):
		return exitInconclusive
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(s.ErrOut, "ragload: the run was interrupted; its results and manifest are complete up to the stop")
		return exitInterrupt
	case errors.As(err, &ue):
		fmt.Fprintf(s.ErrOut, "error: %v\n", err)
		if cmd != nil && !errors.As(err, &fe) {
			fmt.Fprintf(s.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return exitUsage
	case errors.As(err, &fe), errors.Is(err, attack.ErrRunExists), errors.As(err, &nr):
		fmt.Fprintf(s.ErrOut, "error: %v\n", err)
		return exitUsage
	}
	var de *results.DamagedError
	if errors.As(err, &de) {
		fmt.Fprintf(s.ErrOut, "error: %v\n(pass --allow-partial to accept a damaged file)\n", err)
		return exitRunError
	}
	fmt.Fprintf(s.ErrOut, "error: %v\n", err)
	return exitRunError
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "ragload <command> [flags]",
		Short: "Load-test RAG HTTP APIs and judge them against a latency target",
		Long: `ragload load-tests retrieval-augmented-generation HTTP APIs: it logs in,
sends a weighted mix of questions and requests at a planned rate, stores
every result in vegeta's format, and judges the run against its thresholds
(by default p95 < 2s and failures < 1%).

Exit codes: 0 the verdict passed, 1 it failed, 2 bad flags or configuration,
3 the run could not start, complete or be read (including interruptions),
4 the verdict is not conclusive: ragload dropped requests, was saturated, or
a percentile had too few samples to mean much, so it cannot vouch for the
thresholds that held, nor blame the server for latency ones that failed.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       toolVersion(),
	}
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newAttackCmd(s, nil),
		newUsersCmd(s, nil),
		newPrepareCmd(s, nil),
		newReportCmd(s, nil),
		newPlotCmd(s, nil),
		newCompareCmd(s, nil),
		newSweepCmd(s, nil),
		newReplayCmd(s, nil),
		newDemoCmd(s, nil),
		newTargetsCmd(s, nil),
		newWebCmd(s, nil),
		newVersionCmd(s),
		newGendocsCmd(s), // hidden: make docs
	)
	addCompletions(root)
	return root
}
