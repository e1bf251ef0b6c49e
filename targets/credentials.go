package targets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Environment variables that hold the shared credentials.
const (
	EnvUsername = "LOAD_TEST_EMAIL"
	EnvPassword = "LOAD_TEST_PASSWORD"
)

// Default credentials, used when the environment sets none (the demo API
// knows this user).
const (
	DefaultUsername = "loadtest@example.com"
	DefaultPassword = "loadtestpassword"
)

// Credential is one account of the API under test. Its String and GoString
// methods print the username only, so that a credential passed to a logger
// or a format verb never shows the password.
type Credential struct {
	Username string
	Password string
}

func (c Credential) String() string { return c.Username }
func (c Credential) GoString() string {
	return fmt.Sprintf("targets.Credential{Username: %q}", c.Username)
}

// CredentialFromEnv returns LOAD_TEST_EMAIL and LOAD_TEST_PASSWORD read with
// getenv (os.Getenv in production), each falling back to its default.
func CredentialFromEnv(getenv func(string) string) Credential {
	c := Credential{Username: getenv(EnvUsername), Password: getenv(EnvPassword)}
	if c.Username == "" {
		c.Username = DefaultUsername
	}
	if c.Password == "" {
		c.Password = DefaultPassword
	}
	return c
}

// LoadCredentials reads a pool of accounts from a CSV file with the columns
// username,password. A first row that reads "username,password" (in any
// case, "email" for "username" too) is a header and skipped. Errors name the
// file, line and field, never the password.
//
//	username,password
//	user001@example.com,secret-1
//	user002@example.com,secret-2
func LoadCredentials(path string) ([]Credential, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.Comment = '#'
	var out []Credential
	seen := map[string]int{} // username -> line
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &FileError{File: path, Line: pe.Line, Err: pe.Err}
			}
			return nil, fmt.Errorf("read credentials %q: %w", path, err)
		}
		line, _ := r.FieldPos(0) // only valid after a successful Read
		if first && isHeader(rec) {
			continue
		}
		if len(rec) != 2 {
			return nil, &FileError{File: path, Line: line, Err: fmt.Errorf("want 2 fields (username,password), got %d", len(rec))}
		}
		c := Credential{Username: strings.TrimSpace(rec[0]), Password: rec[1]}
		switch {
		case c.Username == "":
			return nil, &FileError{File: path, Line: line, Field: "username", Err: errors.New("empty")}
		case c.Password == "":
			return nil, &FileError{File: path, Line: line, Field: "password", Err: errors.New("empty")}
		}
		if prev, dup := seen[c.Username]; dup {
			return nil, &FileError{File: path, Line: line, Field: "username", Err: fmt.Errorf("%q is already on line %d", c.Username, prev)}
		}
		seen[c.Username] = line
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, &FileError{File: path, Err: errors.New("no credentials (want lines of username,password)")}
	}
	return out, nil
}

func isHeader(rec []string) bool {
	if len(rec) != 2 {
		return false
	}
	u, p := strings.ToLower(strings.TrimSpace(rec[0])), strings.ToLower(strings.TrimSpace(rec[1]))
	return (u == "username" || u == "email" || u == "user") && p == "password"
}
