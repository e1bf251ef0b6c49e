package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// vegetaModule is the module whose version `ragload version` reports.
const vegetaModule = "github.com/tsenart/vegeta/v12"

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
			return writeVersion(s.Out, bi)
		},
	}
}

// writeVersion prints three lines: "ragload <version>", "go <version>
// <os>/<arch>" and "vegeta <version>" (from bi; "unknown" without it).
func writeVersion(w io.Writer, bi *debug.BuildInfo) error {
	v := toolVersion()
	if v == "dev" {
		v += unstampedNote
	}
	_, err := fmt.Fprintf(w, "ragload %s\ngo %s %s/%s\nvegeta %s\n",
		v, runtime.Version(), runtime.GOOS, runtime.GOARCH, moduleVersion(bi, vegetaModule))
	return err
}

// unstampedNote follows "dev" when the build info holds no version: the
// build had neither -ldflags nor version control information (GOFLAGS=
// -buildvcs=false, or a copy of the source without .git).
const unstampedNote = " (no version stamped: build with 'make build' in a clone, or install with 'go install github.com/ragload/ragload/cmd/ragload@latest')"

// moduleVersion is the version of the dependency path in bi, following a
// replace directive.
func moduleVersion(bi *debug.BuildInfo, path string) string {
	if bi == nil {
		return "unknown"
	}
	for _, m := range bi.Deps {
		if m.Path != path {
			continue
		}
		if r := m.Replace; r != nil {
			if r.Version != "" {
				return r.Version + " (replaced by " + r.Path + ")"
			}
			return m.Version + " (replaced by " + r.Path + ")"
		}
		return m.Version
	}
	return "unknown"
}
