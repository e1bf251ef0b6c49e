package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
)

// TestSoak runs ragload as two processes at once against the demo API for
// a while, one attack at a moderate rate and one run of virtual users, and
// checks that neither leaks: resident memory over the last fifth of the run
// stays near that of the second fifth (the first fifth is warm-up), and
// once the run has ended its goroutines come back to where they were a
// second into it. Goroutines during the run are printed, not
// judged: each open connection holds two, and a server slowed by a busy
// machine opens more (kept idle for 90 s), which is load, not a leak.
//
// The length is $RAGLOAD_SOAK, default 1m (the CI version); `make soak`
// runs 30m. -short skips it. The samples, one a second in each run.json,
// are printed every 10 s.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no soak")
	}
	length := time.Minute
	if v := os.Getenv("RAGLOAD_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 30*time.Second {
			t.Fatalf("RAGLOAD_SOAK=%q: want a duration of at least 30s", v)
		}
		length = d
	}
	t.Parallel()
	_, url := demoAPI(t, demo.Config{Workers: 256})
	runs := []struct {
		name string
		dir  string
		cmd  *exec.Cmd
		out  strings.Builder
	}{
		{name: "attack", dir: runDir(t)},
		{name: "users", dir: runDir(t)},
	}
	runs[0].cmd = command(t, "attack", "-u", url, "--rate", "50", "-d", length.String(), "--seed", "1", "-o", runs[0].dir, "-q")
	runs[1].cmd = command(t, "users", "-u", url, "--users", "100", "--spawn-rate", "20", "--wait", "1s-3s",
		"--run-time", length.String(), "--seed", "1", "-o", runs[1].dir, "-q")
	for i := range runs {
		runs[i].cmd.Stdout, runs[i].cmd.Stderr = &runs[i].out, &runs[i].out
		if err := runs[i].cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	samples := map[string][]results.GenSample{}
	for i := range runs {
		r := &runs[i]
		if err := r.cmd.Wait(); err != nil && !ranOK(r.out.String(), r.cmd.ProcessState.ExitCode()) {
			t.Fatalf("%s: %v\n%s", r.name, err, r.out.String())
		}
		m, err := results.ReadManifest(r.dir)
		if err != nil {
			t.Fatal(err)
		}
		if m.Generator == nil || len(m.Generator.Samples) < int(length/time.Second)*9/10 {
			t.Fatalf("%s: want a sample a second over %s in run.json", r.name, length)
		}
		samples[r.name] = m.Generator.Samples
	}

	var table strings.Builder
	fmt.Fprintf(&table, "%8s  %14s %11s %10s  %14s %11s %10s\n", "t", "attack RSS MB", "goroutines", "in flight", "users RSS MB", "goroutines", "in flight")
	a, u := samples["attack"], samples["users"]
	row := func(i, j int) {
		fmt.Fprintf(&table, "%8s  %14.1f %11d %10d  %14.1f %11d %10d\n", time.Duration(a[i].Offset).Round(time.Second),
			float64(a[i].RSS)/1e6, a[i].Goroutines, a[i].InFlight, float64(u[j].RSS)/1e6, u[j].Goroutines, u[j].InFlight)
	}
	row(0, 0)
	for i := 9; i < min(len(a), len(u))-1; i += 10 {
		row(i, i)
	}
	row(len(a)-1, len(u)-1) // after the run
	t.Logf("soak of %s, every 10 s:\n%s", length, table.String())

	for name, ss := range samples {
		for _, problem := range soakGrowth(ss) {
			t.Errorf("%s: %s", name, problem)
		}
	}
}

// soakGrowth says how a run's samples show a leak: the median resident
// memory of the last fifth more than 25% + 8 MB above that of the second
// fifth, or more than 5 goroutines left after the run (the last sample)
// beyond those of the first sample, a second into the run.
func soakGrowth(ss []results.GenSample) []string {
	n := len(ss)
	median := func(from, to int) float64 {
		v := make([]float64, 0, to-from)
		for _, s := range ss[from:to] {
			v = append(v, float64(s.RSS))
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	var out []string
	rss0, rss1 := median(n/5, 2*n/5), median(4*n/5, n)
	if rss0 > 0 && rss1 > 1.25*rss0+8e6 {
		out = append(out, fmt.Sprintf("resident memory grew from %.1f MB to %.1f MB (medians of the second and last fifths)", rss0/1e6, rss1/1e6))
	}
	// Goroutines left after the run (the last sample) against the run's
	// median: idle helpers and connections of the last requests may linger
	// for their idle timeout (10 s), so the count a second into the run,
	// before the load built up, is no bar (CI: 74 after a users run whose
	// first second had 32 and whose steady state had 175); a leak leaves
	// more than the steady state held.
	run := make([]int, 0, n-1)
	for _, s := range ss[:n-1] {
		run = append(run, s.Goroutines)
	}
	slices.Sort(run)
	if len(run) > 0 {
		if mid, last := run[len(run)/2], ss[n-1].Goroutines; last > mid+5 {
			out = append(out, fmt.Sprintf("%d goroutines after the run, %d at the run's median", last, mid))
		}
	}
	return out
}

func TestSoakGrowth(t *testing.T) {
	// Flat, with a burst of load (connections and their buffers) near the
	// end that does not leave goroutines behind.
	flat := make([]results.GenSample, 100)
	for i := range flat {
		flat[i] = results.GenSample{RSS: 30e6 + uint64(i%7)*1e6, Goroutines: 40 + i%9}
		if i >= 85 && i < 95 {
			flat[i].RSS, flat[i].Goroutines = 45e6, 700
		}
	}
	flat[99].Goroutines = 12
	flat[0].Goroutines = 10
	if p := soakGrowth(flat); len(p) != 0 {
		t.Errorf("flat samples: %q", p)
	}
	leak := make([]results.GenSample, 100)
	for i := range leak {
		leak[i] = results.GenSample{RSS: 30e6 + uint64(i)*1e6, Goroutines: 10 + i}
	}
	p := soakGrowth(leak)
	if len(p) != 2 || !strings.Contains(p[0], "resident memory grew from 60.0 MB to 120.0 MB") || !strings.Contains(p[1], "109 goroutines after the run, 59 at the run's median") {
		t.Errorf("growing samples: %q", p)
	}
	// Helpers and connections of the last requests linger after a users
	// run for their idle timeout: more than a second into the run, fewer
	// than its steady state (CI: 32, 175, 74).
	linger := make([]results.GenSample, 60)
	for i := range linger {
		linger[i] = results.GenSample{RSS: 28e6, Goroutines: 175}
	}
	linger[0].Goroutines, linger[59].Goroutines = 32, 74
	if p := soakGrowth(linger); len(p) != 0 {
		t.Errorf("lingering helpers: %q", p)
	}
}
