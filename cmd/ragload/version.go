package main

import (
	"runtime/debug"

	"github.com/spf13/cobra"

	ragversion "github.com/ragload/ragload/internal/version"
)

func newVersionCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the versions of ragload, Go and vegeta",
		Long: `Version prints ragload's version (set at build time, or the module
version), then the Go toolchain and the vegeta library it was built with,
one per line.

Shell completion scripts come from 'ragload completion {bash | zsh | fish |
powershell}'; 'ragload completion bash --help' says how to install one.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			bi, _ := debug.ReadBuildInfo()
			return ragversion.Write(s.Out, toolVersion(), bi)
		},
	}
}
