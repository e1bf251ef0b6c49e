package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
)

// TestMain lets tests run ragload as a real process (for signals): the
// test binary re-executes itself with RAGLOAD_AS_MAIN=1.
func TestMain(m *testing.M) {
	if os.Getenv("RAGLOAD_AS_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], defaultStreams()))
	}
	os.Exit(m.Run())
}

// ragload runs the CLI in-process and returns stdout, stderr and the exit code.
func ragload(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

// command returns ragload as a child process.
func command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "RAGLOAD_AS_MAIN=1")
	return cmd
}

// demoAPI starts the demo API on loopback with service times in
// milliseconds instead of hundreds, unless cfg sets them.
func demoAPI(t *testing.T, cfg demo.Config) (*demo.Server, string) {
	t.Helper()
	if cfg.QueryLatency == 0 {
		cfg.QueryLatency, cfg.EnhancedLatency, cfg.DocumentsLatency = 5*time.Millisecond, 10*time.Millisecond, time.Millisecond
	}
	s := demo.New(cfg)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// decodeAll reads a results file with vegeta's own decoder to its end.
func decodeAll(t *testing.T, path string) []vegeta.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	var out []vegeta.Result
	for {
		var r vegeta.Result
		err := dec.Decode(&r)
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("%s: decode after %d results: %v", path, len(out), err)
			}
			return out
		}
		out = append(out, r)
	}
}

func readManifest(t *testing.T, dir string) *results.Manifest {
	t.Helper()
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wantContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

func runDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "run")
}

// parseCmd builds a command whose runF captures its options, runs it with
// args and returns the options (zero if runF was not reached) and the error.
func parseCmd[O any](t *testing.T, newCmd func(*streams, func(context.Context, O) error) *cobra.Command, args string) (O, error) {
	t.Helper()
	var got O
	cmd := newCmd(&streams{Out: io.Discard, ErrOut: io.Discard}, func(_ context.Context, o O) error { got = o; return nil })
	cmd.SetArgs(strings.Fields(args))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return got, cmd.Execute()
}

// expectErr checks err against a table case: with want set, err must
// contain it and expectErr returns true (the case is done); without, err
// must be nil.
func expectErr(t *testing.T, err error, want string) bool {
	t.Helper()
	if want != "" {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want one containing %q", err, want)
		}
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	return false
}

// ranOK reports whether a run ended with a PASS, or was not conclusive
// only because its generator was saturated: on a 2-core machine busy with
// other packages' tests a run's requests can leave late, and ragload then
// rightly will not vouch for the numbers; what these tests check is not
// that (the proofs in attack/ do, on a quiet machine). out is the run's
// stdout, in a format that carries warnings (text, markdown, json, junit).
func ranOK(out string, code int) bool {
	return code == exitOK || (code == exitInconclusive && strings.Contains(out, "generator was saturated") &&
		strings.Count(out, "not conclusive:") == strings.Count(out, "not conclusive: the load generator was saturated"))
}
