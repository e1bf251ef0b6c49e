package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/web"
)

func TestNewWebCmd(t *testing.T) {
	tests := []struct {
		name, args, env, wantErr string
		wantAddr, wantToken      string
		wantHosts                []string
	}{
		{name: "defaults", wantAddr: "127.0.0.1:8089"},
		{name: "ipv6 loopback", args: "--addr [::1]:9000", wantAddr: "[::1]:9000"},
		{name: "localhost", args: "--addr localhost:9000", wantAddr: "localhost:9000"},
		{name: "remote refused", args: "--addr 0.0.0.0:8089", wantErr: "--addr 0.0.0.0:8089 is not a loopback address: the page can start load, so this needs --allow-remote"},
		{name: "every interface needs a host name", args: "--addr 0.0.0.0:8089 --allow-remote",
			wantErr: "--addr 0.0.0.0:8089 listens on every interface: name the host the browser will use with --allow-host (the dashboard answers only requests for its own names)"},
		{name: "remote allowed", args: "--addr 0.0.0.0:8089 --allow-remote --allow-host box.lan --allow-host box.lan:80", wantAddr: "0.0.0.0:8089", wantHosts: []string{"box.lan", "box.lan:80"}},
		{name: "remote address", args: "--addr 192.168.1.20:8089 --allow-remote", wantAddr: "192.168.1.20:8089"},
		{name: "bad allow-host", args: "--allow-host http://x/", wantErr: `--allow-host "http://x/": want a host name or host:port`},
		{name: "bad addr", args: "--addr 8089", wantErr: `--addr "8089": want host:port, e.g. 127.0.0.1:8089`},
		{name: "max users", args: "--max-users 0", wantErr: "--max-users must be ≥ 1, got 0"},
		{name: "token flag", args: "--token 0123456789abcdef", wantAddr: "127.0.0.1:8089", wantToken: "0123456789abcdef"},
		{name: "token env", env: "env-token-0123456789", wantAddr: "127.0.0.1:8089", wantToken: "env-token-0123456789"},
		{name: "token flag wins", args: "--token 0123456789abcdef", env: "env-token-0123456789", wantAddr: "127.0.0.1:8089", wantToken: "0123456789abcdef"},
		{name: "short token", args: "--token s3cret", wantErr: "--token: want at least 16 characters, got 6"},
		{name: "empty token", args: "--token=", wantErr: "--token: want at least 16 characters, got 0"},
		{name: "short env token", env: "s3cret", wantErr: "$RAGLOAD_WEB_TOKEN: want at least 16 characters, got 6"},
		{name: "token without a value", args: "--token", wantErr: "flag needs an argument: --token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(web.EnvToken, tt.env)
			var got *webOptions
			cmd := newWebCmd(&streams{Out: io.Discard, ErrOut: io.Discard}, func(_ context.Context, o *webOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Addr != tt.wantAddr || got.RunsDir != "runs" || got.ScenariosDir != "." || got.Token != tt.wantToken ||
				strings.Join(got.AllowHosts, ",") != strings.Join(tt.wantHosts, ",") {
				t.Errorf("addr %q runs %q scenarios %q token %q hosts %q, want %q runs . %q %q",
					got.Addr, got.RunsDir, got.ScenariosDir, got.Token, got.AllowHosts, tt.wantAddr, tt.wantToken, tt.wantHosts)
			}
		})
	}
}

// TestWebHelp: the help says how the token works and where scenarios
// come from.
func TestWebHelp(t *testing.T) {
	cmd := newWebCmd(&streams{Out: io.Discard, ErrOut: io.Discard}, nil)
	var b strings.Builder
	cmd.SetOut(&b)
	cmd.SetArgs([]string{"--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/?token=", "$RAGLOAD_WEB_TOKEN", "--token", "--scenarios", "--allow-host", "401", "rebinding",
		"anyone\n    who has the URL can start load against any URL with these credentials"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("ragload web --help does not say %q", want)
		}
	}
}

// webURLLine is the line runWeb prints with the URL to open.
var webURLLine = regexp.MustCompile(`ragload: dashboard on (http://\S+) \(runs in `)

// startWeb runs runWeb on a free loopback port until the test ends and
// returns the URL it printed.
func startWeb(t *testing.T, o *webOptions) (string, *lockedBuffer) {
	t.Helper()
	var stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runWeb(ctx, &streams{Out: io.Discard, ErrOut: &stderr}, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runWeb: %v", err)
		}
	})
	var m []string
	testtool.WaitFor(t, 10*time.Second, "runWeb to print its URL", func() bool {
		m = webURLLine.FindStringSubmatch(stderr.String())
		return m != nil
	})
	return m[1], &stderr
}

