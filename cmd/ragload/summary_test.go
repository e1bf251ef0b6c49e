package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/render"
)

// TestReportSummary: runs against the demo API (with 5xx, 429 and reset
// connections) leave summary.json, and report prints the same in every
// format, with the same exit code, from the summaries as from the results
// (--raw): for an attack, for closed-loop users, for both together, and
// for the shards of a run merged.
func TestReportSummary(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{Workers: 256, Faults: []demo.Fault{
		{Kind: demo.FaultStatus, Status: 502, Every: 500 * time.Millisecond, For: 40 * time.Millisecond},
		{Kind: demo.FaultRateLimit, Every: 700 * time.Millisecond, For: 40 * time.Millisecond},
		{Kind: demo.FaultReset, Every: 300 * time.Millisecond, For: 20 * time.Millisecond},
	}})
	root := t.TempDir()
	dir := func(name string) string { return filepath.Join(root, name) }

	startAt := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
	done := make(chan error, 2)
	for i := range 2 {
		cmd := command(t, "attack", "-u", url, "--rate", "100", "-d", "2s", "--shard", fmt.Sprintf("%d/2", i), "--start-at", startAt,
			"--run-id", "summary-test", "-o", dir(fmt.Sprintf("shard-%d", i)), "-q", "--seed", fmt.Sprint(i+1))
		go func() {
			out, err := cmd.CombinedOutput()
			if _, exit := err.(interface{ ExitCode() int }); exit { // a failed verdict
				err = nil
			}
			if err != nil {
				err = fmt.Errorf("shard %d: %v\n%s", i, err, out)
			}
			done <- err
		}()
	}
	ragload(t, "attack", "-u", url, "--rate", "100", "-d", "2s", "-o", dir("attack"), "-q", "--seed", "3")
	ragload(t, "users", "-u", url, "--users", "4", "--spawn-rate", "20", "--run-time", "2s", "--wait", "20ms", "-o", dir("users"), "-q", "--seed", "4")
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"attack", "users", "shard-0", "shard-1"} {
		if _, err := os.Stat(filepath.Join(dir(name), results.SummaryFile)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	for _, paths := range [][]string{
		{dir("attack")},
		{dir("users")},
		{dir("attack"), dir("users")},
		{dir("shard-*")},
		{filepath.Join(dir("attack"), results.ResultsFile)},
	} {
		for _, format := range render.Formats {
			args := append([]string{"report", "-f", format, "-t", "p99<5s", "-t", "failures<50%"}, paths...)
			out, errOut, code := ragload(t, args...)
			rawOut, rawErrOut, rawCode := ragload(t, append(args, "--raw")...)
			if out != rawOut || errOut != rawErrOut || code != rawCode {
				t.Errorf("report %q: from summaries (exit %d):\n%s%s\nfrom the results (exit %d):\n%s%s",
					args[1:], code, out, errOut, rawCode, rawOut, rawErrOut)
			}
			if format == render.FormatText {
				wantContains(t, fmt.Sprint(paths), out, "TOTAL")
			}
		}
	}
}
