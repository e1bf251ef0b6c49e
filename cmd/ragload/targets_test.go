package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/export"
)

// cli runs ragload as Main does, with the commands of targets.go,
// version.go and docs.go and the flag completions added where root.go does
// not add them (yet).
func cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	root := newRootCmd(s)
	for _, c := range []*cobra.Command{newTargetsCmd(s, nil), newVersionCmd(s), newGendocsCmd(s)} {
		if !slices.ContainsFunc(root.Commands(), func(x *cobra.Command) bool { return x.Name() == c.Name() }) {
			root.AddCommand(c)
		}
	}
	addCompletions(root)
	started := false
	root.PersistentPreRun = func(*cobra.Command, []string) { started = true }
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(context.Background())
	var ue *usageError
	if err != nil && !started && !errors.As(err, &ue) {
		err = &usageError{err}
	}
	code := exitCode(s, cmd, err) // before reading errOut, which it writes
	return out.String(), errOut.String(), code
}

func TestNewTargetsCmd(t *testing.T) {
	tests := []struct{ name, args, wantErr string }{
		{name: "defaults", args: ""},
		{name: "http", args: "--export vegeta-http -o t.http -n 5 --seed 3"},
		{name: "bad export", args: "--export k6", wantErr: `--export "k6" isn't one of [vegeta-json vegeta-http]`},
		{name: "zero count", args: "--count 0", wantErr: "--count must be > 0, got 0"},
		{name: "bad url", args: "--url 127.0.0.1:8000", wantErr: `--url "127.0.0.1:8000" has no scheme: want "http://127.0.0.1:8000" (or https://…)`},
		{name: "other scheme", args: "--url ftp://127.0.0.1", wantErr: `--url "ftp://127.0.0.1": want http://host[:port]`},
		{name: "credentials without login", args: "--credentials users.csv", wantErr: "--credentials applies only with --login"},
		{name: "password without login", args: "--password x", wantErr: "--password applies only with --login"},
		{name: "positional argument", args: "out.json", wantErr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCmd(t, newTargetsCmd, tt.args)
			if expectErr(t, err, tt.wantErr) {
				return
			}
			if tt.name == "defaults" && (got.Export != export.VegetaJSON || got.Count != 1000 || got.URL != defaultExportURL || got.Seed == 0 || got.Login) {
				t.Errorf("defaults %+v", got)
			}
			if tt.name == "http" && (got.Export != export.VegetaHTTP || got.Count != 5 || got.Seed != 3 || got.Output != "t.http") {
				t.Errorf("options %+v", got)
			}
		})
	}
}

// readTargets decodes a file with vegeta's own targeter.
func readTargets(t *testing.T, path, format string) []vegeta.Target {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := vegeta.NewJSONTargeter(f, nil, nil)
	if format == vegeta.HTTPTargetFormat {
		tr = vegeta.NewHTTPTargeter(f, nil, nil)
	}
	tgts, err := vegeta.ReadAllTargets(tr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tgts
}

// checkMix checks the default scenario's mix in tgts: shares by route
// within 3 points, questions in the bodies, the base URL, and the
// Authorization header exactly when wantAuth (on authenticated routes).
func checkMix(t *testing.T, tgts []vegeta.Target, base string, wantAuth bool) {
	t.Helper()
	want := map[string]float64{"POST /api/v1/query/": 5.0 / 9, "POST /api/v1/query/enhanced": 2.0 / 9, "GET /health": 1.0 / 9, "GET /api/v1/documents/": 1.0 / 9}
	got := map[string]int{}
	for _, tg := range tgts {
		if !strings.HasPrefix(tg.URL, base+"/") {
			t.Fatalf("URL %q is not under %s", tg.URL, base)
		}
		route := tg.Method + " " + strings.TrimPrefix(tg.URL, base)
		got[route]++
		auth := tg.Header.Get("Authorization")
		switch {
		case route == "GET /health" && auth != "":
			t.Fatalf("/health carries %q", auth)
		case route != "GET /health" && wantAuth != strings.HasPrefix(auth, "Bearer "):
			t.Fatalf("%s: Authorization %q, want a token: %v", route, auth, wantAuth)
		}
		if tg.Method == "POST" {
			var body struct{ Query string }
			if err := json.Unmarshal(tg.Body, &body); err != nil || !slices.Contains(targets.DefaultQueries, body.Query) {
				t.Fatalf("%s: body %q has no built-in question (%v)", route, tg.Body, err)
			}
			if tg.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%s: header %v", route, tg.Header)
			}
		}
	}
	for route, share := range want {
		if g := float64(got[route]) / float64(len(tgts)); math.Abs(g-share) > 0.03 {
			t.Errorf("%s: share %.3f, want %.3f ± 0.03", route, g, share)
		}
	}
	if len(got) != len(want) {
		t.Errorf("routes %v", got)
	}
}

