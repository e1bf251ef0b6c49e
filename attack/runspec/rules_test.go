package runspec

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/ragload/ragload/results"
)

// TestReportRules: the manifest's rules with --threshold over them, the
// default without a manifest, and bad rules named by where they come from.
func TestReportRules(t *testing.T) {
	m := &results.Manifest{Thresholds: []string{"p95<1s", "failures<1%"}, Marks: []string{"p99<3s"}}
	inputs := []results.Input{{Path: "runs/x.bin", Files: []string{"runs/x.bin"}}, {Path: "runs/a", Manifest: m}}
	rules, err := ReportRules(inputs, m, []string{"p95<500ms"})
	if err != nil || len(rules) != 3 {
		t.Fatalf("%d rules, %v", len(rules), err)
	}
	if def, _ := Rules(nil, nil, nil, nil); len(def) == 0 {
		t.Fatal("no default rules")
	} else if rules, err := ReportRules(nil, nil, nil); err != nil || len(rules) != len(def) {
		t.Errorf("defaults: %d rules, %v", len(rules), err)
	}
	var fe *FieldError
	if _, err := ReportRules(inputs, m, []string{"p95<<1s"}); !errors.As(err, &fe) || fe.Field != "threshold" {
		t.Errorf("bad extra: %v", err)
	}
	m.Marks = []string{"p99<3s", "nope"}
	want := filepath.Join("runs", "a", results.ManifestFile) + ": marks[1]: "
	if _, err := ReportRules(inputs, m, nil); err == nil || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("bad mark: %v", err)
	}
	inputs = []results.Input{{Path: "runs/b/results.bin", Files: []string{"runs/b/results.bin"}, Manifest: m}}
	want = filepath.Join("runs", "b", results.ManifestFile) + ": marks[1]: "
	if _, err := ReportRules(inputs, m, nil); err == nil || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("bad mark beside a results file: %v", err)
	}
}
