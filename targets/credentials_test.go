package targets

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadCredentialsFixture(t *testing.T) {
	got, err := LoadCredentials(filepath.Join("testdata", "credentials.csv"))
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
		{"one field", "username,password\na@x," + secret + "\nlonely\n", 3, "", []string{"want 2 fields", "got 1"}},
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
	var sb strings.Builder
	logger := log.New(&sb, "", 0)
	logger.Print(c)
	logger.Printf("%v %+v", c, &c)
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
	if got, want := fmt.Sprintf("%#v", c), `targets.Credential{Username: "alice@example.com"}`; got != want {
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
