package main

import (
	"runtime"
	"strings"
	"testing"

	ragversion "github.com/ragload/ragload/internal/version"
)

func TestVersion(t *testing.T) {
	out, errOut, code := cli(t, "version")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	first := "ragload " + toolVersion()
	if toolVersion() == "dev" {
		first += ragversion.UnstampedNote
	}
	if len(lines) != 3 || lines[0] != first || lines[1] != "go "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH ||
		!strings.HasPrefix(lines[2], "vegeta v12.") {
		t.Errorf("version output:\n%s", out)
	}
	if _, errOut, code := cli(t, "version", "extra"); code != exitUsage {
		t.Errorf("version extra: exit %d: %s", code, errOut)
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
