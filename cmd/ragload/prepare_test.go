package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/prepare"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// prepareCmd runs the prepare command in-process (root.go does not know it
// yet) and returns stdout, stderr, the exit code root would give, and the
// error.
func prepareCmd(t *testing.T, args ...string) (string, string, int, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	cmd := newPrepareCmd(s, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(t.Context())
	return out.String(), errOut.String(), exitCode(&streams{Out: io.Discard, ErrOut: io.Discard}, cmd, err), err
}

// prepareDemo starts the demo API with no delay on the routes prepare uses.
func prepareDemo(t *testing.T) (*demo.Server, string) {
	t.Helper()
	return demoAPI(t, demo.Config{RegisterLatency: -1, LoginLatency: -1, UploadLatency: -1, DocumentsLatency: -1})
}

func TestNewPrepareCmd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	docs := filepath.Join(dir, "docs")
	os.Mkdir(docs, 0o755)
	os.WriteFile(filepath.Join(docs, "a.md"), []byte("a"), 0o644)
	creds := filepath.Join(dir, "c.csv")
	tests := []struct {
		name, args, wantErr string
		check               func(*testing.T, prepare.Config)
	}{
		{name: "defaults", args: "-u http://127.0.0.1:1 --users 3", check: func(t *testing.T, c prepare.Config) {
			if c.Users != 3 || c.CredentialsFile != filepath.Join("runs", "credentials.csv") || c.UserPrefix != prepare.DefaultUserPrefix ||
				c.RegisterPath != prepare.DefaultRegisterPath || c.UploadPath != prepare.DefaultUploadPath ||
				c.DocumentsPath != prepare.DefaultDocumentsPath || c.Auth != targets.Default().Auth || c.Documents != "" {
				t.Errorf("config %+v", c)
			}
		}},
		{name: "everything", args: "-u https://h --users 1000 --credentials-out " + creds + " --user-prefix qa --register-path /r --documents " + docs +
			" --upload-path /u --documents-path /d", check: func(t *testing.T, c prepare.Config) {
			if c.Users != 1000 || c.CredentialsFile != creds || c.UserPrefix != "qa" || c.RegisterPath != "/r" || c.Documents != docs ||
				c.UploadPath != "/u" || c.DocumentsPath != "/d" {
				t.Errorf("config %+v", c)
			}
		}},
		{name: "documents only", args: "-u http://h --documents " + docs + " --username me@x --password pw", check: func(t *testing.T, c prepare.Config) {
			if c.Users != 0 || c.Login != (auth.Credential{Username: "me@x", Password: "pw"}) {
				t.Errorf("config %+v", c)
			}
		}},
		{name: "missing url", args: "--users 3", wantErr: "--url is required"},
		{name: "nothing to do", args: "-u http://h", wantErr: "give --users N, --documents DIR, or both"},
		{name: "negative users", args: "-u http://h --users -1", wantErr: "--users must be >= 0, got -1"},
		{name: "bad credentials-out folder", args: "-u http://h --users 2 --credentials-out " + filepath.Join(dir, "nope", "c.csv"), wantErr: "does not exist"},
		{name: "credentials-out is a folder", args: "-u http://h --users 2 --credentials-out " + dir, wantErr: "is not a regular file"},
		{name: "missing documents", args: "-u http://h --documents " + filepath.Join(dir, "nope"), wantErr: "--documents"},
		{name: "username with users", args: "-u http://h --users 2 --username me@x", wantErr: "--username/--password apply only with --users 0"},
		{name: "relative path", args: "-u http://h --users 2 --register-path register", wantErr: `--register-path "register" must start with /`},
		{name: "bad url", args: "-u localhost:8000 --users 2", wantErr: `--url "localhost:8000" has no scheme: want "http://localhost:8000"`},
		{name: "bad prefix", args: "-u http://h --users 2 --user-prefix a,b", wantErr: `--user-prefix "a,b"`},
		{name: "zero timeout", args: "-u http://h --users 2 --timeout 0s", wantErr: "--timeout must be > 0"},
		{name: "positional argument", args: "-u http://h --users 2 extra", wantErr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCmd(t, newPrepareCmd, tt.args)
			if expectErr(t, err, tt.wantErr) {
				if ue := (*usageError)(nil); !errors.As(err, &ue) {
					t.Errorf("err = %v (%T), want a usage error", err, err)
				}
				if got != nil {
					t.Error("the run function was called")
				}
				return
			}
			tt.check(t, got.config)
		})
	}
}

