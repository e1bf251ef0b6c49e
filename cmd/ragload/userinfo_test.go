package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTimeoutErrorsKeepNoUserinfo: a token given as the lone userinfo of
// --url ("http://TOKEN@host") is quoted by Go's timeout errors
// (`Get "http://TOKEN@host/health": context deadline exceeded`); neither
// results.bin, summary.json, run.json nor the reports hold it, for the
// open model (attack) and for virtual users.
func TestTimeoutErrorsKeepNoUserinfo(t *testing.T) {
	t.Parallel()
	const token = "lone-user-T0KEN-4c1d"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // slower than --timeout
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	target := strings.Replace(srv.URL, "http://", "http://"+token+"@", 1)
	scenario := filepath.Join(t.TempDir(), "health.yaml")
	os.WriteFile(scenario, []byte("name: health only\nendpoints:\n  - {key: query, weight: 0}\n  - {key: enhanced, weight: 0}\n  - {key: documents, weight: 0}\n  - {key: health, auth: false}\n"), 0o600)
	for _, mode := range [][]string{
		{"attack", "--rate", "10", "-d", "1s"},
		{"users", "--users", "2", "--run-time", "1s", "--wait", "10ms"},
	} {
		t.Run(mode[0], func(t *testing.T) {
			t.Parallel()
			dir := runDir(t)
			args := append(mode, "-s", scenario, "-u", target, "--timeout", "200ms", "-o", dir, "-q")
			out, errOut, code := ragloadBounded(t, args...)
			if code != exitVerdict {
				t.Fatalf("exit %d, want %d (the verdict fails)\nstdout:\n%s\nstderr:\n%s", code, exitVerdict, out, errOut)
			}
			wantContains(t, "the report", out, "timeout", "Client.Timeout exceeded")
			texts := map[string]string{"stdout": out, "stderr": errOut}
			for _, f := range []string{"results.bin", "summary.json", "run.json"} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				texts[f] = string(b)
			}
			for _, format := range []string{"text", "json", "markdown", "csv", "junit"} {
				out, errOut, _ := ragload(t, "report", "--format", format, dir)
				texts["report --format "+format] = out + errOut
			}
			if !strings.Contains(texts["summary.json"], "xxxxx@127.0.0.1") {
				t.Errorf("summary.json quotes no redacted URL: the errors changed, the test tests nothing:\n%s", texts["summary.json"])
			}
			for name, text := range texts {
				if strings.Contains(text, token) {
					t.Errorf("%s holds the token of --url", name)
				}
			}
		})
	}
}