func TestTargetsExport(t *testing.T) {
	for _, export := range export.Formats() {
		t.Run(export, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "targets")
			out, errOut, code := cli(t, "targets", "--export", export, "--count", "2000", "--seed", "3", "-u", "http://api.test:9", "-o", path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing with -o", out)
			}
			wantContains(t, "stderr", errOut, "wrote 2000 "+export+" targets to "+path+" (seed 3)",
				"warning: no Authorization header on the authenticated endpoints (/query (basic), /query/enhanced, /documents (list))", "--login")
			format := strings.TrimPrefix(export, "vegeta-")
			tgts := readTargets(t, path, format)
			if len(tgts) != 2000 {
				t.Fatalf("%d targets", len(tgts))
			}
			checkMix(t, tgts, "http://api.test:9", false)
			if format == vegeta.HTTPTargetFormat {
				files, _ := filepath.Glob(path + ".bodies/*.json")
				if len(files) == 0 || len(files) > 2*len(targets.DefaultQueries) {
					t.Errorf("%d body files, want one per distinct body", len(files))
				}
			}
			// The same seed gives the same file.
			again := path + ".again"
			if _, errOut, code := cli(t, "targets", "--export", export, "--count", "2000", "--seed", "3", "-u", "http://api.test:9", "-o", again); code != 0 {
				t.Fatal(errOut)
			}
			a, _ := os.ReadFile(path)
			b, _ := os.ReadFile(again)
			if format == vegeta.HTTPTargetFormat {
				b = bytes.ReplaceAll(b, []byte(again+".bodies"), []byte(path+".bodies"))
			}
			if !bytes.Equal(a, b) {
				t.Error("the same --seed wrote different targets")
			}
		})
	}
}

// TestTargetsExportSecretHeaders: an export that holds a header that may
// carry a key (by its name, or marked in secret_headers) is written 0600,
// like one with tokens; one without stays 0644.
func TestTargetsExportSecretHeaders(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, scenario string
		mode           os.FileMode
	}{
		{"plain", "endpoints:\n  - key: health\n    headers: {X-Request-Source: test}\n", 0o644},
		{"api key", "endpoints:\n  - key: health\n    headers: {X-Api-Key: k}\n", 0o600},
		{"marked", "secret_headers: [X-Tenant]\nendpoints:\n  - key: health\n    headers: {x-tenant: k}\n", 0o600},
	} {
		sc := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
		if err := os.WriteFile(sc, []byte(c.scenario), 0o600); err != nil {
			t.Fatal(err)
		}
		path := sc + ".json"
		if _, errOut, code := cli(t, "targets", "--export", "vegeta-json", "--count", "3", "-s", sc, "-u", "http://api.test:9", "-o", path); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, code, errOut)
		}
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != c.mode {
			t.Errorf("%s: mode %v (%v), want %v", c.name, st.Mode().Perm(), err, c.mode)
		}
	}
}

func TestTargetsStdout(t *testing.T) {
	out, errOut, code := cli(t, "targets", "--export", "vegeta-json", "--count", "3", "--seed", "42")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], `{"method":`) {
		t.Errorf("stdout:\n%s", out)
	}
	wantContains(t, "stderr", errOut, "wrote 3 vegeta-json targets to stdout (seed 42)")
	_, errOut, code = cli(t, "targets", "--export", "vegeta-http", "--count", "3")
	if code != exitUsage || !strings.Contains(errOut, "--export vegeta-http writes bodies to files next to the output: give --output") {
		t.Errorf("http to stdout: exit %d: %s", code, errOut)
	}
}

