package version

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestModule(t *testing.T) {
	bi := &debug.BuildInfo{Deps: []*debug.Module{
		{Path: "github.com/spf13/cobra", Version: "v1.10.2"},
		{Path: VegetaModule, Version: "v12.13.0", Replace: &debug.Module{Path: "../vegeta"}},
	}}
	if got := Module(bi, VegetaModule); got != "v12.13.0 (replaced by ../vegeta)" {
		t.Errorf("replaced: %q", got)
	}
	bi.Deps[1].Replace = nil
	if got := Module(bi, VegetaModule); got != "v12.13.0" {
		t.Errorf("plain: %q", got)
	}
	if got := Module(nil, VegetaModule); got != "unknown" {
		t.Errorf("no build info: %q", got)
	}
	var b bytes.Buffer
	if err := Write(&b, "v1.0.0", &debug.BuildInfo{}); err != nil || !strings.HasPrefix(b.String(), "ragload v1.0.0\ngo ") || !strings.HasSuffix(b.String(), "\nvegeta unknown\n") {
		t.Errorf("without the dependency: %q %v", b.String(), err)
	}
	b.Reset()
	if err := Write(&b, "dev", nil); err != nil || !strings.HasPrefix(b.String(), "ragload dev"+UnstampedNote+"\n") {
		t.Errorf("unstamped: %q %v", b.String(), err)
	}
}

func TestTool(t *testing.T) {
	if got := Tool("v9.9.9"); got != "v9.9.9" {
		t.Errorf("stamped: %q", got)
	}
	if got := Tool(""); got == "" {
		t.Error("unstamped: empty version")
	}
}

// TestBuild: without -ldflags, the version comes from the build info: the
// module version of go install …@version, else the commit of a build in a
// clone, else "dev".
func TestBuild(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "c07c5d8a1b2c3d4e5f60718293a4b5c6d7e8f901"
	for _, c := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"go install @version", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}, Settings: vcs(rev, "false")}, "v1.2.0"},
		{"pseudo-version", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261204020232-c07c5d8a1b2c+dirty"}}, "v0.0.0-20261204020232-c07c5d8a1b2c+dirty"},
		{"clone", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "false")}, "dev-c07c5d8a1b2c"},
		{"clone with changes", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "true")}, "dev-c07c5d8a1b2c-dirty"},
		{"no vcs", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"no build info", nil, "dev"},
	} {
		if got := Build(c.bi); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
