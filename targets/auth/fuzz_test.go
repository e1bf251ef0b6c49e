package auth

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/targets"
)

// FuzzLoadCredentials feeds CSV files to LoadCredentials: an accepted pool
// is non-empty, with unique, trimmed, non-empty usernames and non-empty
// passwords; a rejected file is a *targets.FileError, or an I/O error naming it.
func FuzzLoadCredentials(f *testing.F) {
	if seed, err := os.ReadFile(filepath.Join("testdata", "credentials.csv")); err == nil {
		f.Add(seed)
	}
	for _, s := range []string{
		"", "username,password\n", "a,b\n", "email,password\nu@x,p\nu@x,q\n", "a,b,c\n", " , p\n",
		"\"a\nb\",\"p\"\"q\"\n", "\"unterminated,x\n", "u,\n", "# c\nu;p\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 { // as the fuzz tests of package targets
			t.Skip("input too large")
		}
		path := filepath.Join(dir, "credentials.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var creds []Credential
		var err error
		testtool.Within(t, "parser", func() { creds, err = LoadCredentials(path) })
		if err != nil {
			if creds != nil {
				t.Fatalf("LoadCredentials returned credentials and an error %v", err)
			}
			// Errors quote an excerpt of the file at most, never a run of
			// 64 bytes of it (the file name left out).
			msg := strings.ReplaceAll(err.Error(), dir, "")
			for i := 0; i+64 <= len(msg); i++ {
				if bytes.Contains(data, []byte(msg[i:i+64])) {
					t.Fatalf("error %q quotes 64 bytes or more of its input", err)
				}
			}
			var fe *targets.FileError
			if errors.As(err, &fe) {
				if fe.File != path || fe.Line < 0 || !strings.HasPrefix(err.Error(), path) {
					t.Fatalf("error %q: File %q, Line %d; want it to name %q", err, fe.File, fe.Line, path)
				}
			} else if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name %q", err, path)
			}
			return
		}
		if len(creds) == 0 {
			t.Fatal("no credentials and no error")
		}
		seen := map[string]bool{}
		for _, c := range creds {
			if c.Username == "" || c.Username != strings.TrimSpace(c.Username) || c.Password == "" {
				t.Fatalf("credential %q: empty or untrimmed field", c.Username)
			}
			if seen[c.Username] {
				t.Fatalf("username %q twice", c.Username)
			}
			seen[c.Username] = true
		}
	})
}
