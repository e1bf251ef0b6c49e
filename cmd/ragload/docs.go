package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/internal/clidocs"
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
			n, err := clidocs.Write(c.Root(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(s.ErrOut, "ragload: wrote %d pages to %s\n", n, args[0])
			return nil
		},
	}
}

// completions are the values offered for flags of these names, on every
// command that has one (targets registers its --export itself). --format
// takes its values from the flag's help text instead ("report format: one
// of text, json, …"), which each command keeps in step with what it accepts.
var completions = map[string][]string{
	"arrivals": {plan.ArrivalsEven + "\texactly 1/rate apart", plan.ArrivalsPoisson + "\texponential gaps, seeded by --seed"},
}

// fileCompletions are the file extensions offered for flags of these names.
var fileCompletions = map[string][]string{
	"scenario":    {"yaml", "yml"},
	"credentials": {"csv"},
}

// addCompletions registers the completions above on every command of the
// tree under root that has such flags. Call it after the commands are added.
func addCompletions(root *cobra.Command) { clidocs.AddCompletions(root, completions, fileCompletions) }
