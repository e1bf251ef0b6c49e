package attack_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets/auth"
)

// TestHostileServerEchoesToken: a server whose status line repeats the
// request's Authorization header does not get the token into the results:
// the error is stored with the token masked.
func TestHostileServerEchoesToken(t *testing.T) {
	t.Parallel()
	const token = "tok-HOSTILE-4711-secret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/auth/login" {
			fmt.Fprintf(w, `{"access_token": %q}`, token)
			return
		}
		conn, bw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		fmt.Fprintf(bw, "HTTP/1.1 401 bad token %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", r.Header.Get("Authorization"))
		bw.Flush()
	}))
	t.Cleanup(srv.Close)
	sc := scenario("/q")
	sc.Endpoints[0].Auth = true
	job := openJob(t, srv.URL, sc, []auth.Credential{{Username: "u", Password: "pw-HOSTILE-0815"}}, plan.Constant(20, 500*time.Millisecond))
	rep, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.Failures == 0 {
		t.Fatal("no failed results: the hostile server was not reached")
	}
	data, err := os.ReadFile(filepath.Join(job.Dir, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(token)) {
		t.Errorf("results.bin holds the token the server echoed")
	}
	var errs []string
	results.ReadFile(filepath.Join(job.Dir, results.ResultsFile), func(r *vegeta.Result) error {
		errs = append(errs, r.Error)
		return nil
	})
	if len(errs) == 0 || !strings.Contains(errs[0], "401 bad token Bearer ***") {
		t.Errorf("stored errors %q, want the status line with the token masked", errs[:min(len(errs), 2)])
	}
}

// TestHostileServerHugeBody: a response body far larger than MaxBody is
// read to its end but kept (--keep-bodies) only up to MaxBody, so a
// server cannot make the generator hold gigabytes; results.bin with
// bodies is private.
func TestHostileServerHugeBody(t *testing.T) {
	t.Parallel()
	const size = 3 * attack.MaxBody
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		bw := bufio.NewWriter(w)
		for n := 0; n < size; n += len(chunk) {
			bw.Write(chunk)
		}
		bw.Flush()
	}))
	t.Cleanup(srv.Close)
	job := openJob(t, srv.URL, scenario("/big"), nil, plan.Constant(4, time.Second))
	job.Options.KeepBodies = true
	if _, err := job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(job.Dir, results.ResultsFile)
	n := 0
	if err := results.ReadFile(path, func(r *vegeta.Result) error {
		n++
		if len(r.Body) > attack.MaxBody || r.Code != 200 || r.Error != "" {
			t.Errorf("result %d: %d bytes of body kept, code %d, error %q; want at most %d, 200", r.Seq, len(r.Body), r.Code, r.Error, attack.MaxBody)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("%d results, want 4", n)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("results.bin with bodies: mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
}

// TestRedirectDropsMarkedHeaders: a load request redirected to another
// server loses the headers the scenario marks secret (secret_headers),
// not only those whose names look secret.
func TestRedirectDropsMarkedHeaders(t *testing.T) {
	t.Parallel()
	got := make(chan string, 100)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("X-Tenant") + "|" + r.Header.Get("X-Api-Key")
	}))
	t.Cleanup(other.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	sc := scenario("/q")
	sc.Endpoints[0].Header = map[string]string{"X-Tenant": "tenant-secret", "X-Api-Key": "key-secret"}
	sc.SecretHeaders = []string{"x-tenant"}
	job := openJob(t, srv.URL, sc, nil, plan.Constant(10, 300*time.Millisecond))
	if _, err := job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(got)
	n := 0
	for h := range got {
		n++
		if h != "|" {
			t.Errorf("the other server received secret headers %q", h)
		}
	}
	if n == 0 {
		t.Fatal("the redirect was not followed: the test proves nothing")
	}
}
