package prepare

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// Defaults of Config: the routes of the RAG API and the account names.
const (
	DefaultRegisterPath  = "/api/v1/auth/register"
	DefaultUploadPath    = "/api/v1/documents/upload"
	DefaultDocumentsPath = "/api/v1/documents/"
	DefaultUserPrefix    = "ragload-user"
)

const (
	// registerParallel is how many registrations are in flight at once.
	registerParallel = 8
	// inFlightGrace is how long requests already sent may finish after ctx
	// ends: a registration cut off in flight may still create the account,
	// and its password would then be lost.
	inFlightGrace = 10 * time.Second
	// maxListPages bounds the pages of the documents list read.
	maxListPages = 100
)

// Config says what Run creates on the API under test. Error
// messages name the `ragload prepare` flags that set the fields.
type Config struct {
	// BaseURL is the API's base URL, e.g. http://127.0.0.1:8000.
	BaseURL string
	// Client sends every request; nil means a client with a 60 s timeout.
	Client *http.Client
	// Auth is the form login of the uploads; zero means targets.Default().Auth.
	Auth targets.Auth

	// Users is how many accounts to register; 0 registers none.
	Users int
	// UserPrefix names the accounts <prefix>-001@example.com and so on,
	// numbered to the width of Users (at least 3 digits). Empty means
	// DefaultUserPrefix.
	UserPrefix string
	// RegisterPath is the registration route, which takes the JSON
	// {"username": u, "email": u, "password": p}. Empty means
	// DefaultRegisterPath.
	RegisterPath string
	// CredentialsFile is the CSV file of the accounts (the format of
	// auth.LoadCredentials), required when Users > 0. When it exists it is read
	// first and the passwords it lists are reused; it is then rewritten
	// atomically with mode 0600.
	CredentialsFile string
	// MakeFolder creates the folder of CredentialsFile (mode 0755) when it
	// is missing, before any account is registered; without it a missing
	// folder is an error (a mistyped path).
	MakeFolder bool

	// Documents is a folder whose files (regular files, not dotfiles, not
	// recursive) are uploaded; empty means none.
	Documents string
	// UploadPath is the upload route (multipart/form-data, field "file") and
	// DocumentsPath the list of documents already there; empty means
	// DefaultUploadPath and DefaultDocumentsPath.
	UploadPath, DocumentsPath string
	// Login is the account that uploads when Users is 0; otherwise the
	// first prepared account does.
	Login auth.Credential

	// Logf, when non-nil, receives progress lines. They never hold a
	// password or a token.
	Logf func(format string, args ...any)
}

// Result is what Run did; after an error, what it did before.
type Result struct {
	// Created counts the accounts registered now, Existing those the server
	// already had with the password held.
	Created, Existing int
	// Credentials are the prepared accounts known to be usable, in order.
	Credentials []auth.Credential
	// CredentialsFile is the file written ("" when none was) and FileUsers
	// the accounts it lists: the prepared ones and any others it listed
	// before (kept, as their passwords would otherwise be lost).
	CredentialsFile string
	FileUsers       int
	// Uploaded are the files uploaded now, Skipped those whose name the
	// server already listed.
	Uploaded, Skipped []string
}

// Validate checks the configuration and the local files it names.
func (c *Config) Validate() error {
	urlErr := targets.CheckBaseURL(c.BaseURL)
	switch {
	case c.BaseURL == "":
		return errors.New("--url is required (the API's base URL, e.g. http://127.0.0.1:8000)")
	case urlErr != nil:
		return fmt.Errorf("--url %w", urlErr)
	case c.Users < 0:
		return fmt.Errorf("--users must be >= 0, got %d", c.Users)
	case c.Users == 0 && c.Documents == "":
		return errors.New("nothing to prepare: give --users N, --documents DIR, or both")
	}
	for _, p := range []struct{ flag, v string }{
		{"--register-path", c.RegisterPath}, {"--upload-path", c.UploadPath}, {"--documents-path", c.DocumentsPath},
	} {
		if p.v != "" && !strings.HasPrefix(p.v, "/") {
			return fmt.Errorf("%s %q must start with /", p.flag, p.v)
		}
	}
	if c.Users > 0 {
		if p := c.UserPrefix; strings.ContainsAny(p, "@,\"#") || strings.IndexFunc(p, isSpaceOrControl) >= 0 {
			return fmt.Errorf("--user-prefix %q: use letters, digits, dots, dashes or underscores", p)
		}
		if c.CredentialsFile == "" {
			return errors.New("--credentials-out is required with --users")
		}
		dir := filepath.Dir(c.CredentialsFile)
		st, err := os.Stat(dir)
		switch {
		case err == nil && !st.IsDir():
			return fmt.Errorf("--credentials-out %q: %q is not a folder", c.CredentialsFile, dir)
		case err != nil && !(c.MakeFolder && errors.Is(err, fs.ErrNotExist)):
			return fmt.Errorf("--credentials-out %q: folder %q does not exist", c.CredentialsFile, dir)
		}
		if st, err := os.Stat(c.CredentialsFile); err == nil && !st.Mode().IsRegular() {
			return fmt.Errorf("--credentials-out %q is not a regular file", c.CredentialsFile)
		}
	} else if c.Login.Username == "" || c.Login.Password == "" {
		return errors.New("uploading with --users 0 needs a login (--username and --password)")
	}
	if c.Documents != "" {
		if _, err := documentFiles(c.Documents); err != nil {
			return err
		}
	}
	return nil
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

// Run registers cfg.Users accounts, writes their credentials file and
// uploads the documents of cfg.Documents that the server does not list yet.
// It is idempotent: a second run with the same file registers and uploads
// nothing new. The result is never nil.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	res := &Result{}
	if err := cfg.Validate(); err != nil {
		return res, err
	}
	p := newPreparer(cfg)
	var files []string
	if cfg.Documents != "" {
		var err error
		if files, err = documentFiles(cfg.Documents); err != nil {
			return res, err
		}
	}
	login := cfg.Login
	if cfg.Users > 0 {
		if cfg.MakeFolder { // before registering: the passwords must have a place to go
			if err := os.MkdirAll(filepath.Dir(cfg.CredentialsFile), 0o755); err != nil {
				return res, fmt.Errorf("--credentials-out %q: %w", cfg.CredentialsFile, err)
			}
		}
		if err := p.prepareUsers(ctx, res); err != nil {
			return res, err
		}
		login = res.Credentials[0]
	}
	if len(files) > 0 {
		if err := p.uploadAll(ctx, login, files, res); err != nil {
			return res, err
		}
	}
	return res, nil
}

