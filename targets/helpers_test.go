package targets

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeFile writes content to name in a fresh temporary directory and
// returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// asFileError asserts that err is a *FileError and returns it.
func asFileError(t *testing.T, err error) *FileError {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want a *FileError")
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FileError", err, err)
	}
	return fe
}

// checkFileError asserts that err is a *FileError at file:line naming field,
// whose message contains every one of want.
func checkFileError(t *testing.T, err error, file string, line int, field string, want ...string) {
	t.Helper()
	fe := asFileError(t, err)
	if fe.File != file || fe.Line != line || fe.Field != field {
		t.Errorf("FileError at %s:%d field %q, want %s:%d field %q (%v)", fe.File, fe.Line, fe.Field, file, line, field, err)
	}
	msg := err.Error()
	prefix := file
	if line > 0 {
		prefix += ":" + strconv.Itoa(line)
	}
	if field != "" {
		prefix += ": " + field
	}
	if !strings.HasPrefix(msg, prefix+": ") {
		t.Errorf("error %q does not start with %q", msg, prefix+": ")
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
}

// mustParse parses an inline scenario and fails the test on error.
func mustParse(t *testing.T, src string) *Scenario {
	t.Helper()
	sc, err := Parse("scenario.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return sc
}

// endpointByKey returns sc's endpoint with key k or fails the test.
func endpointByKey(t *testing.T, sc *Scenario, k string) Endpoint {
	t.Helper()
	for _, e := range sc.Endpoints {
		if e.Key == k {
			return e
		}
	}
	t.Fatalf("scenario has no endpoint %q", k)
	return Endpoint{}
}
