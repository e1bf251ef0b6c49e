package plot

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ragload/ragload/internal/atomicfile"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/threshold"
)

// Input is one input of a page: a capacity sweep's directory (Sweep) or
// a run.
type Input struct {
	Sweep string
	Run   results.Input
}

// Inputs resolves paths in order: a directory holding a sweep.json (named
// or matched by a glob) is a capacity sweep, anything else goes through
// results.Resolve as a run. A glob that matches no sweep is resolved as it
// is, so runs/sweep1/step-* plots the steps as runs.
func Inputs(paths []string) ([]Input, error) {
	var out []Input
	runs := func(p string) error {
		ins, err := results.Resolve([]string{p})
		for _, in := range ins {
			out = append(out, Input{Run: in})
		}
		return err
	}
	for _, p := range paths {
		if !strings.ContainsAny(p, "*?[") {
			if IsSweepDir(p) {
				out = append(out, Input{Sweep: p})
			} else if err := runs(p); err != nil {
				return nil, err
			}
			continue
		}
		matches, err := filepath.Glob(p)
		if err != nil || !slices.ContainsFunc(matches, IsSweepDir) {
			if err := runs(p); err != nil { // the pattern's own errors
				return nil, err
			}
			continue
		}
		for _, m := range matches {
			if IsSweepDir(m) {
				out = append(out, Input{Sweep: m})
			} else if err := runs(m); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Target is the p95 target line of a page of inputs: the overall p95
// threshold of the first run's manifest, else DefaultTarget.
func Target(inputs []Input) time.Duration {
	for _, in := range inputs {
		m := in.Run.Manifest
		if in.Sweep != "" || m == nil {
			continue
		}
		ths, err := threshold.ParseAll(m.Thresholds, false)
		if err != nil {
			continue
		}
		for _, t := range ths {
			if t.Endpoint == "" && t.Journey == "" && t.Metric == "p95" && t.LimitDur > 0 {
				return t.LimitDur
			}
		}
		break
	}
	return DefaultTarget
}

// Added says what AddInputs drew.
type Added struct {
	Sweeps, Runs int
	// Damaged are the results files drawn up to where they are readable
	// (each a *results.DamagedError).
	Damaged []error
}

// AddInputs adds inputs in order: each sweep, and each run, the shards of
// a run (results.GroupShards) as one where its first shard comes. A
// damaged file is drawn up to the damage and listed in Added.Damaged;
// any other error stops.
func (p *Plot) AddInputs(inputs []Input) (Added, error) {
	var a Added
	var runs []results.Input
	for _, in := range inputs {
		if in.Sweep == "" {
			runs = append(runs, in.Run)
		}
	}
	groups := results.GroupShards(runs)
	first := map[string][]results.Input{}
	for _, g := range groups {
		first[g[0].Path] = g
	}
	for _, in := range inputs {
		if in.Sweep != "" {
			if err := p.AddSweepDir(in.Sweep); err != nil {
				return a, fmt.Errorf("sweep %s: %w", in.Sweep, err)
			}
			a.Sweeps++
			continue
		}
		g, ok := first[in.Run.Path]
		if !ok {
			continue // a later shard of a run already added
		}
		delete(first, in.Run.Path)
		err := p.AddShards(g)
		var de *results.DamagedError
		switch {
		case errors.As(err, &de):
			a.Damaged = append(a.Damaged, err)
		case err != nil:
			return a, err
		}
		a.Runs++
	}
	return a, nil
}

// WriteFile writes the page to path atomically (a failed write leaves no
// half page), or to stdout when path is "-"; it returns the bytes written.
func (p *Plot) WriteFile(path string, stdout io.Writer) (int64, error) {
	if path == "-" {
		return p.WriteTo(stdout)
	}
	n, err := atomicfile.Write(path, 0o644, p.WriteTo)
	if err != nil {
		return 0, fmt.Errorf("write plot %q: %w", path, err)
	}
	return n, nil
}
