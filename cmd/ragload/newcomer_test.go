package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
)

// writeFile writes data to a file name in a new temporary folder.
func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestURLWithoutScheme: --url 127.0.0.1:8000 is bad input (exit 2, before
// anything is sent or written), and the message says to add http://.
// It was a run error (exit 3) in attack, users, replay and sweep.
func TestURLWithoutScheme(t *testing.T) {
	t.Parallel()
	stream := writeFile(t, "stream.jsonl", `{"offset_us":0,"endpoint":"GET /health","method":"GET","url":"/health"}`+"\n")
	for _, args := range [][]string{
		{"attack", "--rate", "5", "-d", "1s"},
		{"users", "-n", "1", "--run-time", "1s"},
		{"replay", stream},
		{"sweep", "--from", "5", "--to", "10", "--step-duration", "1s"},
		{"prepare", "--users", "1"},
		{"targets", "--export", "vegeta-json"},
	} {
		dir := runDir(t)
		args := append(args, "--url", "127.0.0.1:1", "-o", dir)
		if args[0] == "prepare" || args[0] == "targets" {
			args = args[:len(args)-2]
		}
		out, errOut, code := ragload(t, args...)
		want := `--url "127.0.0.1:1" has no scheme: want "http://127.0.0.1:1" (or https://…)`
		if code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, want 2 and %q\n%s\n%s", args[0], code, want, out, errOut)
		}
	}
}

// TestReportNotResults: report, compare and plot of a file that is not a
// results file say so, naming it, and exit 2 without a table (report
// printed an empty table and "cut short at byte 0 … damaged").
func TestReportNotResults(t *testing.T) {
	t.Parallel()
	readme := writeFile(t, "README.md", "# my service\n\nHow to run it.\n")
	doc := writeFile(t, "package.json", `{"name": "x", "version": "1.0.0"}`+"\n")
	for _, args := range [][]string{{"report", readme}, {"report", doc}, {"compare", readme, doc}, {"plot", doc, "-o", filepath.Join(t.TempDir(), "p.html")}} {
		out, errOut, code := ragload(t, args...)
		want := "error: " + args[1] + " is not a results file: "
		if code != exitUsage || out != "" || !strings.HasPrefix(errOut, want) || strings.Contains(errOut, "damaged") {
			t.Errorf("%s: exit %d, want 2 and %q\nstdout: %s\nstderr: %s", args, code, want, out, errOut)
		}
	}
}

// TestVegetaExportReplaysLoggedIn: targets exported by ragload hold no
// token; replaying them (--from-vegeta) or attacking with them
// (vegeta_targets) logs in for the routes that need it. Both had 88–92%
// 401s against the demo ("auth none").
func TestVegetaExportReplaysLoggedIn(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{QueryLatency: 5 * time.Millisecond, EnhancedLatency: 5 * time.Millisecond, Sigma: -1})
	dir := t.TempDir()
	exported := filepath.Join(dir, "targets.json")
	if out, errOut, code := ragload(t, "targets", "--export", "vegeta-json", "--url", url, "--count", "100", "-o", exported); code != exitOK {
		t.Fatalf("targets --export: exit %d\n%s\n%s", code, out, errOut)
	}
	scenario := writeFile(t, "imported.yaml", "name: imported\nvegeta_targets: "+exported+"\n")
	for name, args := range map[string][]string{
		"replay": {"replay", "--from-vegeta", exported, "--rate", "40", "-d", "1s"},
		"attack": {"attack", "-s", scenario, "--rate", "40", "-d", "1s"},
	} {
		run := filepath.Join(dir, name)
		out, errOut, code := ragload(t, append(args, "-u", url, "-o", run, "--min-samples", "1", "-q")...)
		if !ranOK(out, code) {
			t.Errorf("%s: exit %d\n%s\n%s", name, code, out, errOut)
			continue
		}
		m := readManifest(t, run)
		if m.Auth.Mode != "bearer" || m.Auth.Unauthorized != 0 || m.Completed != 40 {
			t.Errorf("%s: auth %+v, %d completed; want bearer, no 401 of 40", name, m.Auth, m.Completed)
		}
	}
}

