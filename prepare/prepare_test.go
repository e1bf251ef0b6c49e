package prepare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// prepDemo starts the demo API on loopback without service times.
func prepDemo(t *testing.T, cfg demo.Config) (*demo.Server, string) {
	t.Helper()
	cfg.Sigma = -1
	cfg.RegisterLatency, cfg.LoginLatency, cfg.UploadLatency, cfg.DocumentsLatency = -1, -1, -1, -1
	s := demo.New(cfg)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// prepDocs writes files (name -> content) to a fresh folder.
func prepDocs(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// prepNoSecret fails if err's message contains any of the passwords.
func prepNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q shows a password", err)
		}
	}
}

func prepWantErr(t *testing.T, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func passwords(creds []auth.Credential) []string {
	var out []string
	for _, c := range creds {
		out = append(out, c.Password)
	}
	return out
}

func TestPrepareUsers(t *testing.T) {
	t.Parallel()
	srv, url := prepDemo(t, demo.Config{})
	file := filepath.Join(t.TempDir(), "credentials.csv")
	var logs []string
	cfg := Config{BaseURL: url, Users: 5, CredentialsFile: file, Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }}
	res, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 5 || res.Existing != 0 || len(res.Credentials) != 5 || res.CredentialsFile != file || res.FileUsers != 5 {
		t.Fatalf("result %+v, want 5 created and written to %s", res, file)
	}
	if m := fileMode(t, file); m != 0o600 {
		t.Errorf("file mode %v, want 0600", m)
	}
	got, err := auth.LoadCredentials(file)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, res.Credentials) {
		t.Errorf("file holds %v, want %v", got, res.Credentials)
	}
	for i, c := range got {
		if want := fmt.Sprintf("ragload-user-%03d@example.com", i+1); c.Username != want {
			t.Errorf("user %d is %q, want %q", i, c.Username, want)
		}
		if len(c.Password) < 20 || !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(c.Password) {
			t.Errorf("password of %s is not ≥ 20 URL-safe characters", c.Username)
		}
	}
	if ps := passwords(got); len(slices.Compact(slices.Sorted(slices.Values(ps)))) != 5 {
		t.Error("passwords repeat")
	}
	if err := auth.NewPool(http.DefaultClient, url, targets.Default().Auth, got).Login(t.Context()); err != nil {
		t.Fatalf("prepared users cannot log in: %v", err)
	}
	for _, c := range got {
		if n := srv.LoginsBy(c.Username); n != 1 {
			t.Errorf("%s logged in %d times, want 1", c.Username, n)
		}
	}
	// Progress counts up to the end: 5/5, not 4/5.
	if i := slices.IndexFunc(logs, func(l string) bool { return strings.HasPrefix(l, "registered ") }); i < 0 || logs[len(logs)-1] != "registered 5/5 users" {
		t.Errorf("progress lines %q, want them to end with registered 5/5 users", logs)
	}
	logs = nil
	for _, l := range logs {
		for _, p := range passwords(got) {
			if strings.Contains(l, p) {
				t.Errorf("progress line %q shows a password", l)
			}
		}
	}

	// Again with the same file: nothing new, the same passwords.
	res, err = Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 0 || res.Existing != 5 || !slices.Equal(res.Credentials, got) {
		t.Errorf("second run: %d created, %d existing, credentials changed: %v", res.Created, res.Existing, !slices.Equal(res.Credentials, got))
	}
	// Its progress does not claim to register what already existed.
	if len(logs) == 0 || logs[len(logs)-1] != "checked 5/5 users (0 new, 5 already existed)" || slices.ContainsFunc(logs, func(l string) bool { return strings.HasPrefix(l, "registered ") }) {
		t.Errorf("second run's progress lines %q, want them to end with checked 5/5 users (0 new, 5 already existed), none registered", logs)
	}
	again, err := auth.LoadCredentials(file)
	if err != nil || !slices.Equal(again, got) {
		t.Errorf("file after the second run: %v, %v", again, err)
	}
	if st := srv.Stats(); st.Registrations != 5 {
		t.Errorf("the server registered %d users, want 5", st.Registrations)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*tmp")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestPrepareReusesFile: passwords listed in the file are reused, a
// group-readable mode becomes 0600, and accounts the run did not prepare
// stay listed. A file other users can read is refused and left as it is.
func TestPrepareReusesFile(t *testing.T) {
	t.Parallel()
	const known, other = "Kn0wn-password-of-user-1", "other-Secret-9"
	srv, url := prepDemo(t, demo.Config{Users: map[string]string{"qa-001@example.com": known}})
	file := filepath.Join(t.TempDir(), "creds.csv")
	content := []byte("username,password\nother@example.com," + other + "\nqa-001@example.com," + known + "\n")
	os.WriteFile(file, content, 0o600)
	if runtime.GOOS != "windows" {
		os.Chmod(file, 0o644)
		_, err := Run(t.Context(), Config{BaseURL: url, Users: 3, UserPrefix: "qa", CredentialsFile: file})
		var me *auth.ModeError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), "chmod 600 "+file) {
			t.Fatalf("Run with a world-readable file: err = %v, want a *auth.ModeError with the fix", err)
		}
		if b, _ := os.ReadFile(file); fileMode(t, file) != 0o644 || string(b) != string(content) || srv.Stats().Registrations != 0 {
			t.Fatal("a refused file was changed, or accounts registered")
		}
		os.Chmod(file, 0o640)
	}
	res, err := Run(t.Context(), Config{BaseURL: url, Users: 3, UserPrefix: "qa", CredentialsFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2 || res.Existing != 1 || res.FileUsers != 4 {
		t.Errorf("created %d existing %d file users %d, want 2, 1, 4", res.Created, res.Existing, res.FileUsers)
	}
	if m := fileMode(t, file); m != 0o600 {
		t.Errorf("file mode %v, want 0600", m)
	}
	got, err := auth.LoadCredentials(file)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.Username)
	}
	if want := []string{"qa-001@example.com", "qa-002@example.com", "qa-003@example.com", "other@example.com"}; !slices.Equal(names, want) {
		t.Errorf("file lists %q, want %q", names, want)
	}
	if got[0].Password != known || got[3].Password != other {
		t.Error("a password from the file was not kept")
	}
	if err := auth.NewPool(http.DefaultClient, url, targets.Default().Auth, got[:3]).Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Registrations; n != 2 {
		t.Errorf("%d registrations, want 2", n)
	}
}

