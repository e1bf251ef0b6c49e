package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/targets/auth"
)

// TestSecretHygiene runs every mode that can carry a secret with
// distinctive passwords (from the environment, from flags, from a
// credentials file, a wrong one, the ones prepare makes up; with characters
// that URL-encoding and JSON escape) against demo APIs whose tokens live 2 s
// (so runs refresh them), with a password in --url and secret headers in
// the scenario of runs that --record, then greps every file the runs
// wrote, and every stdout and stderr, for each password (as is,
// URL-encoded and JSON-escaped), each issued token, its payload and its
// signature, the --url password and the header values, and for anything
// shaped like a JWT (the tokens of the demo APIs that ragload starts
// itself): zero hits.
//
// Two places hold secrets by design and are checked instead: the
// credentials file prepare writes (passwords, mode 0600) and the output of
// "targets --login" (bearer tokens, asked for; mode 0600 for a file, and a
// warning either way). Every other file must be clean.
func TestSecretHygiene(t *testing.T) {
	t.Parallel()
	tag := rand.Text()[:12] // [A-Z2-7]
	// The tail differs in a form, a URL path and JSON (with and without
	// HTML escaping): each form is a needle of its own.
	pw := func(what string) string { return "S3cr3t-pw-" + tag + "-" + what + `!<&"/ +>` }
	acct := func(what string) string { return what + "-" + tag + "@example.com" }
	users := map[string]string{acct("env"): pw("env"), acct("flag"): pw("flag")}
	in := t.TempDir() // inputs the test writes: not scanned
	var csvText strings.Builder
	cw := csv.NewWriter(&csvText) // quotes the passwords
	cw.Write([]string{"username", "password"})
	for i := range 3 {
		u, p := acct(fmt.Sprint("csv", i)), pw(fmt.Sprint("csv", i))
		users[u] = p
		cw.Write([]string{u, p})
	}
	cw.Flush()
	creds := filepath.Join(in, "creds.csv")
	if err := os.WriteFile(creds, []byte(csvText.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// Headers that carry secrets, in the scenario of runs that --record:
	// the recordings must not keep them.
	// X-Tenant's name says nothing: the scenario marks it secret.
	headerSecrets := map[string]string{"X-Api-Key": "api-key-" + tag, "X-Auth-Token": "auth-token-" + tag, "Api-Key": "apikey-" + tag, "X-Tenant": "tenant-" + tag}
	scenario := filepath.Join(in, "headers.yaml")
	os.WriteFile(scenario, []byte(fmt.Sprintf(`name: secret headers
secret_headers: [x-tenant]
endpoints:
  - key: query
    headers: {X-Api-Key: %s, X-Request-Source: hygiene, X-Tenant: %s}
  - key: health
    headers: {X-Auth-Token: %s, Api-Key: %s}
`, headerSecrets["X-Api-Key"], headerSecrets["X-Tenant"], headerSecrets["X-Auth-Token"], headerSecrets["Api-Key"])), 0o600)
	const urlPassword = "url-pw-secret"
	docs := filepath.Join(in, "docs")
	os.Mkdir(docs, 0o755)
	os.WriteFile(filepath.Join(docs, "a.md"), []byte("a document"), 0o644)

	srv, url := demoAPI(t, demo.Config{Users: users, RecordTokens: true, TokenTTL: 2 * time.Second,
		LoginLatency: -1, RegisterLatency: -1, UploadLatency: -1})
	root := t.TempDir() // every output goes below it: all scanned
	out := func(p ...string) string { return filepath.Join(append([]string{root}, p...)...) }
	for _, d := range []string{"prepare", "targets", "plot"} { // run directories are made by the runs
		if err := os.Mkdir(out(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	envOf := func(what string) []string {
		return []string{"LOAD_TEST_EMAIL=" + acct(what), "LOAD_TEST_PASSWORD=" + pw(what)}
	}
	failOK := []string{"-t", "failures<50%"} // a refresh may race a request into a 401; not what this test is about
	outs := &capturedOutputs{m: map[string]string{}}
	run := func(t *testing.T, name string, args ...string) {
		t.Helper()
		stdout, stderr, code := ragload(t, args...)
		outs.add(name, stdout, stderr)
		if !judged(code) {
			t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", name, code, stdout, stderr)
		}
	}

	// Phase 1: the modes that log in, side by side.
	t.Run("runs", func(t *testing.T) {
		t.Run("attack env", func(t *testing.T) {
			t.Parallel() // a child process: the environment is its own
			stdout, stderr, code := runChild(t, envOf("env"), append([]string{"attack", "-u", url, "--rate", "20", "-d", "1500ms", "-o", out("attack-env"),
				"-s", scenario, "--record", out("attack-env", "stream.jsonl"), "-f", "markdown"}, failOK...)...)
			outs.add("attack env", stdout, stderr)
			if !judged(code) {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
		})
		t.Run("attack flags", func(t *testing.T) {
			t.Parallel()
			// A password in the URL too: sent (as Basic auth), never stored.
			withUserinfo := strings.Replace(url, "http://", "http://admin:"+urlPassword+"@", 1)
			run(t, "attack flags", "attack", "-u", withUserinfo, "--username", acct("flag"), "--password", pw("flag"), "--rate", "20", "-d", "1s",
				"-o", out("attack-flags"), "-f", "json")
			wantContains(t, "attack with userinfo", outs.m["attack flags stderr"], "against http://admin:xxxxx@127.0.0.1:")
			wantContains(t, "attack with userinfo", outs.m["attack flags stdout"], `"target": "http://admin:xxxxx@127.0.0.1:`)
		})
		t.Run("attack csv", func(t *testing.T) {
			t.Parallel() // 3 s: the 2 s tokens are refreshed in the background
			run(t, "attack csv", append([]string{"attack", "-u", url, "--credentials", creds, "--rate", "20", "-d", "3s", "-o", out("attack-csv"),
				"--keep-bodies", "--record", out("attack-csv", "stream.jsonl")}, failOK...)...)
		})
		t.Run("users csv", func(t *testing.T) {
			t.Parallel() // users log in again themselves between requests
			run(t, "users csv", append([]string{"users", "-u", url, "--credentials", creds, "-n", "3", "-r", "0", "--run-time", "2500ms", "--wait", "100ms",
				"-s", scenario, "-o", out("users-csv"), "--keep-bodies", "--record", out("users-csv", "stream.jsonl")}, failOK...)...)
		})
		t.Run("sweep", func(t *testing.T) {
			t.Parallel()
			run(t, "sweep", append([]string{"sweep", "-u", url, "--username", acct("flag"), "--password", pw("flag"), "--steps", "10,20",
				"--step-duration", "1s", "--warmup", "200ms", "-o", out("sweep")}, failOK...)...)
		})
		t.Run("prepare", func(t *testing.T) {
			t.Parallel()
			run(t, "prepare", "prepare", "-u", url, "--users", "3", "--user-prefix", "prep-"+strings.ToLower(tag),
				"--credentials-out", out("prepare", "credentials.csv"), "--documents", docs)
			run(t, "prepare again", "prepare", "-u", url, "--users", "3", "--user-prefix", "prep-"+strings.ToLower(tag),
				"--credentials-out", out("prepare", "credentials.csv"))
			run(t, "prepared users", append([]string{"users", "-u", url, "--credentials", out("prepare", "credentials.csv"), "-n", "3", "-r", "0",
				"--run-time", "1s", "--wait", "100ms", "-o", out("prepared-users")}, failOK...)...)
		})
		t.Run("targets", func(t *testing.T) {
			t.Parallel()
			run(t, "targets plain", "targets", "--export", "vegeta-http", "-u", url, "-n", "50", "--seed", "1", "-o", out("targets", "plain.http"))
			run(t, "targets login file", "targets", "--export", "vegeta-json", "--login", "--credentials", creds, "-u", url, "-n", "50", "-o", out("targets", "authed.json"))
			run(t, "targets login stdout", "targets", "--export", "vegeta-json", "--login", "--username", acct("flag"), "--password", pw("flag"), "-u", url, "-n", "20")
		})
		t.Run("wrong password", func(t *testing.T) {
			t.Parallel()
			_, stderr, code := ragload(t, "attack", "-u", url, "--username", acct("flag"), "--password", pw("wrong"), "--rate", "10", "-d", "1s", "-o", out("wrong"))
			outs.add("wrong password", "", stderr)
			if code != exitRunError || !strings.Contains(stderr, acct("flag")) {
				t.Errorf("exit %d, want %d and the user named:\n%s", code, exitRunError, stderr)
			}
			run(t, "wrong password, anonymous", "attack", "-u", url, "--username", acct("flag"), "--password", pw("wrong"), "--allow-anonymous",
				"--rate", "10", "-d", "1s", "-o", out("wrong-anonymous"))
		})
		t.Run("demo", func(t *testing.T) {
			t.Parallel() // its own demo API: its tokens are caught by their JWT shape
			stdout, stderr, code := runChild(t, envOf("demo"), append([]string{"demo", "--rate", "10", "-d", "1s", "-o", out("demo"), "--record", out("demo", "stream.jsonl"),
				"--query-latency", "5ms", "--enhanced-latency", "10ms", "--documents-latency", "1ms", "--token-ttl", "2s", "-f", "junit"}, failOK...)...)
			outs.add("demo", stdout, stderr)
			if !judged(code) {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
		})
		t.Run("demo serve", func(t *testing.T) {
			t.Parallel()
			serveURL, stop := serveChild(t, envOf("serve"), "--query-latency", "5ms", "--enhanced-latency", "10ms", "--documents-latency", "1ms")
			run(t, "attack demo serve", "attack", "-u", serveURL, "--username", acct("serve"), "--password", pw("serve"), "--rate", "10", "-d", "1s",
				"-o", out("attack-serve"), "-f", "csv")
			outs.add("demo serve", "", stop())
		})
	})
	if t.Failed() {
		t.FailNow()
	}

	// Phase 2: replays of what phase 1 recorded and wrote.
	t.Run("replays", func(t *testing.T) {
		t.Run("stream", func(t *testing.T) {
			t.Parallel()
			run(t, "replay", append([]string{"replay", out("attack-env", "stream.jsonl"), "-u", url, "--credentials", creds, "--speed", "2",
				"-o", out("replay"), "--record", out("replay", "stream.jsonl")}, failOK...)...)
		})
		t.Run("tokens in vegeta targets", func(t *testing.T) {
			t.Parallel() // the targets hold bearer tokens: the import drops them and logs in itself
			run(t, "replay vegeta", "replay", "--from-vegeta", out("targets", "authed.json"), "--rate", "20", "-d", "1s", "-u", url,
				"--username", acct("flag"), "--password", pw("flag"), "-o", out("replay-vegeta"))
		})
	})
	if t.Failed() {
		t.FailNow()
	}

	// Phase 3: everything that reads runs back.
	t.Run("reports", func(t *testing.T) {
		runs := []string{"attack-env", "attack-flags", "attack-csv", "users-csv", "prepared-users", "wrong-anonymous", "attack-serve", "demo", "replay", "replay-vegeta"}
		for _, r := range runs {
			for _, f := range []string{"text", "json", "markdown", "csv", "junit"} {
				run(t, "report "+f+" "+r, "report", "-f", f, out(r))
			}
		}
		run(t, "report series", "report", "--every", "1s", "--by-endpoint", "-f", "csv", out("attack-csv"))
		run(t, "report results file", "report", "-f", "json", out("users-csv", "results.bin"))
		for _, f := range []string{"text", "json", "markdown"} {
			run(t, "report sweep "+f, "report", "-f", f, out("sweep"))
			run(t, "compare "+f, "compare", "--allow-different-plans", "-f", f, out("attack-csv"), out("attack-flags"))
		}
		run(t, "plot", append([]string{"plot", "-o", out("plot", "runs.html")}, prefixAll(root, runs)...)...)
		run(t, "plot sweep", "plot", "-o", out("plot", "sweep.html"), out("sweep"))
	})
	if t.Failed() {
		t.FailNow()
	}

	// The secrets: every password, and every token the test API issued,
	// whole, its payload (with its unique jti) and its signature, each in
	// every form it could be written in; the --url password; the secret
	// headers' values.
	type needle struct{ what, s string }
	var needles []needle
	add := func(what, secret string) {
		jsonHTML, _ := json.Marshal(secret)
		var jsonPlain bytes.Buffer
		enc := json.NewEncoder(&jsonPlain)
		enc.SetEscapeHTML(false)
		enc.Encode(secret)
		forms := []needle{{what, secret}, {what + ", URL-encoded", neturl.QueryEscape(secret)}, {what + ", path-escaped", neturl.PathEscape(secret)},
			{what + ", JSON-escaped", strings.Trim(string(jsonHTML), `"`)}, {what + ", JSON-escaped without HTML escapes", strings.Trim(strings.TrimSpace(jsonPlain.String()), `"`)}}
		for i, f := range forms {
			if !slices.ContainsFunc(forms[:i], func(o needle) bool { return o.s == f.s }) {
				needles = append(needles, f)
			}
		}
	}
	for u, p := range users {
		add("the password of "+u, p)
	}
	for _, what := range []string{"wrong", "demo", "serve"} {
		add("the "+what+" password", pw(what))
	}
	if len(needles) != 5*(len(users)+3) {
		t.Fatalf("%d needles for %d passwords: the passwords do not differ in their encoded forms", len(needles), len(users)+3)
	}
	add("the --url password", urlPassword)
	for h, v := range headerSecrets {
		add("the "+h+" header", v)
	}
	prepFile := out("prepare", "credentials.csv")
	prepared, err := auth.LoadCredentials(prepFile) // refuses the file unless it is private
	if err != nil || len(prepared) != 3 {
		t.Fatalf("the prepared credentials: %v, %v", prepared, err)
	}
	for _, c := range prepared {
		add("the password prepare made up for "+c.Username, c.Password)
	}
	tokens := srv.IssuedTokens()
	if len(tokens) < 15 {
		t.Errorf("the demo API issued only %d tokens; the runs should have logged in and refreshed more", len(tokens))
	}
	for i, tok := range tokens {
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("token %d is not a JWT", i)
		}
		add(fmt.Sprintf("token %d", i), tok)
		add(fmt.Sprintf("the payload of token %d", i), parts[1])
		add(fmt.Sprintf("the signature of token %d", i), parts[2])
	}
	jwt := regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}`)
	// find reports each secret found in b: where, at which byte offset
	// first, and how often.
	find := func(where string, b []byte) {
		t.Helper()
		report := func(first, n int, what string) {
			t.Helper()
			more := ""
			if n > 1 {
				more = fmt.Sprintf(" (%d times)", n)
			}
			t.Errorf("%s: offset %d: %s%s", where, first, what, more)
		}
		for _, nd := range needles {
			if n := bytes.Count(b, []byte(nd.s)); n > 0 {
				report(bytes.Index(b, []byte(nd.s)), n, nd.what)
			}
		}
		if locs := jwt.FindAllIndex(b, -1); len(locs) > 0 {
			report(locs[0][0], len(locs), fmt.Sprintf("a JWT (%.24s…)", b[locs[0][0]:locs[0][1]]))
		}
	}

	// The places that hold secrets by design, and hold them privately.
	allowed := map[string]string{
		prepFile:                      "the passwords prepare made up",
		out("targets", "authed.json"): "bearer tokens (targets --login -o)",
	}
	for path, what := range allowed {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
			t.Errorf("%s holds %s with mode %04o, want 0600", path, what, st.Mode().Perm())
		}
	}
	prepBytes, _ := os.ReadFile(prepFile)
	authed, _ := os.ReadFile(out("targets", "authed.json"))
	for _, c := range prepared { // the checks find what is there
		if !bytes.Contains(prepBytes, []byte(c.Password)) {
			t.Errorf("%s lacks the password of %s", prepFile, c.Username)
		}
	}
	if !slices.ContainsFunc(tokens, func(tok string) bool { return bytes.Contains(authed, []byte("Bearer "+tok)) }) || !jwt.Match(authed) {
		t.Errorf("targets --login -o wrote no issued token:\n%.300s", authed)
	}
	wantContains(t, "targets --login -o stderr", outs.m["targets login file stderr"], out("targets", "authed.json")+" (mode 0600) contains bearer tokens for 3 account(s)")
	// To stdout, tokens go when asked for (--login, no -o), with the warning.
	wantContains(t, "targets --login stderr", outs.m["targets login stdout stderr"], "warning: stdout contains bearer tokens for 1 account(s)")
	if !jwt.MatchString(outs.m["targets login stdout stdout"]) {
		t.Error("targets --login printed no token on stdout")
	}
	delete(outs.m, "targets login stdout stdout")
	// The recordings were made with the scenario's headers, less the secret
	// ones, and privately.
	for _, rec := range []string{"attack-env", "users-csv"} {
		path := out(rec, "stream.jsonl")
		b, _ := os.ReadFile(path)
		wantContains(t, path, string(b), `"X-Request-Source":["hygiene"]`)
		if st, err := os.Stat(path); err != nil || runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v, want 0600", path, err, st.Mode().Perm())
		}
	}
	// A run without --login writes no token, and says so.
	wantContains(t, "targets stderr", outs.m["targets plain stderr"], "warning: no Authorization header on the authenticated endpoints")

	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if _, ok := allowed[path]; ok {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files = append(files, rel)
		find(path, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range outs.m {
		find(name, []byte(text))
	}
	// What must have been scanned, so that a renamed output cannot pass
	// the test by not being there.
	for _, want := range []string{"attack-env/stream.jsonl", "attack-env/run.json", "attack-csv/results.bin", "users-csv/stream.jsonl",
		"sweep/sweep.json", "replay/stream.jsonl", "demo/stream.jsonl", "demo/results.bin", "plot/runs.html", "plot/sweep.html",
		"targets/plain.http", "prepared-users/run.json", "replay-vegeta/run.json", "wrong-anonymous/results.bin"} {
		if !slices.Contains(files, filepath.FromSlash(want)) {
			t.Errorf("%s was not written; scanned %q", want, files)
		}
	}
	t.Logf("scanned %d files, %d outputs for %d secrets (%d tokens) and JWTs", len(files), len(outs.m), len(needles), len(tokens))
}

// TestCredentialsFileMode: a credentials file that other users can read or
// write is refused, by every command that reads one, with exit code 2 and
// the fix, before anything is sent; one its group can read is used, with a
// warning (with --quiet too).
func TestCredentialsFileMode(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Windows permissions are not Unix modes: not checked")
	}
	srv, url := demoAPI(t, demo.Config{Users: map[string]string{"mode@example.com": "Mode-S3cret-pw"}, RegisterLatency: -1, LoginLatency: -1})
	dir := t.TempDir()
	file := filepath.Join(dir, "creds.csv")
	os.WriteFile(file, []byte("username,password\nmode@example.com,Mode-S3cret-pw\n"), 0o600)
	commands := map[string][]string{
		"attack":  {"attack", "--min-samples", "1", "-u", url, "--credentials", file, "--rate", "10", "-d", "500ms", "-q"},
		"users":   {"users", "-u", url, "--credentials", file, "-n", "1", "--run-time", "500ms", "-q"},
		"sweep":   {"sweep", "-u", url, "--credentials", file, "--steps", "10", "--step-duration", "500ms", "--warmup", "0s", "-q"},
		"targets": {"targets", "--login", "--credentials", file, "-u", url, "-n", "5"},
		"prepare": {"prepare", "-u", url, "--users", "1", "--credentials-out", file, "-q"},
	}
	os.Chmod(file, 0o644)
	want := "error: " + file + ": other users can read this credentials file (mode 0644): run chmod 600 " + file + "\n"
	for name, args := range commands {
		args = withOut(args, filepath.Join(dir, "refused-"+name))
		stdout, stderr, code := ragload(t, args...)
		if code != exitUsage || stderr != want || stdout != "" {
			t.Errorf("%s with a 0644 file: exit %d\nstdout: %q\nstderr: %q\nwant exit 2 and %q", name, code, stdout, stderr, want)
		}
	}
	if st := srv.Stats(); st.Logins != 0 || st.Registrations != 0 {
		t.Errorf("a refused file still led to %d logins and %d registrations", st.Logins, st.Registrations)
	}
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "mode@example.com") {
		t.Errorf("prepare changed the refused file:\n%s", b)
	}

	os.Chmod(file, 0o640)
	warning := "ragload: warning: " + file + ": members of its group can read this credentials file (mode 0640); chmod 600 " + file + " keeps it to you\n"
	for _, name := range []string{"attack", "targets"} {
		stdout, stderr, code := ragload(t, withOut(commands[name], filepath.Join(dir, "group-"+name))...)
		if !ranOK(stdout, code) || !strings.HasPrefix(stderr, warning) {
			t.Errorf("%s with a 0640 file: exit %d\nstderr: %q\nwant exit 0 and first %q\nstdout:\n%.500s", name, code, stderr, warning, stdout)
		}
	}
}

// withOut gives a run command its own run directory.
func withOut(args []string, dir string) []string {
	switch args[0] {
	case "attack", "users", "sweep":
		return append(slices.Clone(args), "-o", dir)
	}
	return args
}

func prefixAll(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(dir, n)
	}
	return out
}

// capturedOutputs collects the stdout and stderr of every command.
type capturedOutputs struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *capturedOutputs) add(name, stdout, stderr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[name+" stdout"] += stdout
	c.m[name+" stderr"] += stderr
}

// runChild runs ragload as a child process with env added to the
// environment, and returns its stdout, stderr and exit code.
func runChild(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := command(t, args...)
	cmd.Env = append(cmd.Env, env...) // the last value of a variable wins
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", args, err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// serveChild starts "ragload demo serve" as a child process with env and
// returns its URL and a function that stops it and returns its stderr.
func serveChild(t *testing.T, env []string, flags ...string) (string, func() string) {
	t.Helper()
	cmd := command(t, append([]string{"demo", "serve", "--addr", "127.0.0.1:0"}, flags...)...)
	cmd.Env = append(cmd.Env, env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var stderr strings.Builder
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			mu.Lock()
			stderr.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if _, rest, ok := strings.Cut(sc.Text(), "demo API on "); ok {
				u, _, _ := strings.Cut(rest, " ")
				select {
				case addr <- u:
				default:
				}
			}
		}
	}()
	stopped := false
	stop := func() string {
		if !stopped {
			stopped = true
			cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
			cmd.Wait()
		}
		mu.Lock()
		defer mu.Unlock()
		return stderr.String()
	}
	t.Cleanup(func() { stop() })
	select {
	case u := <-addr:
		return u, stop
	case <-time.After(10 * time.Second):
		t.Fatalf("demo serve did not start:\n%s", stop())
	}
	return "", nil
}

// TestPlainHTTPWarning: credentials sent to an http:// URL whose host is
// not loopback give one warning on stderr (with --quiet too), before the
// run, and in run.json; a loopback URL, or a run without a login, gives
// none. The host name is reserved (.test) and never resolved: the child's
// HTTP_PROXY is the demo API on loopback, which serves the proxied
// requests itself, so nothing leaves the machine.
func TestPlainHTTPWarning(t *testing.T) {
	t.Parallel()
	srv, api := demoAPI(t, demo.Config{Users: map[string]string{"plain@example.com": "Plain-S3cret-pw"}, LoginLatency: -1})
	const host = "ragload-api.example.test"
	env := []string{"HTTP_PROXY=" + api, "http_proxy=" + api, "NO_PROXY=", "no_proxy=",
		"LOAD_TEST_EMAIL=plain@example.com", "LOAD_TEST_PASSWORD=Plain-S3cret-pw"}
	dir := t.TempDir()
	stdout, stderr, code := runChild(t, env, "attack", "--min-samples", "1", "-u", "http://"+host, "--rate", "10", "-d", "500ms", "-q", "-o", filepath.Join(dir, "plain"))
	if !ranOK(stdout, code) {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	warning := "ragload: warning: credentials go over plain HTTP to " + host + ", which is not loopback: anyone on the way can read the passwords and tokens (use https://)\n"
	if !strings.HasPrefix(stderr, warning) || strings.Count(stderr, "plain HTTP") != 1 {
		t.Errorf("stderr:\n%s\nwant it to start with, once:\n%s", stderr, warning)
	}
	if st := srv.Stats(); st.Logins < 1 {
		t.Errorf("the demo API saw %d logins: the run did not go through the proxy", st.Logins)
	}
	m := readManifest(t, filepath.Join(dir, "plain"))
	if want := []string{strings.TrimSuffix(strings.TrimPrefix(warning, "ragload: warning: "), "\n")}; !slices.Equal(m.Warnings, want) {
		t.Errorf("run.json warnings = %q, want %q", m.Warnings, want)
	}

	// Loopback, and a scenario without a login: no warning.
	noLogin := filepath.Join(dir, "health.yaml")
	os.WriteFile(noLogin, []byte("endpoints: [{key: query, weight: 0}, {key: enhanced, weight: 0}, {key: documents, weight: 0}]\n"), 0o600)
	for name, args := range map[string][]string{
		"loopback": {"-u", api},
		"no login": {"-u", "http://" + host, "-s", noLogin},
	} {
		out := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		stdout, stderr, code := runChild(t, env, append([]string{"attack", "--min-samples", "1", "--rate", "10", "-d", "300ms", "-q", "-o", out}, args...)...)
		if !ranOK(stdout, code) || strings.Contains(stderr, "plain HTTP") {
			t.Errorf("%s: exit %d, stderr:\n%s", name, code, stderr)
		}
		if m := readManifest(t, out); m.Warnings != nil {
			t.Errorf("%s: run.json warnings = %q", name, m.Warnings)
		}
	}
}

// judged reports whether a run exited with a verdict, whichever: the
// secret-hygiene runs are short, and what they are judged is not the point.
func judged(code int) bool {
	return code == exitOK || code == exitVerdict || code == exitInconclusive
}
