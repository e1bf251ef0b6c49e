package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocsJourneys runs the journeys example of docs/scenarios.md (the one
// the README points to) as it says: its scenario saved as journeys.yaml
// beside a documents/ folder, with its command, against the demo API: both
// journeys complete, none fails, and the verdict (with its journey
// thresholds) passes.
func TestDocsJourneys(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the journeys example of docs/scenarios.md against the demo for about 20 s")
	}
	t.Parallel()
	data, err := os.ReadFile("../../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	block := regexp.MustCompile("(?s)```yaml\n(endpoints:[^`]*?journeys:.*?)```").FindStringSubmatch(doc)
	if block == nil {
		t.Fatal("docs/scenarios.md has no yaml block with endpoints and journeys")
	}
	line := regexp.MustCompile("Saved as `journeys.yaml`, beside a folder `documents/`[^`]*`(ragload demo --scenario journeys.yaml [^`]*)`").FindStringSubmatch(strings.Join(strings.Fields(doc), " "))
	if line == nil {
		t.Fatal("docs/scenarios.md does not say how to run journeys.yaml against the demo")
	}
	for _, w := range []string{"save: {cid: conversation_id}", "{{cid}}", "repeat: 2-4", "until: {json: status, equals: ready", "upload:", "journey:conversation:p95<20s"} {
		if !strings.Contains(block[1], w) {
			t.Errorf("the journeys of docs/scenarios.md lack %q (the issue's example)", w)
		}
	}
	out, errOut, code := runReadmeCommand(t, line[1], map[string]string{"journeys.yaml": block[1],
		"documents/refunds.txt": "Refunds are issued within 30 days of purchase.\n"})
	busy := code == exitInconclusive && strings.Contains(out, "generator was saturated") // a busy machine, not ragload
	if code != exitOK && !busy {
		t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", line[1], code, exitOK, out, errOut)
	}
	for _, j := range []string{"conversation", "ask-about-upload"} {
		row := regexp.MustCompile(`│ ` + j + ` +│ +(\d+) │ +(\d+) │ +(\d+) │`).FindStringSubmatch(out)
		if row == nil || row[1] == "0" || row[1] != row[2] || row[3] != "0" {
			t.Errorf("journey %s: row %q, want all started completed and none failed:\n%s", j, row, out)
		}
	}
}
