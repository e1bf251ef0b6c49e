package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/targets"
)

func TestLoadCredentialsFixture(t *testing.T) {
	// git keeps no modes but the executable bit: the checked-out fixture is
	// 0644, which LoadCredentials rightly refuses. Load a private copy.
	b, err := os.ReadFile(filepath.Join("testdata", "credentials.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadCredentials(writeFile(t, "credentials.csv", string(b)))
	if err != nil {
		t.Fatal(err)
	}
	want := []Credential{
		{"user001@example.com", "secret-1"},
		{"user002@example.com", "secret-2"},
		{"user,003@example.com", "pa,ss"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadCredentials = %#v, want %#v", got, want)
	}
}

func TestLoadCredentials(t *testing.T) {
	tests := []struct {
		name, csv string
		want      []Credential
	}{
		{"username header", "username,password\na@x,pw-a\nb@x,pw-b\n", []Credential{{"a@x", "pw-a"}, {"b@x", "pw-b"}}},
		{"email header, any case, spaces", "Email, PASSWORD\na@x,pw-a\n", []Credential{{"a@x", "pw-a"}}},
		{"user header", "user,password\na@x,pw-a\n", []Credential{{"a@x", "pw-a"}}},
		{"no header", "a@x,pw-a\nb@x,pw-b\n", []Credential{{"a@x", "pw-a"}, {"b@x", "pw-b"}}},
		{"no trailing newline, CRLF", "a@x,pw-a\r\nb@x,pw-b", []Credential{{"a@x", "pw-a"}, {"b@x", "pw-b"}}},
		{"header only on the first row", "a@x,pw-a\nusername,password\n", []Credential{{"a@x", "pw-a"}, {"username", "password"}}},
		{"comments and blank lines", "# accounts\n\nusername,password\n\na@x,pw-a\n", []Credential{{"a@x", "pw-a"}}},
		{"password keeps inner and trailing spaces", "a@x,  pass word \n", []Credential{{"a@x", "pass word "}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadCredentials(writeFile(t, "creds.csv", tt.csv))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestLoadCredentialsErrors(t *testing.T) {
	const secret = "Sup3r-S3cret!" // must never appear in an error
	tests := []struct {
		name, csv string
		line      int
		field     string
		want      []string
	}{
		{"one field", "username,password\na@x," + secret + "\nlonely\n", 3, "password", []string{"missing", "want 2 fields", "got 1"}},
		{"three fields", "a@x," + secret + ",extra\n", 1, "", []string{"want 2 fields", "got 3"}},
		{"empty password", "username,password\na@x," + secret + "\nb@x,\n", 3, "password", []string{"empty"}},
		{"empty username", "a@x," + secret + "\n ," + secret + "\n", 2, "username", []string{"empty"}},
		{"duplicate username", "username,password\na@x," + secret + "\nb@x,other\na@x," + secret + "2\n", 4, "username", []string{`"a@x"`, "already on line 2"}},
		{"bare quote", "a@x," + secret + "\nb\"@x," + secret + "\n", 2, "", []string{"bare"}},
		{"bare quote on the first row", "a\"@x," + secret + "\n", 1, "", []string{"bare"}},
		{"unterminated quote", "a@x,\"" + secret + "\n", 1, "", []string{"quote"}},
		{"header only", "username,password\n", 0, "", []string{"no credentials"}},
		{"empty file", "", 0, "", []string{"no credentials"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "creds.csv", tt.csv)
			creds, err := LoadCredentials(path)
			if creds != nil {
				t.Errorf("got credentials %v with the error", creds)
			}
			checkFileError(t, err, path, tt.line, tt.field, tt.want...)
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestLoadCredentialsMissingFile(t *testing.T) {
	_, err := LoadCredentials(filepath.Join(t.TempDir(), "none.csv"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestCredentialNeverPrintsPassword(t *testing.T) {
	c := Credential{Username: "alice@example.com", Password: "hunter2-Secret"}
	type wrapper struct {
		Cred  Credential
		Creds []Credential
	}
	var sb, text, js strings.Builder
	logger := log.New(&sb, "", 0)
	logger.Print(c)
	logger.Printf("%v %+v", c, &c)
	slog.New(slog.NewTextHandler(&text, nil)).Info("login", "cred", c, "creds", []Credential{c}, "wrapped", wrapper{c, nil})
	slog.New(slog.NewJSONHandler(&js, nil)).Info("login", "cred", c, "ptr", &c, "wrapped", wrapper{c, []Credential{c}})
	jsonBytes, err := json.Marshal(wrapper{c, []Credential{c}})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String":   c.String(),
		"GoString": c.GoString(),
		"%v":       fmt.Sprintf("%v", c),
		"%+v":      fmt.Sprintf("%+v", c),
		"%#v":      fmt.Sprintf("%#v", c),
		"%s":       fmt.Sprintf("%s", c),
		"%q":       fmt.Sprintf("%q", c),
		"pointer":  fmt.Sprintf("%v %+v %#v", &c, &c, &c),
		"slice":    fmt.Sprintf("%v %+v %#v", []Credential{c}, []Credential{c}, []Credential{c}),
		"struct":   fmt.Sprintf("%v %+v %#v", wrapper{c, []Credential{c}}, wrapper{c, nil}, wrapper{c, nil}),
		"Sprint":   fmt.Sprint(c, &c),
		"Sprintln": fmt.Sprintln(c),
		"log":      sb.String(),
		// Verbs that do not call String: without Format they print the fields.
		"%d %t %x %X %o %e": fmt.Sprintf("%d %t %x %X %o %e", c, c, c, c, c, c),
		"%10s %-30v %+q":    fmt.Sprintf("%10s %-30v %+q", c, c, c),
		"%d of a struct":    fmt.Sprintf("%d %+d", wrapper{c, []Credential{c}}, &wrapper{c, nil}),
		"slog text":         text.String(),
		"slog JSON":         js.String(),
		"json.Marshal":      string(jsonBytes),
	}
	for name, out := range outputs {
		if strings.Contains(out, c.Password) {
			t.Errorf("%s shows the password: %q", name, out)
		}
		if !strings.Contains(out, c.Username) {
			t.Errorf("%s does not show the username: %q", name, out)
		}
	}
	if got, want := c.String(), "alice@example.com"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := fmt.Sprintf("%#v", c), `auth.Credential{Username: "alice@example.com"}`; got != want {
		t.Errorf("%%#v = %q, want %q", got, want)
	}
}

func TestCredentialFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Credential
	}{
		{"defaults", nil, Credential{DefaultUsername, DefaultPassword}},
		{"empty values fall back", map[string]string{EnvUsername: "", EnvPassword: ""}, Credential{DefaultUsername, DefaultPassword}},
		{"username only", map[string]string{EnvUsername: "bob@x"}, Credential{"bob@x", DefaultPassword}},
		{"password only", map[string]string{EnvPassword: "pw"}, Credential{DefaultUsername, "pw"}},
		{"both", map[string]string{EnvUsername: "bob@x", EnvPassword: "pw"}, Credential{"bob@x", "pw"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []string
			got := CredentialFromEnv(func(k string) string {
				asked = append(asked, k)
				return tt.env[k]
			})
			if got != tt.want {
				t.Errorf("got %#v (password %q), want %#v (password %q)", got, got.Password, tt.want, tt.want.Password)
			}
			if strings.Join(asked, ",") != EnvUsername+","+EnvPassword {
				t.Errorf("read variables %q, want %s and %s", asked, EnvUsername, EnvPassword)
			}
		})
	}
	if EnvUsername != "LOAD_TEST_EMAIL" || EnvPassword != "LOAD_TEST_PASSWORD" {
		t.Errorf("variable names = %s, %s", EnvUsername, EnvPassword)
	}
}

func TestLoadCredentialsMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows permissions are not Unix modes: not checked")
	}
	tests := []struct {
		mode    fs.FileMode
		refused string // the access in the error: read, write, read and write
		warned  string // the access in the warning
	}{
		{mode: 0o600}, {mode: 0o400}, {mode: 0o700},
		{mode: 0o640, warned: "read"}, {mode: 0o620, warned: "write"}, {mode: 0o660, warned: "read and write"},
		{mode: 0o601}, // others' execute bit lets nobody read the passwords
		{mode: 0o644, refused: "read"}, {mode: 0o604, refused: "read"}, {mode: 0o602, refused: "write"},
		{mode: 0o666, refused: "read and write"}, {mode: 0o777, refused: "read and write"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%04o", tt.mode), func(t *testing.T) {
			path := writeFile(t, "creds.csv", "username,password\na@x,pw-a\n")
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			var warnings []string
			creds, err := LoadCredentialsWarn(path, func(msg string) { warnings = append(warnings, msg) })
			if tt.refused != "" {
				want := fmt.Sprintf("%s: other users can %s this credentials file (mode %04o): run chmod 600 %s", path, tt.refused, tt.mode, path)
				if err == nil || err.Error() != want || creds != nil {
					t.Fatalf("err = %v (%d credentials), want %q", err, len(creds), want)
				}
				var fe *targets.FileError
				var me *ModeError
				if !errors.As(err, &fe) || !errors.As(err, &me) || me.Mode != tt.mode || me.File != path {
					t.Errorf("err %#v: want a *targets.FileError wrapping a *ModeError of mode %04o", err, tt.mode)
				}
				if _, err := LoadCredentials(path); err == nil || err.Error() != want {
					t.Errorf("LoadCredentials: err = %v, want %q", err, want)
				}
				return
			}
			if err != nil || len(creds) != 1 {
				t.Fatalf("LoadCredentialsWarn = %v, %v; want the credential", creds, err)
			}
			switch {
			case tt.warned == "" && len(warnings) > 0:
				t.Errorf("warnings %q, want none", warnings)
			case tt.warned != "":
				want := fmt.Sprintf("%s: members of its group can %s this credentials file (mode %04o); chmod 600 %s keeps it to you", path, tt.warned, tt.mode, path)
				if len(warnings) != 1 || warnings[0] != want {
					t.Errorf("warnings %q, want [%q]", warnings, want)
				}
			}
			if _, err := LoadCredentials(path); err != nil { // no warn func: no panic
				t.Error(err)
			}
		})
	}
}

// TestLoadCredentialsModeQuotesPath: the chmod command in the error can be
// pasted into a shell whatever the file's name.
func TestLoadCredentialsModeQuotesPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows permissions are not Unix modes: not checked")
	}
	path := filepath.Join(t.TempDir(), "my team's creds.csv")
	if err := os.WriteFile(path, []byte("a@x,pw-a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644) // whatever the umask
	_, err := LoadCredentials(path)
	if want := `run chmod 600 '` + strings.ReplaceAll(path, "'", `'\''`) + `'`; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("err = %v, want it to end in %s", err, want)
	}
	for in, want := range map[string]string{"creds.csv": "creds.csv", "/a/b-c_d.e@f+g": "/a/b-c_d.e@f+g", "a b": "'a b'", "$HOME": "'$HOME'", "": "''"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestTokenAndSessionNeverPrintSecrets: a session holds a password and a
// token, a pool holds sessions; no format verb and no slog handler shows
// either.
func TestTokenAndSessionNeverPrintSecrets(t *testing.T) {
	const password, token = "hunter2-S3cret-pw", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA"
	pool := NewPool(nil, "http://127.0.0.1:1", targets.Default().Auth, []Credential{{Username: "alice@example.com", Password: password}})
	s := pool.Sessions()[0]
	empty := fmt.Sprintf("%v %+v %#v", s, s, s) // no token yet
	tok := &Token{Value: token}
	s.token.Store(tok)
	var text, js strings.Builder
	slog.New(slog.NewTextHandler(&text, nil)).Info("refresh", "session", s, "token", tok, "tokenValue", *tok, "pool", pool)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("refresh", "session", s, "token", tok, "tokenValue", *tok)
	outputs := map[string]string{
		"no token":   empty,
		"session":    fmt.Sprintf("%v %+v %#v %s %d %x %q", s, s, s, s, s, s, s),
		"token":      fmt.Sprintf("%v %+v %#v %s %d %x %q", tok, tok, tok, tok, tok, tok, tok),
		"token val":  fmt.Sprintf("%v %+v %#v %s", *tok, *tok, *tok, *tok),
		"pool":       fmt.Sprintf("%v %+v %#v %s %d %x", pool, pool, pool, pool, pool, pool),
		"sessions":   fmt.Sprintf("%v %+v %#v", pool.Sessions(), pool.Sessions(), pool.Sessions()),
		"slog text":  text.String(),
		"slog JSON":  js.String(),
		"nil":        fmt.Sprintf("%v %+v", (*Session)(nil), (*Token)(nil)),
		"Go-syntax":  fmt.Sprintf("%#v", []*Token{tok}),
		"in a slice": fmt.Sprint([]Token{*tok}),
	}
	for name, out := range outputs {
		for _, secret := range []string{password, token, "c2lnbmF0dXJlLXNlY3JldA", "eyJzdWIiOiJhbGljZSJ9"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s shows a secret (%.8s…): %s", name, secret, out)
			}
		}
	}
	if got := fmt.Sprintf("%+v", s); !strings.Contains(got, "alice@example.com") || !strings.Contains(got, fmt.Sprintf("[redacted %d bytes]", len(token))) {
		t.Errorf("%%+v of a session = %s; want its user and a redacted token", got)
	}
	if s.Token().Value != token {
		t.Error("the token's value is still read on purpose")
	}
}

func TestWriteCredentials(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.csv")
	os.WriteFile(path, []byte("old"), 0o666)
	os.Chmod(path, 0o666)
	creds := []Credential{
		{Username: "plain@example.com", Password: "Plain-1"}, {Username: "#hash@example.com", Password: "#starts-like-a-comment"},
		{Username: "comma@example.com", Password: `a,b"c`}, {Username: "space@example.com", Password: " padded "},
	}
	if err := WriteCredentials(path, creds); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if m := st.Mode().Perm(); m != 0o600 {
		t.Errorf("mode %v, want 0600", m)
	}
	got, err := LoadCredentials(path)
	if err != nil || !slices.Equal(got, creds) {
		t.Errorf("LoadCredentials = %#v, %v; want what was written", got, err)
	}
	if err := WriteCredentials(filepath.Join(path, "x.csv"), creds); err == nil {
		t.Error("writing below a file succeeded")
	}
}

func TestLoadCredentialsErrorsQuoteExcerpts(t *testing.T) {
	for _, src := range []string{
		testtool.Secret + ",p1\n" + testtool.Secret + ",p2\n", // a username twice
		strings.Repeat("username,", 20) + "password\nu,p\n",   // header words only
	} {
		path := writeFile(t, "creds.csv", src)
		_, err := LoadCredentials(path)
		if fe := (*targets.FileError)(nil); !errors.As(err, &fe) {
			t.Fatalf("error %v (%T) is not a *targets.FileError", err, err)
		}
		testtool.CheckNoLeak(t, err.Error(), src)
	}
}

// LoadCredentials refuses /dev/zero, and a file over its cap whatever the
// line lengths, with an error naming the file and the cap.
func TestLoadCredentialsCaps(t *testing.T) {
	if runtime.GOOS == "linux" {
		_, err := LoadCredentials("/dev/zero")
		checkFileError(t, err, "/dev/zero", 1, "", "longer than the 64 KiB cap for a line of a credentials file")
	}
	// A quoted CSV field that never closes spans short lines to the cap.
	path := writeFile(t, "creds.csv", "u,\""+strings.Repeat("password\n", MaxCredentialsBytes/9+1))
	_, err := LoadCredentials(path)
	checkFileError(t, err, path, 0, "", "larger than the 16 MiB cap for a credentials file")
}
