package attack

import (
	"fmt"
	"path/filepath"

	"github.com/ragload/ragload/results"
)

// ReportRules are the rules stored runs are judged by again: the
// thresholds and marks of their manifest m (nil: the default thresholds),
// with extra over them as Rules puts them. extra is checked first (a
// FieldError of "threshold"), then each rule of m, named by the manifest
// file of inputs it comes from and its index ("runs/a/run.json:
// thresholds[1]: …").
func ReportRules(inputs []results.Input, m *results.Manifest, extra []string) ([]results.Threshold, error) {
	if _, err := results.ParseThresholds(extra, false); err != nil {
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
			if _, err := results.ParseThreshold(e); err != nil {
				return nil, fmt.Errorf("%s: %s[%d]: %w", manifestPath(inputs), list.field, i, err)
			}
		}
	}
	return Rules(base, nil, marks, extra)
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
