package web

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/results"
	rendering "github.com/ragload/ragload/results/render" // web has a func render
	"github.com/ragload/ragload/results/threshold"
)

// RunEntry is an earlier run in the list.
type RunEntry struct {
	Name    string    `json:"name"`
	Dir     string    `json:"dir"`
	Mode    string    `json:"mode"`
	Status  string    `json:"status"`
	Plan    string    `json:"plan"`
	Target  string    `json:"target"`
	Started time.Time `json:"started"`
}

func (s *Server) handleRuns(w http.ResponseWriter, _ *http.Request) {
	ents, err := os.ReadDir(s.cfg.RunsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	list := []RunEntry{}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(s.cfg.RunsDir, e.Name())
		m, err := results.ReadManifest(dir)
		if err != nil {
			continue
		}
		list = append(list, RunEntry{Name: e.Name(), Dir: dir, Mode: m.Mode, Status: string(m.Status),
			Plan: m.Plan.Description, Target: m.Target, Started: m.Started})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Started.After(list[j].Started) })
	writeJSON(w, http.StatusOK, list)
}

// handleReport renders the report of an earlier run (?run=name) as the
// report command prints it.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("run")
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		writeError(w, http.StatusBadRequest, fmt.Errorf("run %q: want a run's folder name", name))
		return
	}
	text, v, err := reportText(filepath.Join(s.cfg.RunsDir, name))
	if err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "report": text, "pass": v.Pass, "verdict": v.Word()})
}

// reportText loads a stored run and renders it with its own thresholds.
func reportText(dir string) (string, results.Verdict, error) {
	inputs, err := results.Resolve([]string{dir})
	if err != nil {
		return "", results.Verdict{}, err
	}
	rep, err := results.Load(inputs)
	if rep == nil {
		return "", results.Verdict{}, err
	}
	return render(rep, nil)
}

// render judges rep (by rules, or its manifest's) and renders it as text.
func render(rep *results.Report, rules []threshold.Threshold) (string, results.Verdict, error) {
	if rules == nil && rep.Manifest != nil {
		var err error // the CLI's report judges a stored run by the same rules
		if rules, err = runspec.ReportRules(nil, rep.Manifest, nil); err != nil {
			return "", results.Verdict{}, err
		}
	}
	var minSamples uint64
	if rep.Manifest != nil {
		minSamples = rep.Manifest.MinSamples
	}
	if err := rep.Judge(rules, minSamples); err != nil {
		return "", results.Verdict{}, err
	}
	var b bytes.Buffer
	if err := rendering.Write(&b, rendering.FormatText, rep); err != nil {
		return "", results.Verdict{}, err
	}
	return b.String(), rep.Verdict, nil
}