func TestPrepareExistingUnknownPassword(t *testing.T) {
	t.Parallel()
	const theirs = "Someone-elses-password-1"
	srv, url := prepDemo(t, demo.Config{Users: map[string]string{"ragload-user-002@example.com": theirs}})
	file := filepath.Join(t.TempDir(), "credentials.csv")
	cfg := Config{BaseURL: url, Users: 3, CredentialsFile: file}
	res, err := Run(t.Context(), cfg)
	prepWantErr(t, err, `"ragload-user-002@example.com" already exists`, "password that is not in "+file, "401 Unauthorized", "--user-prefix")
	prepNoSecret(t, err, append(passwords(res.Credentials), theirs)...)
	if strings.Contains(err.Error(), "ragload-user-001") || strings.Contains(err.Error(), "ragload-user-003") {
		t.Errorf("error %q names users that are fine", err)
	}
	// The two new accounts are kept, so that a rerun does not lose them.
	if res.Created != 2 || res.FileUsers != 2 {
		t.Fatalf("created %d, file users %d; want 2 and 2", res.Created, res.FileUsers)
	}
	got, _ := auth.LoadCredentials(file)
	if len(got) != 2 || got[0].Username != "ragload-user-001@example.com" || got[1].Username != "ragload-user-003@example.com" {
		t.Errorf("file lists %v", got)
	}
	prepNoSecret(t, err, passwords(got)...)

	res, err = Run(t.Context(), cfg)
	prepWantErr(t, err, `"ragload-user-002@example.com" already exists`)
	if res.Created != 0 || srv.Stats().Registrations != 2 {
		t.Errorf("rerun created %d (server: %d registrations)", res.Created, srv.Stats().Registrations)
	}
}

