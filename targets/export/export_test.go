package export

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

func TestExportConfigValidate(t *testing.T) {
	t.Parallel()
	ok := Config{Format: VegetaJSON, Count: 1, BaseURL: "http://127.0.0.1:8000"}
	for _, tt := range []struct {
		name string
		edit func(*Config)
		want string // "" means valid
	}{
		{"flags alone", func(*Config) {}, ""},
		{"with the built-in scenario", func(c *Config) { c.Scenario = targets.Default() }, ""},
		{"format", func(c *Config) { c.Format = "k6" }, `--export "k6" isn't one of [vegeta-json vegeta-http]`},
		{"count", func(c *Config) { c.Count = 0 }, "--count must be > 0, got 0"},
		{"url", func(c *Config) { c.BaseURL = "127.0.0.1:8000" }, `--url "127.0.0.1:8000" has no scheme`},
		{"http bodies to stdout", func(c *Config) { c.Format, c.Scenario = VegetaHTTP, targets.Default() },
			"--export vegeta-http writes bodies to files next to the output: give --output"},
		{"http without bodies to stdout", func(c *Config) {
			c.Format, c.Scenario = VegetaHTTP, parse(t, "replace_endpoints: true\nendpoints:\n  - {key: ping, method: GET, path: /ping}\n")
		}, ""},
	} {
		cfg := ok
		tt.edit(&cfg)
		err := cfg.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestExportWithoutLogin: the authenticated endpoints are named because no
// token is stamped, and a plain export is not private.
func TestExportWithoutLogin(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := Run(t.Context(), Config{Scenario: targets.Default(), BaseURL: "http://127.0.0.1:8000",
		Format: VegetaJSON, Count: 50, Seed: 1, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/query (basic)", "/query/enhanced", "/documents (list)"}; res.Where != "stdout" || res.Private ||
		res.Accounts != 0 || !slices.Equal(res.Unauthenticated, want) {
		t.Errorf("result %+v, want stdout, not private, unauthenticated %q", res, want)
	}
	tgts, err := vegeta.ReadAllTargets(vegeta.NewJSONTargeter(&out, nil, nil))
	if err != nil || len(tgts) != 50 {
		t.Fatalf("%d targets, %v", len(tgts), err)
	}
	for _, tg := range tgts {
		if tg.Header.Get("Authorization") != "" {
			t.Fatalf("a target has an Authorization header: %+v", tg)
		}
	}
}

// TestExportLogin: with a login the authenticated targets carry the token,
// the file (made private even if it existed) says until when.
func TestExportLogin(t *testing.T) {
	t.Parallel()
	// The demo API, without service times, as the API under test.
	api := httptest.NewServer(demo.New(demo.Config{Users: map[string]string{"a@x": "pw"}, Sigma: -1, LoginLatency: -1}))
	t.Cleanup(api.Close)
	path := filepath.Join(t.TempDir(), "t.http")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), Config{Scenario: targets.Default(), BaseURL: api.URL,
		Format: VegetaHTTP, Count: 30, Seed: 2, Output: path, Client: &http.Client{Timeout: 5 * time.Second},
		Login: func() ([]auth.Credential, error) { return []auth.Credential{{Username: "a@x", Password: "pw"}}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Where != path || !res.Private || res.Accounts != 1 || res.TokensExpire.Before(time.Now()) ||
		res.Unauthenticated != nil || res.Bodies == 0 || res.BodiesDir != path+".bodies" {
		t.Errorf("result %+v", res)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("stat %v, want mode 0600", err)
	}
	vt, err := targets.ReadVegeta(path, "http")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range vt.Targets {
		authed := tg.URL != api.URL+"/health"
		if got := strings.HasPrefix(tg.Header.Get("Authorization"), "Bearer "); got != authed {
			t.Errorf("%s %s: bearer token %v, want %v", tg.Method, tg.URL, got, authed)
		}
	}

	// The login's error comes back as it is, before anything is written.
	bad := errors.New("no password")
	if _, err := Run(t.Context(), Config{Scenario: targets.Default(), BaseURL: api.URL, Format: VegetaJSON, Count: 1,
		Output: filepath.Join(t.TempDir(), "never.json"), Login: func() ([]auth.Credential, error) { return nil, bad }}); err != bad {
		t.Errorf("Export = %v, want the login's error", err)
	}
}

// TestExportMessages: the summary, the note on secret headers and the
// warnings on tokens held or missing and on an unignored work tree.
func TestExportMessages(t *testing.T) {
	cfg := Config{Format: VegetaHTTP, Count: 5, Seed: 7, Output: "t.http"}
	res := &Result{Where: "t.http", Bodies: 2, BodiesDir: "t.http.bodies", Private: true, UnignoredIn: "/repo", Unauthenticated: []string{"query"}}
	summary, notes, warnings := res.Messages(cfg)
	if summary != "wrote 5 vegeta-http targets to t.http (seed 7), 2 bodies to t.http.bodies" || len(notes) != 1 || len(warnings) != 2 ||
		!strings.Contains(warnings[0], "work tree /repo") || !strings.HasSuffix(warnings[1], "pass --login to stamp a token (which then lands in the file)") {
		t.Errorf("no tokens: %q %q %q", summary, notes, warnings)
	}
	cfg.Login, cfg.Output = func() ([]auth.Credential, error) { return nil, nil }, ""
	res = &Result{Where: "stdout", Private: true, Accounts: 2, TokensExpire: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	_, notes, warnings = res.Messages(cfg)
	if len(notes) != 0 || len(warnings) != 1 || warnings[0] != "stdout contains bearer tokens for 2 account(s), valid until 2030-01-02T03:04:05Z: keep it private and delete it when done" {
		t.Errorf("tokens: %q %q", notes, warnings)
	}
}

func TestExportRefusesJourneys(t *testing.T) {
	sc := parse(t, "journeys:\n  - {name: conversation, steps: [{endpoint: query}]}\n")
	cfg := Config{Scenario: sc, BaseURL: "http://127.0.0.1:8000", Format: VegetaJSON, Count: 10, Stdout: io.Discard}
	for _, err := range []error{cfg.Validate(), func() error { _, err := Run(t.Context(), cfg); return err }()} {
		if !errors.Is(err, ErrJourneys) || !strings.Contains(err.Error(), `has journeys ("conversation")`) {
			t.Errorf("err = %v, want ErrJourneys naming the journey", err)
		}
	}
}

// parse reads an inline scenario or fails the test.
func parse(t *testing.T, src string) *targets.Scenario {
	sc, err := targets.Parse("scenario.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}
