package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/targets/auth"
)

// TestBuiltInLoginNote: a run that would log in with the built-in account
// (no --credentials, --password or $LOAD_TEST_PASSWORD) against an API that
// is not this machine says so once on stderr; the demo, loopback and given
// credentials say nothing. The commands stop before sending (runF).
func TestBuiltInLoginNote(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(creds, []byte("username,password\nme@x,secret-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	health := filepath.Join(t.TempDir(), "health.yaml")
	if err := os.WriteFile(health, []byte("replace_endpoints: true\nendpoints:\n  - {key: ping, path: /health}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const builtIn = "ragload: note: logging in as the built-in account loadtest@example.com (set LOAD_TEST_EMAIL and LOAD_TEST_PASSWORD for your API)\n"
	tests := []struct {
		name, args     string
		user, pw, want string
	}{
		{name: "remote", args: "-u https://rag.example.com", want: builtIn},
		{name: "remote name with a dot", args: "-u https://rag.example.com./", want: builtIn},
		{name: "remote, username flag", args: "-u https://rag.example.com --username bob@x",
			want: "ragload: note: logging in as bob@x with the built-in password of loadtest@example.com (set LOAD_TEST_PASSWORD, or pass --credentials, for your API)\n"},
		{name: "remote, username env", args: "-u https://rag.example.com", user: "ann@x",
			want: "ragload: note: logging in as ann@x with the built-in password of loadtest@example.com"},
		{name: "remote, password flag", args: "-u https://rag.example.com --password pw"},
		{name: "remote, password env", args: "-u https://rag.example.com", pw: "pw"},
		{name: "remote, credentials file", args: "-u https://rag.example.com --credentials " + creds},
		{name: "remote, no endpoint needs a login", args: "-u https://rag.example.com -s " + health},
		{name: "loopback", args: "-u http://127.0.0.1:8000"},
		{name: "localhost", args: "-u http://localhost:8000"},
		{name: "ipv6 loopback", args: "-u http://[::1]:8000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(auth.EnvUsername, tt.user)
			t.Setenv(auth.EnvPassword, tt.pw)
			var errOut bytes.Buffer
			cmd := newAttackCmd(&streams{Out: io.Discard, ErrOut: &errOut}, func(context.Context, *attackOptions) error { return nil })
			cmd.SetArgs(strings.Fields(tt.args + " -d 1s"))
			cmd.SetOut(io.Discard)
			cmd.SetErr(&errOut)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			got := errOut.String()
			if tt.want == "" && strings.Contains(got, "note: logging in") || tt.want != "" && !strings.HasPrefix(got, tt.want) {
				t.Errorf("stderr %q, want %q", got, tt.want)
			}
			if strings.Count(got, "note: logging in") > 1 {
				t.Errorf("said more than once: %q", got)
			}
			if strings.Contains(got, auth.DefaultPassword) || strings.Contains(got, "secret-pw") {
				t.Errorf("stderr shows a password: %q", got)
			}
		})
	}
}

// TestBuiltInLoginNoteDemo: against the demo API on loopback, the built-in
// account is expected, and the run says nothing of it.
func TestBuiltInLoginNoteDemo(t *testing.T) {
	t.Setenv(auth.EnvUsername, "")
	t.Setenv(auth.EnvPassword, "")
	_, url := demoAPI(t, demo.Config{})
	out, errOut, code := ragload(t, "attack", "--min-samples", "1", "-u", url, "--rate", "10", "-d", "500ms", "-o", runDir(t))
	if !ranOK(out, code) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(errOut, "built-in") {
		t.Errorf("stderr speaks of the built-in account on loopback:\n%s", errOut)
	}
}

// TestBuiltInLoginNotePrepare: prepare --users 0 uploads as the login
// account, so it says the same; with --users it logs in as the accounts it
// registers, and says nothing.
func TestBuiltInLoginNotePrepare(t *testing.T) {
	t.Setenv(auth.EnvUsername, "")
	t.Setenv(auth.EnvPassword, "")
	docs := t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "a.txt"), []byte("text"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args string
		note bool
	}{
		{args: "-u https://rag.example.com --documents " + docs, note: true},
		{args: "-u https://rag.example.com --documents " + docs + " --password pw"},
		{args: "-u https://rag.example.com --users 3 --documents " + docs},
		{args: "-u http://127.0.0.1:8000 --documents " + docs},
	} {
		var errOut bytes.Buffer
		cmd := newPrepareCmd(&streams{Out: io.Discard, ErrOut: &errOut}, func(context.Context, *prepareOptions) error { return nil })
		cmd.SetArgs(strings.Fields(tt.args))
		cmd.SetOut(io.Discard)
		cmd.SetErr(&errOut)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%s: %v", tt.args, err)
		}
		if got := strings.Contains(errOut.String(), "note: logging in as the built-in account"); got != tt.note {
			t.Errorf("%s: stderr %q, want the note: %v", tt.args, errOut.String(), tt.note)
		}
	}
}
