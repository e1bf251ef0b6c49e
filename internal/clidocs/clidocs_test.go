package clidocs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestUsageValues(t *testing.T) {
	for in, want := range map[string]string{
		"report format: text or json":                       "text json",
		"report format: text, json, markdown, csv or junit": "text json markdown csv junit",
		"format: vegeta-json or vegeta-http":                "vegeta-json vegeta-http",
		"report format: one of text, json, markdown":        "text json markdown",
		"the report's format (see the README)":              "",
		`request spacing: "even" or "poisson"`:              "",
	} {
		if got := strings.Join(usageValues(in), " "); got != want {
			t.Errorf("usageValues(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWrite: a page per available command, none for hidden ones, stale
// pages of the tool removed and other files kept.
func TestWrite(t *testing.T) {
	root := &cobra.Command{Use: "tool", Short: "a tool"}
	root.AddCommand(&cobra.Command{Use: "run", Short: "runs", Run: func(*cobra.Command, []string) {}},
		&cobra.Command{Use: "secret", Short: "hidden", Hidden: true, Run: func(*cobra.Command, []string) {}})
	dir := t.TempDir()
	for _, f := range []string{"tool_gone.md", "notes.md"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n, err := Write(root, dir)
	if err != nil || n != 2 {
		t.Fatalf("Write: %d pages, %v", n, err)
	}
	got, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for i := range got {
		got[i] = filepath.Base(got[i])
	}
	if want := []string{"notes.md", "tool.md", "tool_run.md"}; !slices.Equal(got, want) {
		t.Errorf("pages %q, want %q", got, want)
	}
}
