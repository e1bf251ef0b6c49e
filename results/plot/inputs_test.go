package plot

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
)

// TestInputsSortsSweepsAndRuns resolves named sweeps and runs, a glob
// matching a sweep beside runs, and a glob of a sweep's steps (runs),
// in order; the target is the first run's p95 threshold.
func TestInputsSortsSweepsAndRuns(t *testing.T) {
	parent := t.TempDir()
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	sweep := writeSweep(t, parent, "sweep1", searchSweep(),
		runSpec{name: stepName(10), start: start, duration: 2 * time.Second, rate: 10, seed: 1})
	base := writeRun(t, parent, runSpec{name: "base", start: start, duration: 2 * time.Second, rate: 10, seed: 2})
	m, err := results.ReadManifest(base)
	if err != nil {
		t.Fatal(err)
	}
	m.Thresholds = []string{"query:p95<100ms", "journey:chat:p95<20s", "p95<1500ms"}
	if err := results.WriteManifest(base, m); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		paths []string
		want  []string // "sweep:<dir>" or the run's path
	}{
		{[]string{sweep, base}, []string{"sweep:" + sweep, base}},
		{[]string{filepath.Join(parent, "*")}, []string{base, "sweep:" + sweep}},
		{[]string{filepath.Join(sweep, "step-*")}, []string{filepath.Join(sweep, stepName(10))}},
	} {
		ins, err := Inputs(tt.paths)
		if err != nil {
			t.Fatalf("Inputs(%q): %v", tt.paths, err)
		}
		var got []string
		for _, in := range ins {
			if in.Sweep != "" {
				got = append(got, "sweep:"+in.Sweep)
			} else {
				got = append(got, in.Run.Path)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("Inputs(%q) = %q, want %q", tt.paths, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Inputs(%q) = %q, want %q", tt.paths, got, tt.want)
				break
			}
		}
	}
	ins, _ := Inputs([]string{sweep, base})
	if got := Target(ins); got != 1500*time.Millisecond {
		t.Errorf("target %s, want the first run's overall p95<1500ms (not the query's, the journey's, nor the sweep's)", got)
	}
	if got := Target(ins[:1]); got != DefaultTarget {
		t.Errorf("target of a sweep alone %s, want the default %s", got, DefaultTarget)
	}
	if _, err := Inputs([]string{filepath.Join(parent, "none")}); err == nil {
		t.Error("a missing path: no error")
	}
}

// TestAddInputsShardsOnce draws the shards of a run as one run, where
// its first shard comes, and a sweep beside it.
func TestAddInputsShardsOnce(t *testing.T) {
	parent := t.TempDir()
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var paths []string
	for i := range 2 {
		dir := writeRun(t, parent, runSpec{name: stepName(float64(i)), start: start, duration: 2 * time.Second, rate: 10, seed: uint64(i)})
		m, err := results.ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		m.RunID, m.Shard = "r1", &results.ShardInfo{Index: i, Count: 2}
		if err := results.WriteManifest(dir, m); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, dir)
	}
	paths = append(paths, writeSweep(t, parent, "sweep1", searchSweep()))
	ins, err := Inputs(paths)
	if err != nil {
		t.Fatal(err)
	}
	p := New()
	added, err := p.AddInputs(ins)
	if err != nil || added.Runs != 1 || added.Sweeps != 1 || len(added.Damaged) != 0 {
		t.Fatalf("added %+v, %v; want 1 run (two shards) and 1 sweep", added, err)
	}
	var buf bytes.Buffer
	if _, err := p.WriteFile("-", &buf); err != nil || !bytes.Contains(buf.Bytes(), []byte("r1")) {
		t.Errorf("page to stdout: %d bytes, %v; want the run labeled by its run id", buf.Len(), err)
	}
	out := filepath.Join(parent, "page.html")
	if n, err := p.WriteFile(out, nil); err != nil || n != int64(buf.Len()) {
		t.Errorf("page to %s: %d bytes, %v; want %d", out, n, err, buf.Len())
	}
}