// TestTargetsLoginRoundTrip exports with --login from the demo API, then
// runs an attack whose scenario reads that file (vegeta_targets): ragload
// drops the stored tokens, logs in itself, and reports the routes.
func TestTargetsLoginRoundTrip(t *testing.T) {
	_, url := demoAPI(t, demo.Config{})
	dir := t.TempDir()
	path := filepath.Join(dir, "authed.json")
	if err := os.WriteFile(path, nil, 0o644); err != nil { // an existing file is made private
		t.Fatal(err)
	}
	_, errOut, code := cli(t, "targets", "-u", url, "--login", "--username", demo.DefaultUsername, "--password", demo.DefaultPassword,
		"--count", "300", "--seed", "5", "-o", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantContains(t, "stderr", errOut, "warning: "+path+" (mode 0600) contains bearer tokens for 1 account(s), valid until ", "keep it private")
	if strings.Contains(errOut, demo.DefaultPassword) {
		t.Errorf("stderr shows the password: %s", errOut)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	checkMix(t, readTargets(t, path, vegeta.JSONTargetFormat), url, true)

	scenario := filepath.Join(dir, "scenario.yaml")
	if err := os.WriteFile(scenario, []byte("name: from-vegeta\nvegeta_targets: authed.json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := ragload(t, "attack", "--min-samples", "1", "-u", url, "-s", scenario, "--rate", "60", "-d", "1s", "--seed", "5", "-o", runDir(t), "-q",
		"--username", demo.DefaultUsername, "--password", demo.DefaultPassword)
	if code != 0 {
		t.Fatalf("attack: exit %d\n%s\n%s", code, out, errOut)
	}
	// PASS means under 1% failures: ragload's own token was accepted.
	wantContains(t, "report", out, "auth bearer", "POST /api/v1/query/", "POST /api/v1/query/enhanced", "GET /health", "GET /api/v1/documents/", "Verdict: PASS")
}

// TestReportVegetaResults runs vegeta's own attacker, stores its results
// with vegeta's encoder, and reads them with `ragload report`.
func TestReportVegetaResults(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/query/" {
			time.Sleep(2 * time.Millisecond)
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	tr := vegeta.NewStaticTargeter(
		vegeta.Target{Method: "GET", URL: srv.URL + "/health"},
		vegeta.Target{Method: "POST", URL: srv.URL + "/api/v1/query/", Body: []byte(`{"query":"hi"}`)},
		vegeta.Target{Method: "POST", URL: srv.URL + "/api/v1/query/", Body: []byte(`{"query":"ho"}`)},
	)
	path := filepath.Join(t.TempDir(), "results.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := vegeta.NewEncoder(f)
	atk := vegeta.NewAttacker()
	n := 0
	for res := range atk.Attack(tr, vegeta.Rate{Freq: 60, Per: time.Second}, time.Second, "vegeta-run") {
		if err := enc.Encode(res); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := ragload(t, "report", "--min-samples", "1", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantContains(t, "report", out, "GET /health", "POST /api/v1/query/", "Verdict: PASS")
	if n < 50 {
		t.Errorf("vegeta sent %d requests, want about 60", n)
	}
}

// TestTargetsLoginInGitWorkTree: a --login export that lands in a git work
// tree which does not ignore it says to keep it out of git; one under an
// ignored folder (runs/, made by --output) or outside any work tree says
// nothing of git.
func TestTargetsLoginInGitWorkTree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git binary")
	}
	_, url := demoAPI(t, demo.Config{})
	repo := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	if err := os.WriteFile(filepath.Join(repo, ".gitignore"), []byte("/runs/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	export := func(path string) string {
		t.Helper()
		_, errOut, code := cli(t, "targets", "-u", url, "--login", "--username", demo.DefaultUsername, "--password", demo.DefaultPassword,
			"--count", "5", "--seed", "5", "-o", path)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return errOut
	}
	tracked := filepath.Join(repo, "tok-targets.json")
	wantContains(t, "stderr", export(tracked), "warning: "+tracked+" is inside the git work tree "+repo+", which does not ignore it: keep it out of git")
	for _, path := range []string{filepath.Join(repo, "runs", "tok-targets.json"), filepath.Join(t.TempDir(), "tok-targets.json")} {
		if errOut := export(path); strings.Contains(errOut, "git") {
			t.Errorf("%s: stderr speaks of git:\n%s", path, errOut)
		}
		if _, err := os.Stat(path); err != nil {
			t.Error(err)
		}
	}
}