// TestPrepareExistingLogsIn: an account the server has, with the password
// we hold, is fine even if the file did not list it.
func TestPrepareExistingLogsIn(t *testing.T) {
	t.Parallel()
	// The server says "already" for every account, and accepts any login.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case DefaultRegisterPath:
			http.Error(w, `{"detail":"Email already registered"}`, http.StatusConflict)
		case targets.Default().Auth.LoginPath:
			io.WriteString(w, `{"access_token":"t","token_type":"bearer"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	res, err := Run(t.Context(), Config{BaseURL: srv.URL, Users: 2, CredentialsFile: filepath.Join(t.TempDir(), "c.csv")})
	if err != nil || res.Existing != 2 || res.Created != 0 || res.FileUsers != 2 {
		t.Fatalf("Run = %+v, %v; want 2 existing, written", res, err)
	}
}

func TestPrepareRegisterErrors(t *testing.T) {
	t.Parallel()
	_, demoURL := prepDemo(t, demo.Config{})
	var (
		mu     sync.Mutex
		echoed []string
	)
	rejecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		echoed = append(echoed, body["password"])
		mu.Unlock()
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprintf(w, `{"detail":"password %s is too weak"}`, body["password"])
	}))
	t.Cleanup(rejecting.Close)
	unclear := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"detail":"bad request"}`, http.StatusBadRequest)
	}))
	t.Cleanup(unclear.Close)
	refused := testtool.RefusedURL(t)

	tests := []struct {
		name string
		cfg  Config
		want []string
		is   error
	}{
		{"no route", Config{BaseURL: demoURL, RegisterPath: "/api/v1/auth/signup"},
			[]string{"the server at " + demoURL + " has no POST /api/v1/auth/signup (404 Not Found): set --register-path"}, nil},
		{"wrong method", Config{BaseURL: demoURL, RegisterPath: "/api/v1/documents/"},
			[]string{"has no POST /api/v1/documents/ (405 Method Not Allowed): set --register-path"}, nil},
		{"rejected", Config{BaseURL: rejecting.URL},
			[]string{`the server rejected the registration of "ragload-user-`, "422 Unprocessable Entity", `password *** is too weak`}, nil},
		{"400 without exists", Config{BaseURL: unclear.URL}, []string{"400 Bad Request", "bad request"}, nil},
		{"refused", Config{BaseURL: refused},
			[]string{"the server at " + refused + " is not reachable (is it running?)"}, syscall.ECONNREFUSED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "credentials.csv")
			tt.cfg.Users, tt.cfg.CredentialsFile = 20, file
			res, err := Run(t.Context(), tt.cfg)
			prepWantErr(t, err, tt.want...)
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if res.Created != 0 || res.CredentialsFile != "" {
				t.Errorf("result %+v after a failure", res)
			}
			if _, serr := os.Stat(file); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("credentials file written after a failure (%v)", serr)
			}
			mu.Lock()
			defer mu.Unlock()
			prepNoSecret(t, err, echoed...)
		})
	}
}

// TestPrepareRefusesRedirectToAnotherServer: a registration (which
// carries a password) answered with a 307 to another server is refused;
// that server sees nothing.
func TestPrepareRefusesRedirectToAnotherServer(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int64
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(thief.Close)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, thief.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)
	_, err := Run(t.Context(), Config{BaseURL: redirecting.URL, Users: 3, CredentialsFile: filepath.Join(t.TempDir(), "c.csv")})
	prepWantErr(t, err, `register "ragload-user-`, "at "+redirecting.URL+"/api/v1/auth/register: refused to follow a redirect to "+thief.URL+
		"/steal (another host): the credentials would go there")
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other server got %d registrations", n)
	}
}

