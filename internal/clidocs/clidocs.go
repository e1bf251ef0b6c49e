// Package clidocs documents a cobra command tree: a markdown page per
// command (docs/cli) and shell completions of its flags' values.
package clidocs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Write writes one markdown page per available command of root into dir,
// without cobra's date line (so the output is stable), and removes pages
// of commands that no longer exist. It returns the number of pages.
func Write(root *cobra.Command, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("docs: %w", err)
	}
	var walk func(*cobra.Command)
	want := map[string]bool{}
	walk = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		if c == root || (c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand()) {
			want[strings.ReplaceAll(c.CommandPath(), " ", "_")+".md"] = true
			for _, sub := range c.Commands() {
				walk(sub)
			}
		}
	}
	walk(root)
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		return 0, fmt.Errorf("docs: %w", err)
	}
	stale, err := filepath.Glob(filepath.Join(dir, root.Name()+"*.md"))
	if err != nil {
		return 0, fmt.Errorf("docs: %w", err)
	}
	for _, p := range stale {
		if !want[filepath.Base(p)] {
			if err := os.Remove(p); err != nil {
				return 0, fmt.Errorf("docs: %w", err)
			}
		}
	}
	return len(want), nil
}

// AddCompletions registers shell completions on every command of the tree
// under root, for the flags it has, leaving alone flags that already have
// one: values offers fixed values ("value\tdescription") for flags of
// these names, files the file extensions for flags of these names, and a
// --format flag offers the choices its help text ends with ("report
// format: one of text, json, …"). Call it after the commands are added.
func AddCompletions(root *cobra.Command, values, files map[string][]string) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for name, values := range values {
			register(c, name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
		if f := c.LocalFlags().Lookup("format"); f != nil {
			if values := usageValues(f.Usage); len(values) > 1 {
				register(c, "format", cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
			}
		}
		for name, exts := range files {
			register(c, name, func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return exts, cobra.ShellCompDirectiveFilterFileExt
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func register(c *cobra.Command, flag string, fn cobra.CompletionFunc) {
	if c.LocalFlags().Lookup(flag) == nil {
		return
	}
	if _, done := c.GetFlagCompletionFunc(flag); done {
		return
	}
	_ = c.RegisterFlagCompletionFunc(flag, fn) // cannot fail: the flag exists and has no completion yet
}

// usageValues reads the choices at the end of a flag's help text, "…: a, b
// or c" or "…: one of a, b, c", or returns nil when the text does not end
// in plain words so.
func usageValues(usage string) []string {
	i := strings.LastIndex(usage, ": ")
	if i < 0 {
		return nil
	}
	list := strings.TrimPrefix(usage[i+2:], "one of ")
	var out []string
	for _, part := range strings.Split(strings.ReplaceAll(list, " or ", ", "), ", ") {
		v := strings.TrimSpace(part)
		if v == "" || strings.Trim(v, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != "" {
			return nil
		}
		out = append(out, v)
	}
	return out
}