func getStatus(t *testing.T, rawURL, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestRunWebPrintsTokenURL: each launch draws a new token of 256 bits and
// prints the URL carrying it once; the API takes that token and no other;
// a token from $RAGLOAD_WEB_TOKEN is used as given.
func TestRunWebPrintsTokenURL(t *testing.T) {
	dir := t.TempDir()
	opts := func() *webOptions {
		return &webOptions{Addr: "127.0.0.1:0", RunsDir: filepath.Join(dir, "runs"), ScenariosDir: dir, MaxUsers: 10}
	}
	var tokens []string
	for range 2 {
		raw, stderr := startWeb(t, opts())
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		tok := u.Query().Get("token")
		if host, _, _ := net.SplitHostPort(u.Host); host != "127.0.0.1" || u.Path != "/" || len(tok) < 43 {
			t.Fatalf("printed URL %s: want http://127.0.0.1:port/?token= and a 256-bit token", raw)
		}
		if n := strings.Count(stderr.String(), tok); n != 1 {
			t.Errorf("the token is printed %d times, want once: %q", n, stderr.String())
		}
		if !strings.Contains(stderr.String(), "scenarios from "+dir) {
			t.Errorf("the start line does not name the scenarios folder %s: %q", dir, stderr.String())
		}
		api := "http://" + u.Host + "/api/runs"
		if code := getStatus(t, api, tok); code != http.StatusOK {
			t.Errorf("GET /api/runs with the printed token: %d, want 200", code)
		}
		if code := getStatus(t, api, ""); code != http.StatusUnauthorized {
			t.Errorf("GET /api/runs without a token: %d, want 401", code)
		}
		for _, old := range tokens {
			if old == tok {
				t.Errorf("two launches drew the same token")
			}
			if code := getStatus(t, api, old); code != http.StatusUnauthorized {
				t.Errorf("GET /api/runs with the previous launch's token: %d, want 401", code)
			}
		}
		tokens = append(tokens, tok)
	}
	o := opts()
	o.Token = "given-token-0123456789"
	raw, _ := startWeb(t, o)
	u, _ := url.Parse(raw)
	if u.Query().Get("token") != o.Token || getStatus(t, "http://"+u.Host+"/api/runs", o.Token) != http.StatusOK {
		t.Errorf("a given token: printed URL %s, want it used", raw)
	}
}

func TestDashboardURL(t *testing.T) {
	ln := &net.TCPAddr{IP: net.IPv4(0, 0, 0, 0), Port: 8089}
	for _, tt := range []struct {
		host  string
		ln    net.Addr
		hosts []string
		want  string
	}{
		{"127.0.0.1", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8089}, nil, "http://127.0.0.1:8089/?token=t%2Bk"},
		{"::1", &net.TCPAddr{IP: net.IPv6loopback, Port: 8089}, nil, "http://[::1]:8089/?token=t%2Bk"},
		{"localhost", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8089}, nil, "http://localhost:8089/?token=t%2Bk"},
		{"0.0.0.0", ln, []string{"box.lan:80", "other"}, "http://box.lan:8089/?token=t%2Bk"},
	} {
		if got := web.DashboardURL(tt.host, tt.ln, tt.hosts, "t+k"); got != tt.want {
			t.Errorf("web.DashboardURL(%s, %s, %q) = %s, want %s", tt.host, tt.ln, tt.hosts, got, tt.want)
		}
	}
	if w := web.RemoteWarning("192.168.1.20:8089"); !strings.Contains(w, "can start load from this machine against any URL using the configured credentials, and read all stored runs") {
		t.Errorf("remote warning %q does not say what a holder of the URL can do", w)
	}
}