// TestDetailMasksEncodedSecret: prepare's messages mask a secret the
// server echoes URL-encoded or JSON-escaped, as login's do.
func TestDetailMasksEncodedSecret(t *testing.T) {
	const secret = "tok&en<1>"
	body, _ := json.Marshal(map[string]string{"a": secret, "b": url.QueryEscape(secret)})
	if got := detail(body, secret); strings.Contains(got, "tok") || strings.Count(got, "***") != 2 {
		t.Errorf("detail(%s) = %q, want both forms masked", body, got)
	}
}

func TestPrepareCancelled(t *testing.T) {
	t.Parallel()
	srv, url := prepDemo(t, demo.Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	file := filepath.Join(t.TempDir(), "credentials.csv")
	res, err := Run(ctx, Config{BaseURL: url, Users: 5, CredentialsFile: file})
	prepWantErr(t, err, "prepare interrupted")
	if !errors.Is(err, context.Canceled) || res.Created != 0 || srv.Stats().Requests["register"] != 0 {
		t.Errorf("err %v, result %+v, %d registrations sent", err, res, srv.Stats().Requests["register"])
	}
}

func listedFilenames(t *testing.T, url, token string) []string {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url+DefaultDocumentsPath, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	names, err := documentNames(b)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestPrepareDocuments(t *testing.T) {
	t.Parallel()
	srv, url := prepDemo(t, demo.Config{})
	dir := prepDocs(t, map[string]string{
		"b.md": "# B\n", "a.txt": "alpha", "c big.pdf": strings.Repeat("x", 1<<20),
		".hidden": "no", "sub/d.md": "not recursive",
	})
	login := auth.Credential{Username: demo.DefaultUsername, Password: demo.DefaultPassword}
	cfg := Config{BaseURL: url, Documents: dir, Login: login}
	res, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.txt", "b.md", "c big.pdf"}
	if !slices.Equal(res.Uploaded, want) || len(res.Skipped) != 0 || res.CredentialsFile != "" {
		t.Fatalf("uploaded %q skipped %q file %q; want %q uploaded", res.Uploaded, res.Skipped, res.CredentialsFile, want)
	}
	if n := srv.Stats().Uploads; n != 3 {
		t.Errorf("the demo stored %d uploads, want 3", n)
	}
	p := auth.NewPool(http.DefaultClient, url, targets.Default().Auth, []auth.Credential{login})
	if err := p.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	listed := listedFilenames(t, url, p.Sessions()[0].Token().Value)
	for _, name := range want {
		if !slices.Contains(listed, name) {
			t.Errorf("the server does not list %q: %q", name, listed)
		}
	}

	res, err = Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uploaded) != 0 || !slices.Equal(res.Skipped, want) || srv.Stats().Uploads != 3 {
		t.Errorf("second run uploaded %q, skipped %q (server: %d uploads)", res.Uploaded, res.Skipped, srv.Stats().Uploads)
	}
}

// TestPrepareUsersAndDocuments: the uploads log in as the first prepared
// user.
func TestPrepareUsersAndDocuments(t *testing.T) {
	t.Parallel()
	srv, url := prepDemo(t, demo.Config{})
	res, err := Run(t.Context(), Config{
		BaseURL: url, Users: 2, CredentialsFile: filepath.Join(t.TempDir(), "c.csv"),
		Documents: prepDocs(t, map[string]string{"one.md": "1"}),
		Login:     auth.Credential{Username: "ignored@example.com", Password: "ignored"},
	})
	if err != nil || res.Created != 2 || len(res.Uploaded) != 1 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	if n := srv.LoginsBy("ragload-user-001@example.com"); n != 1 {
		t.Errorf("the first user logged in %d times, want 1", n)
	}
}

func TestPrepareUploadErrors(t *testing.T) {
	t.Parallel()
	_, url := prepDemo(t, demo.Config{MaxUploadBytes: 100})
	dir := prepDocs(t, map[string]string{"a.md": "small", "b.pdf": strings.Repeat("x", 2000)})
	login := auth.Credential{Username: demo.DefaultUsername, Password: demo.DefaultPassword}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"no upload route", Config{UploadPath: "/api/v1/docs/upload"},
			[]string{"has no POST /api/v1/docs/upload (404 Not Found): set --upload-path"}},
		{"no list route", Config{DocumentsPath: "/api/v1/docs/"},
			[]string{"has no GET /api/v1/docs/ (404 Not Found): set --documents-path"}},
		{"too large", Config{}, []string{`upload "b.pdf": the server refused it as too large (413 Request Entity Too Large)`}},
		{"login refused", Config{Login: auth.Credential{Username: login.Username, Password: "Wrong-password-123"}},
			[]string{"upload documents: login as", "401 Unauthorized"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.BaseURL, tt.cfg.Documents = url, dir
			if tt.cfg.Login == (auth.Credential{}) {
				tt.cfg.Login = login
			}
			_, err := Run(t.Context(), tt.cfg)
			prepWantErr(t, err, tt.want...)
			prepNoSecret(t, err, login.Password, "Wrong-password-123")
		})
	}
}