// TestCompareDifferentPlans: runs of different plans are not compared
// (exit 2, naming both plans) unless --allow-different-plans, which
// compares them with a warning; it was a warning and exit 0.
func TestCompareDifferentPlans(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{QueryLatency: 5 * time.Millisecond, EnhancedLatency: 5 * time.Millisecond, Sigma: -1})
	dir := t.TempDir()
	runs := map[string][]string{
		"rate20": {"attack", "--rate", "20", "-d", "1s"},
		"rate30": {"attack", "--rate", "30", "-d", "1s"},
		"users":  {"users", "-n", "2", "--run-time", "1s", "--wait", "50ms"},
	}
	for name, args := range runs {
		if out, errOut, code := ragload(t, append(args, "-u", url, "-o", filepath.Join(dir, name), "--seed", "1", "--min-samples", "1", "-q")...); !ranOK(out, code) {
			t.Fatalf("%s: exit %d\n%s\n%s", name, code, out, errOut)
		}
	}
	base := filepath.Join(dir, "rate20")
	for _, c := range []struct{ other, plans string }{
		{"rate30", `has "attack: constant 20/s for 1s", ` + filepath.Join(dir, "rate30") + ` has "attack: constant 30/s for 1s"`},
		{"users", `has "attack: constant 20/s for 1s", ` + filepath.Join(dir, "users") + ` has "users: 2 users, spawn 10/s, for 1s (2 users)"`},
	} {
		other := filepath.Join(dir, c.other)
		out, errOut, code := ragload(t, "compare", base, other)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "error: the plans differ: "+base+" "+c.plans+": compare runs of one plan, or pass --allow-different-plans") {
			t.Errorf("compare with %s: exit %d, want 2 naming both plans\n%s\n%s", c.other, code, out, errOut)
		}
		out, errOut, code = ragload(t, "compare", "--allow-different-plans", base, other)
		if (code != exitOK && code != exitVerdict) || !strings.Contains(out, "the plans differ") {
			t.Errorf("compare --allow-different-plans with %s: exit %d, want a comparison that warns\n%s\n%s", c.other, code, out, errOut)
		}
	}
}

// TestUsersShareAccounts: more users than accounts says so, on stderr
// and in run.json; as many accounts as users says nothing.
func TestUsersShareAccounts(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{QueryLatency: 5 * time.Millisecond, EnhancedLatency: 5 * time.Millisecond, Sigma: -1})
	creds := filepath.Join(t.TempDir(), "credentials.csv")
	if out, errOut, code := ragload(t, "prepare", "--url", url, "--users", "2", "--credentials-out", creds, "-q"); code != exitOK {
		t.Fatalf("prepare: exit %d\n%s\n%s", code, out, errOut)
	}
	const want = "3 users share 2 accounts (1–2 users per account, each logged in on its own)"
	for users, shared := range map[string]bool{"3": true, "2": false} {
		dir := runDir(t)
		out, errOut, code := ragload(t, "users", "-u", url, "--credentials", creds, "-n", users, "-r", "0", "--run-time", "1s", "--wait", "50ms", "-o", dir, "--min-samples", "1", "-q")
		if !ranOK(out, code) {
			t.Fatalf("%s users: exit %d\n%s\n%s", users, code, out, errOut)
		}
		m := readManifest(t, dir)
		if got := strings.Contains(errOut, "ragload: warning: "+want) && slices.ContainsFunc(m.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }); got != shared {
			t.Errorf("%s users on 2 accounts: warned %v, want %v\nstderr: %s\nrun.json warnings: %q", users, got, shared, errOut, m.Warnings)
		}
		if !shared && (strings.Contains(errOut, "share") || len(m.Warnings) > 0) {
			t.Errorf("2 users on 2 accounts: stderr %q, warnings %q", errOut, m.Warnings)
		}
	}
}

// TestPrepareWritesUnderRuns: by default prepare writes the passwords to
// runs/credentials.csv (mode 0600, the folder created), not into the
// working folder, and attack --credentials reads them from there.
func TestPrepareWritesUnderRuns(t *testing.T) {
	t.Parallel()
	_, url := prepareDemo(t)
	work := t.TempDir()
	cmd := command(t, "prepare", "--url", url, "--users", "3")
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("prepare: %v\n%s", err, out)
	}
	want := filepath.Join("runs", "credentials.csv")
	if !strings.Contains(string(out), "wrote "+want+" (3 users, mode 0600)") {
		t.Errorf("prepare output, want it to name %s:\n%s", want, out)
	}
	st, err := os.Stat(filepath.Join(work, want))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, %v; want mode 0600", want, st, err)
	}
	if entries, _ := os.ReadDir(work); len(entries) != 1 || entries[0].Name() != "runs" {
		t.Errorf("the working folder holds %v, want only runs/", entries)
	}
	cmd = command(t, "attack", "--url", url, "--credentials", want, "--rate", "20", "-d", "1s", "--min-samples", "1", "-q", "-o", "runs/a")
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("attack with %s: %v\n%s", want, err, out)
	}
}

// TestGitignoreKeepsSecretsOut: what prepare, runs and builds write is
// ignored by git in a clone: the default credentials file, credentials
// files anywhere, env files, runs and binaries.
func TestGitignoreKeepsSecretsOut(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git on PATH")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".gitignore")); err != nil {
		t.Skipf("no .gitignore at the module root: %v", err)
	}
	repo := t.TempDir()
	data, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, ".gitignore"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(git, "init", "-q", repo).CombinedOutput(); err != nil {
		t.Skipf("git init: %v\n%s", err, out)
	}
	paths := []string{"runs/credentials.csv", "runs/base/results.bin", "credentials.csv", "staging-credentials.csv", "deploy/credentials.csv",
		"users.csv", ".env", "staging.env", "bin/ragload", "ragload"}
	for _, p := range paths {
		path := filepath.Join(repo, p)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(git, "-C", repo, "status", "--porcelain", "--untracked-files=all").CombinedOutput()
	if err != nil {
		t.Fatalf("git status: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "?? .gitignore" {
		t.Errorf("git status shows files that should be ignored:\n%s", got)
	}
}
