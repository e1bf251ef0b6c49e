package auth

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"runtime"
	"strings"

	"github.com/ragload/ragload/internal/atomicfile"
	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/targets"
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

// Credential is one account of the API under test. It prints as its
// username only, whatever the verb (%v, %+v, %#v, %s, %q, %d, ...), in a
// struct or a slice, and logs with log/slog as its username: a credential
// passed to a logger or a format verb never shows the password.
type Credential struct {
	Username string
	Password string
}

// String returns the username.
func (c Credential) String() string { return c.Username }

// GoString is the %#v form, without the password.
func (c Credential) GoString() string {
	return fmt.Sprintf("auth.Credential{Username: %q}", c.Username)
}

// Format prints the username for every verb, so that no verb reaches the
// Password field (without it, %d or %t would print the struct's fields).
func (c Credential) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			io.WriteString(f, c.GoString())
			return
		}
		fmt.Fprintf(f, fmt.FormatString(f, 's'), c.Username)
	case 's', 'q', 'x', 'X':
		fmt.Fprintf(f, fmt.FormatString(f, verb), c.Username)
	default:
		fmt.Fprintf(f, "%%!%c(auth.Credential=%s)", verb, c.Username)
	}
}

// LogValue logs the username only (log/slog's JSON handler would otherwise
// marshal the Password field).
func (c Credential) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", c.Username))
}

// MarshalJSON encodes the username only, for the same reason.
func (c Credential) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Username string `json:"username"`
	}{c.Username})
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
//
// A file that users other than its owner and its group can read or write is
// refused, as ssh refuses such a private key: the error (a *targets.FileError
// wrapping a *ModeError) names the file, its mode and the fix, chmod 600.
// LoadCredentialsWarn also warns about a file its group can read or write.
// Windows, whose permissions are not Unix modes, is not checked, nor are
// pipes and devices (--credentials <(...)). A file larger than
// MaxCredentialsBytes, or with a line longer than MaxCredentialsLine, is
// refused (a device such as /dev/zero too).
func LoadCredentials(path string) ([]Credential, error) {
	return LoadCredentialsWarn(path, nil)
}

// LoadCredentialsWarn is LoadCredentials that calls warn (when non-nil)
// with a warning when the file's group can read or write it: it loads, but
// chmod 600 would keep it to its owner.
func LoadCredentialsWarn(path string, warn func(msg string)) ([]Credential, error) {
	f, err := input.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	defer f.Close()
	st, err := f.Stat() // the file opened, not one renamed over it since
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	if runtime.GOOS != "windows" && st.Mode().IsRegular() {
		perm := st.Mode().Perm()
		if perm&0o006 != 0 {
			return nil, &targets.FileError{File: path, Err: &ModeError{File: path, Mode: perm}}
		}
		if perm&0o060 != 0 && warn != nil {
			warn(fmt.Sprintf("%s: members of its group can %s this credentials file (mode %04o); chmod 600 %s keeps it to you",
				path, access(perm>>3), perm, shellQuote(path)))
		}
	}
	r := csv.NewReader(input.NewReader(f, MaxCredentialsBytes, MaxCredentialsLine, "a credentials file"))
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
				return nil, &targets.FileError{File: path, Line: pe.Line, Err: pe.Err}
			}
			// A line too long says where, as other read errors cannot.
			fe, le := &targets.FileError{File: path, Err: err}, (*input.LineTooLongError)(nil)
			if errors.As(err, &le) {
				fe.Line = le.Line
			}
			return nil, fe
		}
		line, _ := r.FieldPos(0) // only valid after a successful Read
		if first && isHeader(rec) {
			continue
		}
		if first && headerLike(rec) { // all header words, so nothing secret to show
			return nil, &targets.FileError{File: path, Line: line, Field: "header", Err: fmt.Errorf("%s is not one ragload reads: want username,password", input.Quote(strings.Join(rec, ",")))}
		}
		if len(rec) == 1 {
			return nil, &targets.FileError{File: path, Line: line, Field: "password", Err: errors.New("missing (want 2 fields, username,password; got 1)")}
		}
		if len(rec) != 2 {
			return nil, &targets.FileError{File: path, Line: line, Err: fmt.Errorf("want 2 fields (username,password), got %d", len(rec))}
		}
		c := Credential{Username: strings.TrimSpace(rec[0]), Password: rec[1]}
		switch {
		case c.Username == "":
			return nil, &targets.FileError{File: path, Line: line, Field: "username", Err: errors.New("empty")}
		case c.Password == "":
			return nil, &targets.FileError{File: path, Line: line, Field: "password", Err: errors.New("empty")}
		}
		if prev, dup := seen[c.Username]; dup {
			return nil, &targets.FileError{File: path, Line: line, Field: "username", Err: fmt.Errorf("%s is already on line %d", input.Quote(c.Username), prev)}
		}
		seen[c.Username] = line
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, &targets.FileError{File: path, Err: errors.New("no credentials (want lines of username,password)")}
	}
	return out, nil
}

