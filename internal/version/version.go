// Package version tells which ragload, Go toolchain and vegeta a binary
// was built with: the version stamped at link time, else the one the Go
// toolchain recorded in the build info.
package version

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// VegetaModule is the module whose version Write reports.
const VegetaModule = "github.com/tsenart/vegeta/v12"

// UnstampedNote follows "dev" when the build info holds no version: the
// build had neither -ldflags nor version control information (GOFLAGS=
// -buildvcs=false, or a copy of the source without .git).
const UnstampedNote = " (no version stamped: build with 'make build' in a clone, or install with 'go install github.com/ragload/ragload/cmd/ragload@latest')"

// Tool is ragload's version: stamped (set with -ldflags) when not empty,
// else the build info's (see Build).
func Tool(stamped string) string {
	if stamped != "" {
		return stamped
	}
	bi, _ := debug.ReadBuildInfo()
	return Build(bi)
}

// Build is the version the Go toolchain stamped into the binary: the
// module version of "go install …@v1.2.0" (or the pseudo-version Go 1.24
// and later give a build in a git clone), else "dev-" and the commit of a
// build in a clone ("-dirty" with uncommitted changes), else "dev" (a
// build with -buildvcs=false, or outside version control).
func Build(bi *debug.BuildInfo) string {
	if bi == nil {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	v := "dev-" + rev[:min(len(rev), 12)]
	if dirty {
		v += "-dirty"
	}
	return v
}

// Write prints three lines: "ragload <tool>", "go <version> <os>/<arch>"
// and "vegeta <version>" (from bi; "unknown" without it). A tool version
// of "dev" is followed by UnstampedNote.
func Write(w io.Writer, tool string, bi *debug.BuildInfo) error {
	if tool == "dev" {
		tool += UnstampedNote
	}
	_, err := fmt.Fprintf(w, "ragload %s\ngo %s %s/%s\nvegeta %s\n",
		tool, runtime.Version(), runtime.GOOS, runtime.GOARCH, Module(bi, VegetaModule))
	return err
}

// Module is the version of the dependency path in bi, following a
// replace directive.
func Module(bi *debug.BuildInfo, path string) string {
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
