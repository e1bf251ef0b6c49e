package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// Export formats: what Config.Format names.
const (
	VegetaJSON = "vegeta-json" // one JSON target per line
	VegetaHTTP = "vegeta-http" // vegeta's http format, bodies in files
)

// Formats returns the formats Run writes.
func Formats() []string { return []string{VegetaJSON, VegetaHTTP} }

// Config says what Run writes. Error messages name the `ragload
// targets` flags that set the fields.
type Config struct {
	// Scenario is the request mix; BaseURL the API the targets are for.
	Scenario *targets.Scenario
	BaseURL  string
	// Format is VegetaJSON or VegetaHTTP; Count how many
	// targets to write, drawn as attack draws them for Seed.
	Format string
	Count  int
	Seed   uint64
	// Output is the file written (its folder is made), "" for Stdout. It
	// is 0600 when it holds a secret (tokens, or a header that may carry a
	// key: see targets.Scenario.HasSecretHeaders), 0644 otherwise. The http format
	// writes bodies to files in Output+".bodies", and so needs an Output
	// when the mix has a body.
	Output string
	Stdout io.Writer
	// Login, when non-nil, gives the accounts to log in as (through
	// Client) before writing, so that the authenticated targets carry a
	// bearer token. It is called only when the mix has such a target, and
	// its error is returned as it is.
	Login  func() ([]auth.Credential, error)
	Client *http.Client
}

// Result is what Run wrote.
type Result struct {
	// Where is Output, or "stdout".
	Where string
	// Bodies counts the body files written to BodiesDir.
	Bodies    int
	BodiesDir string
	// Private says the output holds a secret: tokens, or secret headers.
	Private bool
	// UnignoredIn is, for a private Output, the root of the git work tree
	// that holds it when git does not ignore it there (it could be
	// committed); "" otherwise.
	UnignoredIn string
	// Accounts is how many accounts' tokens the output holds (0: none),
	// and TokensExpire when the first of them expires (zero: unknown).
	Accounts     int
	TokensExpire time.Time
	// Unauthenticated names the authenticated endpoints, when the output
	// holds no token for them.
	Unauthenticated []string
}

// Messages say what Run wrote with c: a summary, a note that a
// private file holds secret headers, and warnings about the tokens the
// output holds or lacks and a git work tree that could commit it.
func (r *Result) Messages(c Config) (summary string, notes, warnings []string) {
	summary = fmt.Sprintf("wrote %d %s targets to %s (seed %d)", c.Count, c.Format, r.Where, c.Seed)
	if r.Bodies > 0 {
		summary += fmt.Sprintf(", %d bodies to %s", r.Bodies, r.BodiesDir)
	}
	if r.Private && r.Accounts == 0 && c.Output != "" {
		notes = append(notes, fmt.Sprintf("%s (mode 0600) holds the scenario's secret headers: keep it private", r.Where))
	}
	if r.UnignoredIn != "" {
		warnings = append(warnings, fmt.Sprintf("%s is inside the git work tree %s, which does not ignore it: keep it out of git (add it to .gitignore, or write it elsewhere)", r.Where, r.UnignoredIn))
	}
	switch {
	case r.Accounts > 0:
		mode, expiry := " (mode 0600)", ""
		if c.Output == "" {
			mode = ""
		}
		if !r.TokensExpire.IsZero() {
			expiry = ", valid until " + r.TokensExpire.Format(time.RFC3339)
		}
		warnings = append(warnings, fmt.Sprintf("%s%s contains bearer tokens for %d account(s)%s: keep it private and delete it when done", r.Where, mode, r.Accounts, expiry))
	case len(r.Unauthenticated) > 0:
		hint := "pass --login to stamp a token (which then lands in the file)"
		if c.Login != nil {
			hint = "--login found no endpoint to stamp"
		}
		warnings = append(warnings, fmt.Sprintf("no Authorization header on the authenticated endpoints (%s): the server will likely answer 401; %s", strings.Join(r.Unauthenticated, ", "), hint))
	}
	return summary, notes, warnings
}

// Validate checks the format, the count and the base URL; with a
// Scenario, also the mix and that the http format has a place for its
// bodies.
func (c *Config) Validate() error {
	_, err := c.mix()
	return err
}

