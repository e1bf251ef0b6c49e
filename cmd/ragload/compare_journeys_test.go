package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareJourneysDemo: two runs of conversations against the demo
// API, the second with each chat turn costing three times the first's
// more than the one before (--chat-turn-cost 3), compare as a regression
// (exit 1) whose reasons name the conversation journey.
func TestCompareJourneysDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scenario := filepath.Join(dir, "chat.yaml")
	if err := os.WriteFile(scenario, []byte(`endpoints:
  - key: start_chat
    method: POST
    path: /api/v1/chat/
    auth: true
    json: {message: "{{query}}"}
  - key: follow_up
    method: POST
    path: /api/v1/chat/{{cid}}/messages
    auth: true
    json: {message: "{{query}}"}
journeys:
  - name: conversation
    steps:
      - endpoint: start_chat
        save: {cid: conversation_id}
      - endpoint: follow_up
        repeat: 3
`), 0o644); err != nil {
		t.Fatal(err)
	}
	runs := map[string]string{"base": filepath.Join(dir, "base"), "slower": filepath.Join(dir, "slower")}
	for name, cost := range map[string]string{"base": "0", "slower": "3"} {
		out, errOut, code := ragload(t, "demo", "--scenario", scenario, "--rate", "30", "-d", "2s", "--query-latency", "5ms",
			"--chat-turn-cost", cost, "--seed", "9", "-o", runs[name], "-q")
		if !ranOK(out, code) {
			t.Fatalf("%s: exit %d\n%s\n%s", name, code, out, errOut)
		}
	}
	out, errOut, code := ragload(t, "compare", runs["base"], runs["slower"])
	t.Logf("chat turns 3 times dearer:\n%s", out)
	verdict := out[max(strings.Index(out, "Verdict:"), 0):]
	if code != exitVerdict || !strings.Contains(verdict, "because journey conversation: p50 rose") || !strings.Contains(out, "│ conversation │ started") {
		t.Errorf("exit %d, want 1 with a reason on journey conversation's p50\n%s", code, errOut)
	}
}