// Caps on a credentials file (see LoadCredentials), far above real ones:
const (
	// MaxCredentialsBytes caps a credentials file at 16 MiB, some 200,000
	// accounts of 80 bytes: more virtual users than one generator runs.
	MaxCredentialsBytes = 16 << 20
	// MaxCredentialsLine caps one line at 64 KiB; a username and a
	// password take well under 1 KiB.
	MaxCredentialsLine = 64 << 10
)

// headerWords are what a header row of a credentials file may hold.
var headerWords = map[string]bool{"username": true, "user": true, "user_name": true, "email": true, "e-mail": true, "mail": true,
	"login": true, "name": true, "password": true, "pass": true, "passwd": true, "pwd": true, "pw": true, "secret": true}

// headerLike reports a row of header words only: meant as a header, but
// not one isHeader accepts (user,pass; password,username; username).
func headerLike(rec []string) bool {
	for _, f := range rec {
		if !headerWords[strings.ToLower(strings.TrimSpace(f))] {
			return false
		}
	}
	return len(rec) > 0
}

func isHeader(rec []string) bool {
	if len(rec) != 2 {
		return false
	}
	u, p := strings.ToLower(strings.TrimSpace(rec[0])), strings.ToLower(strings.TrimSpace(rec[1]))
	return (u == "username" || u == "email" || u == "user") && p == "password"
}

// ModeError is a credentials file that users other than its owner and its
// group can read or write. LoadCredentials returns it in a *targets.FileError, which
// names the file first:
//
//	creds.csv: other users can read this credentials file (mode 0644): run chmod 600 creds.csv
type ModeError struct {
	File string      // the path, for the chmod command
	Mode fs.FileMode // the permission bits
}

func (e *ModeError) Error() string {
	return fmt.Sprintf("other users can %s this credentials file (mode %04o): run chmod 600 %s",
		access(e.Mode.Perm()), e.Mode.Perm(), shellQuote(e.File))
}

// access names what the "others" bits of perm (the low three) allow.
func access(perm fs.FileMode) string {
	switch r, w := perm&0o004 != 0, perm&0o002 != 0; {
	case r && w:
		return "read and write"
	case w:
		return "write"
	default:
		return "read"
	}
}

// shellQuote quotes path for a POSIX shell when it needs it, so that the
// suggested command can be pasted.
func shellQuote(path string) string {
	if path != "" && strings.Trim(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return path
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}

// WriteCredentials writes creds to path in the format LoadCredentials reads,
// atomically (a temporary file in the same folder, renamed over path) and
// with mode 0600 whatever the mode of a file it replaces.
func WriteCredentials(path string, creds []Credential) error {
	var b bytes.Buffer
	b.WriteString("username,password\n")
	for _, c := range creds {
		b.WriteString(csvField(c.Username) + "," + csvField(c.Password) + "\n")
	}
	if _, err := atomicfile.Write(path, 0o600, b.WriteTo); err != nil {
		return fmt.Errorf("write credentials %q: %w", path, err)
	}
	return nil
}

// csvField quotes s when LoadCredentials would otherwise misread it: a
// comma, quote or line break, surrounding space, or a leading # (a comment).
func csvField(s string) string {
	if s == "" || strings.ContainsAny(s, ",\"\r\n") || strings.HasPrefix(s, "#") || strings.TrimSpace(s) != s {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}