// mix validates c and builds its mix (nil without a Scenario).
func (c *Config) mix() (*targets.Mix, error) {
	if !slices.Contains(Formats(), c.Format) {
		return nil, fmt.Errorf("--export %q isn't one of [%s]", c.Format, strings.Join(Formats(), " "))
	}
	if c.Count <= 0 {
		return nil, fmt.Errorf("--count must be > 0, got %d", c.Count)
	}
	if err := targets.CheckBaseURL(c.BaseURL); err != nil {
		return nil, fmt.Errorf("--url %w", err)
	}
	if c.Scenario == nil {
		return nil, nil
	}
	if err := exportable(c.Scenario); err != nil {
		return nil, err
	}
	mix, err := targets.NewMix(c.Scenario, c.BaseURL)
	if err != nil {
		return nil, err
	}
	if c.Format == VegetaHTTP && c.Output == "" {
		for i := range mix.Len() {
			if e := mix.Endpoint(i); e.JSON != nil || e.Body != "" || len(e.Bodies) > 0 {
				return nil, fmt.Errorf("--export %s writes bodies to files next to the output: give --output", VegetaHTTP)
			}
		}
	}
	return mix, nil
}

// ErrJourneys is why a scenario with journeys cannot be exported:
// vegeta targets are independent requests, and a journey's steps carry
// values from one response to the next request.
var ErrJourneys = errors.New("vegeta targets are independent requests and cannot express journeys, whose steps use values saved from earlier responses: run the scenario with ragload attack or ragload users")

// exportable refuses a scenario with journeys, naming them, rather than
// write its endpoints as if they were a mix.
func exportable(sc *targets.Scenario) error {
	if len(sc.Journeys) == 0 {
		return nil
	}
	var names []string
	for i, j := range sc.Journeys {
		if i == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, input.Quote(j.Name))
	}
	return fmt.Errorf("scenario %s has journeys (%s): %w", input.Quote(sc.Name), strings.Join(names, ", "), ErrJourneys)
}

// Run writes cfg.Count targets of the scenario's mix in cfg.Format. The
// result is never nil; after an error it tells what was known before.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	res := &Result{Where: "stdout"}
	if cfg.Scenario == nil {
		return res, errors.New("export: no scenario")
	}
	mix, err := cfg.mix()
	if err != nil {
		return res, err
	}
	var authNames []string
	for i := range mix.Len() {
		if e := mix.Endpoint(i); e.Auth {
			authNames = append(authNames, e.Name)
		}
	}
	var pool *auth.Pool
	if cfg.Login != nil && len(authNames) > 0 {
		creds, err := cfg.Login()
		if err != nil {
			return res, err
		}
		pool = auth.NewPool(cfg.Client, cfg.BaseURL, cfg.Scenario.Auth, creds)
		if err := pool.Login(ctx); err != nil {
			return res, err
		}
		res.Accounts, res.TokensExpire = len(pool.Sessions()), firstExpiry(pool)
	} else {
		res.Unauthenticated = authNames
	}
	res.Private = pool != nil || cfg.Scenario.HasSecretHeaders()

	out := cfg.Stdout
	var f *os.File
	if cfg.Output != "" {
		res.Where = cfg.Output
		if f, err = createOutput(cfg.Output, res.Private); err != nil {
			return res, err
		}
		defer f.Close()
		out = f
	}
	w := bufio.NewWriter(out)
	enc := vegeta.NewJSONTargetEncoder(w)
	var bodies *BodyFiles
	if cfg.Format == VegetaHTTP {
		bodies = &BodyFiles{Dir: cfg.Output + ".bodies"}
		enc = NewHTTPTargetEncoder(w, bodies.Path)
	}
	err = writeTargets(enc, auth.NewTargeter(mix, pool, cfg.Seed), cfg.Count)
	if bodies != nil {
		res.Bodies, res.BodiesDir = bodies.Len(), bodies.Dir
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil && f != nil {
		err = f.Close()
	}
	if err != nil {
		return res, fmt.Errorf("write %s: %w", res.Where, err)
	}
	if res.Private {
		res.UnignoredIn = unignoredInGit(cfg.Output)
	}
	return res, nil
}

// createOutput opens the output file; one that holds a secret is made (or
// made again) private, as credentials files are.
func createOutput(path string, private bool) (*os.File, error) {
	mode := os.FileMode(0o644)
	if private {
		mode = 0o600
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create targets file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return nil, fmt.Errorf("create targets file: %w", err)
	}
	if private { // OpenFile keeps the mode of an existing file
		if err := f.Chmod(mode); err != nil {
			f.Close()
			return nil, fmt.Errorf("create targets file: %w", err)
		}
	}
	return f, nil
}