type preparer struct {
	cfg    Config
	client *http.Client
	base   string
	shown  string // base for messages: userinfo redacted
}

func newPreparer(cfg Config) *preparer {
	if cfg.Auth == (targets.Auth{}) {
		cfg.Auth = targets.Default().Auth
	}
	cfg.UserPrefix = cmp.Or(cfg.UserPrefix, DefaultUserPrefix)
	cfg.RegisterPath = cmp.Or(cfg.RegisterPath, DefaultRegisterPath)
	cfg.UploadPath = cmp.Or(cfg.UploadPath, DefaultUploadPath)
	cfg.DocumentsPath = cmp.Or(cfg.DocumentsPath, DefaultDocumentsPath)
	p := &preparer{cfg: cfg, client: cfg.Client, base: strings.TrimRight(cfg.BaseURL, "/")}
	p.shown = results.RedactURL(p.base)
	if p.client == nil {
		p.client = &http.Client{Timeout: 60 * time.Second}
	}
	// Registrations carry passwords, uploads a token: neither follows a
	// redirect to another server.
	p.client = auth.RefuseOtherHosts(p.client, "the credentials would go there")
	return p
}

func (p *preparer) logf(format string, args ...any) {
	if p.cfg.Logf != nil {
		p.cfg.Logf(format, args...)
	}
}

// userName is the i-th (1-based) of n account names.
func userName(prefix string, i, n int) string {
	width := max(3, len(strconv.Itoa(n)))
	return fmt.Sprintf("%s-%0*d@example.com", prefix, width, i)
}

// newPassword returns 32 URL-safe random characters with at least one
// upper-case letter, lower-case letter and digit (common password rules).
func newPassword() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for {
		b := make([]byte, 32)
		rand.Read(b) // never fails (Go 1.24+)
		for i := range b {
			b[i] = alphabet[b[i]%64]
		}
		if s := string(b); strings.ContainsAny(s, alphabet[:26]) && strings.ContainsAny(s, alphabet[26:52]) && strings.ContainsAny(s, alphabet[52:62]) {
			return s
		}
	}
}

// unreachable turns a transport error into a message about the server
// when the connection could not be made, and prefixes it with what
// otherwise.
func (p *preparer) unreachable(what string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is in our message already
	}
	if uerr := p.notConnected(err); uerr != nil {
		return uerr
	}
	return fmt.Errorf("%s: %w", what, err)
}

// notConnected says that the server is not reachable if err is a failure
// to connect, and returns nil otherwise.
func (p *preparer) notConnected(err error) error {
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("the server at %s is not reachable (is it running?): %w", p.shown, err)
	case errors.As(err, &dns), errors.As(err, &op) && op.Op == "dial":
		return fmt.Errorf("the server at %s is not reachable: %w", p.shown, err)
	}
	return nil
}

// routeError says that the server does not have a route, and which flag
// changes it.
func (p *preparer) routeError(method, path, status, flag string) error {
	return fmt.Errorf("the server at %s has no %s %s (%s): set %s", p.shown, method, path, status, flag)
}

// detail is ": <the start of body>" with secret masked (see
// auth.BodyExcerpt), or "".
func detail(body []byte, secret string) string {
	if s := auth.BodyExcerpt(body, secret); s != "" {
		return ": " + s
	}
	return ""
}

// readBody reads up to limit bytes of resp's body; a read error keeps what
// arrived (it only serves messages).
func readBody(resp *http.Response, limit int64) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	return b
}

// inFlightContext is ctx for requests already sent: it ends inFlightGrace
// after ctx does, so they can finish instead of leaving the server in an
// unknown state.
func inFlightContext(ctx context.Context) (context.Context, context.CancelFunc) {
	g, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(inFlightGrace, cancel) })
	return g, func() { stop(); cancel() }
}

func interrupted(ctx context.Context) error {
	return fmt.Errorf("prepare interrupted: %w", context.Cause(ctx))
}
