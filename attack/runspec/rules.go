package runspec

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/threshold"
)

// ReportRules are the rules stored runs are judged by again: the
// thresholds and marks of their manifest m (nil: the default thresholds)
// and ImpliedChecks when its scenario has checks, with extra over them as
// Rules puts them. extra is checked first (a FieldError of "threshold"),
// then each rule of m, named by the manifest file of inputs it comes from
// and its index ("runs/a/run.json: thresholds[1]: …").
func ReportRules(inputs []results.Input, m *results.Manifest, extra []string) ([]threshold.Threshold, error) {
	if _, err := threshold.ParseAll(extra, false); err != nil {
		return nil, fieldErrorf("threshold", ": %w", err)
	}
	var base, marks []string
	if m != nil {
		base, marks = m.Thresholds, m.Marks
	}
	for _, list := range []struct {
		field string
		exprs []string
	}{{"thresholds", base}, {"marks", marks}} {
		for i, e := range list.exprs {
			if _, err := threshold.Parse(e); err != nil {
				return nil, fmt.Errorf("%s: %s[%d]: %w", manifestPath(inputs), list.field, i, err)
			}
		}
	}
	var implied []string
	if m != nil && len(m.Scenario.Checks) > 0 { // a run stored without it (an attack.Job built by hand)
		implied = []string{ImpliedChecks}
	}
	return Rules(base, implied, marks, extra)
}

// manifestPath names the manifest a report takes its thresholds from: the
// first input's that has one.
func manifestPath(inputs []results.Input) string {
	for _, in := range inputs {
		if in.Manifest != nil {
			dir := in.Path
			if len(in.Files) == 1 && in.Files[0] == in.Path { // a results file beside its manifest
				dir = filepath.Dir(in.Path)
			}
			return filepath.Join(dir, results.ManifestFile)
		}
	}
	return results.ManifestFile
}

// Rules are the rules a run is judged by: thresholds (nil: the default
// ones) and those its scenario and mode imply (ImpliedChecks, users>=N)
// unless a threshold judges the same metric of the same scope, the marks,
// and extra rules over them (one on the same metric replaces it).
func Rules(thresholds, implied, marks, extra []string) ([]threshold.Threshold, error) {
	if _, err := threshold.ParseAll(extra, false); err != nil {
		return nil, fieldErrorf("threshold", ": %w", err)
	}
	if thresholds == nil {
		thresholds = threshold.Defaults
	}
	all := append([]string{}, thresholds...)
	given, _ := threshold.ParseAll(thresholds, false) // an error is threshold.Rules' to return
	for _, e := range implied {
		t, err := threshold.Parse(e)
		if err != nil || !slices.ContainsFunc(given, func(g threshold.Threshold) bool { return g.Endpoint == t.Endpoint && g.Metric == t.Metric }) {
			all = append(all, e)
		}
	}
	return threshold.Rules(all, marks, extra)
}

// ImpliedChecks is the rule a scenario with response checks is judged by
// besides its thresholds: a degraded service that answers 200 with the
// wrong content fails without the user writing a rule.
const ImpliedChecks = "checks<1%"