// unignoredInGit returns the root of the git work tree that holds path when
// git would not ignore path there (it could be committed), else "". Without
// a git binary to ask about the ignore rules, a file in a work tree counts
// as not ignored.
func unignoredInGit(path string) string {
	if path == "" {
		return ""
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	root := filepath.Dir(abs)
	for {
		if _, err := os.Lstat(filepath.Join(root, ".git")); err == nil {
			break
		}
		up := filepath.Dir(root)
		if up == root {
			return ""
		}
		root = up
	}
	// check-ignore exits 0 when the path is ignored, 1 when it is not.
	if exec.Command("git", "-C", root, "check-ignore", "-q", "--", abs).Run() == nil {
		return ""
	}
	return root
}

func writeTargets(enc vegeta.TargetEncoder, tr vegeta.Targeter, n int) error {
	for range n {
		var t vegeta.Target
		if err := tr(&t); err != nil {
			return err
		}
		if err := enc(&t); err != nil {
			return err
		}
	}
	return nil
}

// firstExpiry is when the earliest token of p expires; zero if unknown.
func firstExpiry(p *auth.Pool) time.Time {
	var first time.Time
	for _, s := range p.Sessions() {
		if t := s.Token(); t != nil && !t.Expires.IsZero() && (first.IsZero() || t.Expires.Before(first)) {
			first = t.Expires
		}
	}
	return first
}

// NewHTTPTargetEncoder returns a vegeta.TargetEncoder that writes targets in
// the http format vegeta's NewHTTPTargeter reads:
//
//	POST http://127.0.0.1:8000/api/v1/query/
//	Content-Type: application/json
//	@targets.http.bodies/001.json
//
// Headers are sorted. bodyFile stores a body and returns the path to write
// after "@" (see BodyFiles); targets without a body have no @ line.
func NewHTTPTargetEncoder(w io.Writer, bodyFile func([]byte) (string, error)) vegeta.TargetEncoder {
	var buf bytes.Buffer
	return func(t *vegeta.Target) error {
		buf.Reset()
		if strings.ContainsAny(t.URL, " \r\n") {
			return fmt.Errorf("target URL %q: the http format cannot hold spaces or newlines", t.URL)
		}
		fmt.Fprintf(&buf, "%s %s\n", t.Method, t.URL)
		for _, k := range slices.Sorted(maps.Keys(t.Header)) {
			for _, v := range t.Header[k] {
				if strings.ContainsAny(k+v, "\r\n") || strings.TrimSpace(v) == "" {
					return fmt.Errorf("header %q: the http format cannot hold an empty or multi-line value", k)
				}
				fmt.Fprintf(&buf, "%s: %s\n", k, v)
			}
		}
		if len(t.Body) > 0 {
			p, err := bodyFile(t.Body)
			if err != nil {
				return err
			}
			fmt.Fprintf(&buf, "@%s\n", p)
		}
		buf.WriteByte('\n')
		_, err := w.Write(buf.Bytes())
		return err
	}
}

// BodyFiles writes each distinct body once, as Dir/001.json, 002.json, …
// (.bin when the body is not JSON). Not safe for concurrent use.
type BodyFiles struct {
	// Dir is created on the first body; the returned paths start with it.
	Dir   string
	paths map[string]string
}

// Path stores body if it is new and returns its file's path.
func (bf *BodyFiles) Path(body []byte) (string, error) {
	if p, ok := bf.paths[string(body)]; ok {
		return p, nil
	}
	if bf.paths == nil {
		if err := os.MkdirAll(bf.Dir, 0o755); err != nil {
			return "", fmt.Errorf("body files: %w", err)
		}
		bf.paths = map[string]string{}
	}
	ext := ".bin"
	if json.Valid(body) {
		ext = ".json"
	}
	p := filepath.Join(bf.Dir, fmt.Sprintf("%03d%s", len(bf.paths)+1, ext))
	if err := os.WriteFile(p, body, 0o644); err != nil {
		return "", fmt.Errorf("body files: %w", err)
	}
	bf.paths[string(body)] = p
	return p, nil
}

// Len is the number of body files written.
func (bf *BodyFiles) Len() int { return len(bf.paths) }