// TestPrepareListPaging: the list is read page by page with ?skip=, and a
// server that ignores skip is read once.
func TestPrepareListPaging(t *testing.T) {
	t.Parallel()
	all := []string{"d1.md", "d2.md", "d3.md", "d4.md", "d5.md"}
	newServer := func(paging bool, uploads *[]string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/login":
				io.WriteString(w, `{"access_token":"tok"}`)
			case "/docs":
				skip, _ := strconv.Atoi(r.URL.Query().Get("skip"))
				page := all[min(skip, len(all)):min(skip+2, len(all))]
				if !paging {
					page = all[:2]
				}
				var items []map[string]string
				for _, n := range page {
					items = append(items, map[string]string{"filename": n})
				}
				json.NewEncoder(w).Encode(map[string]any{"items": items, "total": len(all)})
			case "/upload":
				_, fh, err := r.FormFile("file")
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				*uploads = append(*uploads, fh.Filename)
				w.WriteHeader(http.StatusCreated)
			}
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	dir := prepDocs(t, map[string]string{"d1.md": "1", "d4.md": "4", "new.md": "n"})
	for _, tt := range []struct {
		paging bool
		want   []string
	}{{true, []string{"new.md"}}, {false, []string{"d4.md", "new.md"}}} {
		var uploads []string
		url := newServer(tt.paging, &uploads)
		res, err := Run(t.Context(), Config{
			BaseURL: url, Documents: dir, Login: auth.Credential{Username: "u", Password: "p"},
			Auth:       targets.Auth{LoginPath: "/login", UsernameField: "username", PasswordField: "password", TokenField: "access_token"},
			UploadPath: "/upload", DocumentsPath: "/docs",
		})
		if err != nil || !slices.Equal(res.Uploaded, tt.want) || !slices.Equal(uploads, tt.want) {
			t.Errorf("paging %v: uploaded %q (server saw %q), %v; want %q", tt.paging, res.Uploaded, uploads, err, tt.want)
		}
	}
}

func TestDocumentNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, want, err string }{
		{`[{"id":1,"filename":"a.pdf"},{"filename":"b.md","title":"B"}]`, "a.pdf,b.md", ""},
		{`{"documents":[{"filename":"a.pdf"}],"total":1}`, "a.pdf", ""},
		{`{"items":[{"filename":"x"},{"title":"no name"}]}`, "x", ""},
		{`[]`, "", ""},
		{`{"data":[],"count":0}`, "", "got an object with count, data"},
		{`<html>`, "", "want an array of documents"},
		{`{"documents":`, "", "response is not JSON"},
	}
	for _, tt := range tests {
		got, err := documentNames([]byte(tt.body))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("documentNames(%s) = %v, want an error containing %q", tt.body, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != tt.want {
			t.Errorf("documentNames(%s) = %q, %v; want %q", tt.body, got, err, tt.want)
		}
	}
}

