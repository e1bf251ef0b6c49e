package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/ragload/ragload/attack"
)

// newGendocsCmd is the hidden `ragload gendocs <dir>` that writes the
// markdown reference of every command (docs/cli, via `make docs`).
func newGendocsCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:    "gendocs <dir>",
		Short:  "Write the markdown reference of every command into a directory",
		Hidden: true,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("%s needs exactly one directory, got %d arguments", c.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			n, err := genDocs(c.Root(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(s.ErrOut, "ragload: wrote %d pages to %s\n", n, args[0])
			return nil
		},
	}
}

// genDocs writes one markdown page per available command of root into dir,
// without cobra's date line (so the output is stable), and removes pages
// of commands that no longer exist. It returns the number of pages.
func genDocs(root *cobra.Command, dir string) (int, error) {
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

// completions are the values offered for flags of these names, on every
// command that has one (targets registers its --export itself). --format
// takes its values from the flag's help text instead ("report format: one
// of text, json, …"), which each command keeps in step with what it accepts.
var completions = map[string][]string{
	"arrivals": {attack.ArrivalsEven + "\texactly 1/rate apart", attack.ArrivalsPoisson + "\texponential gaps, seeded by --seed"},
}

// fileCompletions are the file extensions offered for flags of these names.
var fileCompletions = map[string][]string{
	"scenario":    {"yaml", "yml"},
	"credentials": {"csv"},
}

// addCompletions registers shell completions for the flags named in
// completions and fileCompletions on every command of the tree under root
// that has them, leaving alone flags that already have one. Call it after
// the commands are added.
func addCompletions(root *cobra.Command) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for name, values := range completions {
			register(c, name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
		if f := c.LocalFlags().Lookup("format"); f != nil {
			if values := usageValues(f.Usage); len(values) > 1 {
				register(c, "format", cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
			}
		}
		for name, exts := range fileCompletions {
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