func TestPrepareCommand(t *testing.T) {
	t.Parallel()
	srv, url := prepareDemo(t)
	dir := t.TempDir()
	docs := filepath.Join(dir, "docs")
	os.Mkdir(docs, 0o755)
	for _, f := range []string{"b.txt", "a.md", ".DS_Store"} {
		os.WriteFile(filepath.Join(docs, f), []byte("content of "+f), 0o644)
	}
	file := filepath.Join(dir, "credentials.csv")
	args := []string{"-u", url, "--users", "3", "--credentials-out", file, "--documents", docs}

	out, errOut, code, err := prepareCmd(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errOut)
	}
	want := "registered 3 new users (0 already existed); wrote " + file + " (3 users, mode 0600)\n" +
		"uploaded 2 documents (0 already there): a.md, b.txt\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	wantContains(t, "stderr", errOut, "ragload: registering 3 users at "+url+"/api/v1/auth/register",
		"ragload: logging in as ragload-user-001@example.com to upload documents", "ragload: uploaded a.md")
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, %v", st, err)
	}
	creds, err := auth.LoadCredentials(file)
	if err != nil || len(creds) != 3 {
		t.Fatalf("LoadCredentials: %v, %v", creds, err)
	}

	out2, errOut2, code, err := prepareCmd(t, args...)
	if code != exitOK {
		t.Fatalf("second run: exit %d: %v\n%s\n%s", code, err, out2, errOut2)
	}
	want = "checked 3 users (0 new, 3 already existed); wrote " + file + " (3 users, mode 0600)\n" +
		"uploaded 0 documents (2 already there)\n"
	if out2 != want {
		t.Errorf("second run stdout:\n%s\nwant:\n%s", out2, want)
	}
	wantContains(t, "second run's stderr", errOut2, "ragload: checking 3 users listed in "+file+" at "+url+"/api/v1/auth/register",
		"ragload: checked 3/3 users (0 new, 3 already existed)")
	if strings.Contains(errOut2, "register ") || strings.Contains(errOut2, "registered") || strings.Contains(errOut2, "registering") {
		t.Errorf("second run's stderr claims to register:\n%s", errOut2)
	}
	if st := srv.Stats(); st.Registrations != 3 || st.Uploads != 2 {
		t.Errorf("the demo registered %d users and stored %d uploads, want 3 and 2", st.Registrations, st.Uploads)
	}
	for _, c := range creds {
		if strings.Contains(out+errOut+out2+errOut2, c.Password) {
			t.Errorf("the output shows the password of %s", c.Username)
		}
	}
}

func TestPrepareCommandErrors(t *testing.T) {
	t.Parallel()
	srv, url := prepareDemo(t)
	down := testtool.RefusedURL(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("username,password\nonly-a-name\n"), 0o600)

	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"server down", []string{"-u", down, "--users", "2", "--credentials-out", filepath.Join(dir, "a.csv")}, exitRunError,
			[]string{"the server at " + down + " is not reachable (is it running?)"}},
		{"no route", []string{"-u", url, "--users", "2", "--credentials-out", filepath.Join(dir, "b.csv"), "--register-path", "/signup"}, exitRunError,
			[]string{"has no POST /signup (404 Not Found): set --register-path"}},
		{"damaged credentials file", []string{"-u", url, "--users", "2", "--credentials-out", bad}, exitUsage,
			[]string{bad + ":2: password: missing (want 2 fields"}},
		// A mistyped folder is found before any account is registered.
		{"missing documents", []string{"-u", url, "--users", "2", "--credentials-out", filepath.Join(dir, "c.csv"), "--documents", filepath.Join(dir, "my-docs")}, exitUsage,
			[]string{`--documents "` + filepath.Join(dir, "my-docs") + `": no such folder`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, code, err := prepareCmd(t, tt.args...)
			if code != tt.code || err == nil {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.code)
			}
			wantContains(t, "error", err.Error(), tt.want...)
			if out != "" {
				t.Errorf("stdout %q after a failure that created nothing", out)
			}
		})
	}
	if st := srv.Stats(); st.Registrations != 0 {
		t.Errorf("the demo registered %d users, want none", st.Registrations)
	}
	if _, err := os.Stat(filepath.Join(dir, "c.csv")); err == nil {
		t.Error("a credentials file was written for a prepare that found no documents folder")
	}
}

// TestPreparedCredentialsFeedAttack: the file prepare writes is what
// attack --credentials reads, and every prepared account logs in.
func TestPreparedCredentialsFeedAttack(t *testing.T) {
	t.Parallel()
	srv, url := prepareDemo(t)
	file := filepath.Join(t.TempDir(), "users.csv")
	if out, errOut, code, err := prepareCmd(t, "-u", url, "--users", "4", "--credentials-out", file, "-q"); code != exitOK || errOut != "" {
		t.Fatalf("prepare: exit %d: %v\n%s\nstderr (want none with -q):\n%s", code, err, out, errOut)
	}
	creds, err := auth.LoadCredentials(file)
	if err != nil || len(creds) != 4 {
		t.Fatalf("LoadCredentials: %v, %v", creds, err)
	}
	before := make([]int64, len(creds))
	for i, c := range creds {
		before[i] = srv.LoginsBy(c.Username)
	}
	out, errOut, code := ragload(t, "attack", "--min-samples", "1", "-u", url, "--credentials", file, "--rate", "20", "-d", "1s", "-o", runDir(t), "-q")
	if !ranOK(out, code) {
		t.Fatalf("attack: exit %d\n%s\n%s", code, out, errOut)
	}
	for i, c := range creds {
		if n := srv.LoginsBy(c.Username) - before[i]; n != 1 {
			t.Errorf("%s logged in %d times during the attack, want 1", c.Username, n)
		}
		before[i] = srv.LoginsBy(c.Username)
	}

	// The same file feeds virtual users: one user per account, each
	// logging in once.
	out, errOut, code = ragload(t, "users", "--min-samples", "1", "-u", url, "--credentials", file, "-n", "4", "-r", "0", "--run-time", "1s", "--wait", "100ms", "-o", runDir(t), "-q")
	if !ranOK(out, code) {
		t.Fatalf("users: exit %d\n%s\n%s", code, out, errOut)
	}
	for i, c := range creds {
		if n := srv.LoginsBy(c.Username) - before[i]; n != 1 {
			t.Errorf("%s logged in %d times as a virtual user, want 1", c.Username, n)
		}
	}
}