func TestPrepareConfigValidate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	docs := prepDocs(t, map[string]string{"a.md": "a"})
	empty := prepDocs(t, map[string]string{".hidden": "x", "sub/x.md": "x"})
	notDir := filepath.Join(docs, "a.md")
	login := auth.Credential{Username: "u", Password: "p"}
	base := func(f func(*Config)) Config {
		c := Config{BaseURL: "http://127.0.0.1:1", Users: 3, CredentialsFile: filepath.Join(dir, "c.csv")}
		f(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"ok", base(func(*Config) {}), ""},
		{"ok documents only", base(func(c *Config) { c.Users, c.Documents, c.Login = 0, docs, login }), ""},
		{"no url", base(func(c *Config) { c.BaseURL = "" }), "--url is required"},
		{"bad url", base(func(c *Config) { c.BaseURL = "127.0.0.1:8000" }), `--url "127.0.0.1:8000" has no scheme: want "http://127.0.0.1:8000"`},
		{"negative users", base(func(c *Config) { c.Users = -1 }), "--users must be >= 0, got -1"},
		{"nothing", base(func(c *Config) { c.Users = 0 }), "give --users N, --documents DIR, or both"},
		{"relative path", base(func(c *Config) { c.RegisterPath = "register" }), `--register-path "register" must start with /`},
		{"bad prefix", base(func(c *Config) { c.UserPrefix = "a@b" }), `--user-prefix "a@b"`},
		{"no credentials file", base(func(c *Config) { c.CredentialsFile = "" }), "--credentials-out is required"},
		{"missing folder", base(func(c *Config) { c.CredentialsFile = filepath.Join(dir, "nope", "c.csv") }), "does not exist"},
		{"credentials is a folder", base(func(c *Config) { c.CredentialsFile = dir }), "is not a regular file"},
		{"documents missing", base(func(c *Config) { c.Documents = filepath.Join(dir, "nope") }), "nope\": no such folder"},
		{"documents a file", base(func(c *Config) { c.Documents = notDir }), "is not a folder"},
		{"documents empty", base(func(c *Config) { c.Documents = empty }), "no files to upload"},
		{"no login", base(func(c *Config) { c.Users, c.Documents = 0, docs }), "needs a login"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestUserNameAndPassword(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		i, n int
		want string
	}{{1, 5, "p-001@example.com"}, {12, 999, "p-012@example.com"}, {7, 1000, "p-0007@example.com"}, {12345, 12345, "p-12345@example.com"}} {
		if got := userName("p", tt.i, tt.n); got != tt.want {
			t.Errorf("userName(p, %d, %d) = %q, want %q", tt.i, tt.n, got, tt.want)
		}
	}
	seen := map[string]bool{}
	for range 100 {
		p := newPassword()
		if len(p) < 20 || !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(p) || !regexp.MustCompile(`[A-Z]`).MatchString(p) ||
			!regexp.MustCompile(`[a-z]`).MatchString(p) || !regexp.MustCompile(`[0-9]`).MatchString(p) || seen[p] {
			t.Fatalf("bad or repeated password %q", p)
		}
		seen[p] = true
	}
}

// TestPrepareMakesFolder: with MakeFolder the credentials file's missing
// folder is created before any registration; a file in its place is an
// error before any request.
func TestPrepareMakesFolder(t *testing.T) {
	t.Parallel()
	srv, url := prepDemo(t, demo.Config{})
	dir := t.TempDir()
	file := filepath.Join(dir, "runs", "credentials.csv")
	res, err := Run(t.Context(), Config{BaseURL: url, Users: 2, CredentialsFile: file, MakeFolder: true})
	if err != nil || res.CredentialsFile != file {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	if m := fileMode(t, file); m != 0o600 {
		t.Errorf("file mode %v, want 0600", m)
	}
	blocked := filepath.Join(dir, "blocked")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Run(t.Context(), Config{BaseURL: url, Users: 2, CredentialsFile: filepath.Join(blocked, "c.csv"), MakeFolder: true})
	if err == nil || !strings.Contains(err.Error(), "is not a folder") {
		t.Errorf("a file in the folder's place: %v", err)
	}
	if st := srv.Stats(); st.Registrations != 2 {
		t.Errorf("the server registered %d users, want 2", st.Registrations)
	}
}
