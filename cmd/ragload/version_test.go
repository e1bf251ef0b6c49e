package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	out, errOut, code := cli(t, "version")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	first := "ragload " + toolVersion()
	if toolVersion() == "dev" {
		first += unstampedNote
	}
	if len(lines) != 3 || lines[0] != first || lines[1] != "go "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH ||
		!strings.HasPrefix(lines[2], "vegeta v12.") {
		t.Errorf("version output:\n%s", out)
	}
	if _, errOut, code := cli(t, "version", "extra"); code != exitUsage {
		t.Errorf("version extra: exit %d: %s", code, errOut)
	}
}

func TestModuleVersion(t *testing.T) {
	bi := &debug.BuildInfo{Deps: []*debug.Module{
		{Path: "github.com/spf13/cobra", Version: "v1.10.2"},
		{Path: vegetaModule, Version: "v12.13.0", Replace: &debug.Module{Path: "../vegeta"}},
	}}
	if got := moduleVersion(bi, vegetaModule); got != "v12.13.0 (replaced by ../vegeta)" {
		t.Errorf("replaced: %q", got)
	}
	bi.Deps[1].Replace = nil
	if got := moduleVersion(bi, vegetaModule); got != "v12.13.0" {
		t.Errorf("plain: %q", got)
	}
	if got := moduleVersion(nil, vegetaModule); got != "unknown" {
		t.Errorf("no build info: %q", got)
	}
	var b bytes.Buffer
	if err := writeVersion(&b, &debug.BuildInfo{}); err != nil || !strings.HasSuffix(b.String(), "\nvegeta unknown\n") {
		t.Errorf("without the dependency: %q %v", b.String(), err)
	}
}

func TestCompletion(t *testing.T) {
	out, errOut, code := cli(t, "completion", "bash")
	if code != 0 || !strings.Contains(out, "bash completion V2 for ragload") {
		t.Fatalf("completion bash: exit %d, %d bytes\n%s", code, len(out), errOut)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"attack", "--arrivals", ""}, []string{"even\t", "poisson\t", ":4\n"}},
		{[]string{"users", "--format", ""}, []string{"text\n", "json\n", ":4\n"}},
		{[]string{"report", "--format", ""}, []string{"text\n", "json\n", ":4\n"}},
		{[]string{"targets", "--export", "vegeta-"}, []string{"vegeta-json\t", "vegeta-http\t", ":4\n"}},
		{[]string{"attack", "--scenario", ""}, []string{"yaml\n", "yml\n", ":8\n"}},
	} {
		out, errOut, code := cli(t, append([]string{"__complete"}, c.args...)...)
		if code != 0 {
			t.Fatalf("__complete %q: exit %d: %s", c.args, code, errOut)
		}
		wantContains(t, "completion of "+strings.Join(c.args, " "), out, c.want...)
	}
}

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

// TestBuildVersion: without -ldflags, the version comes from the build
// info: the module version of go install …@version, else the commit of a
// build in a clone, else "dev".
func TestBuildVersion(t *testing.T) {
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
		if got := buildVersion(c.bi); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
