package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
)

func TestDemoCommandPasses(t *testing.T) {
	t.Parallel()
	dir := runDir(t)
	out, errOut, code := ragload(t, "demo", "--rate", "20", "--duration", "2s", "--out", dir, "--seed", "1", // a mix with every endpoint
		"--query-latency", "20ms", "--enhanced-latency", "40ms")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	wantContains(t, "stdout", out, "Verdict: PASS", "TOTAL", "/query (basic)", "/query/enhanced", "/health", "/documents (list)", "p95<2s")
	wantContains(t, "stderr", errOut, "demo API listening on http://127.0.0.1:")
	if n := len(decodeAll(t, filepath.Join(dir, results.ResultsFile))); n != 40 {
		t.Errorf("results.bin holds %d results, want 40", n)
	}
	if m := readManifest(t, dir); m.Status != results.StatusComplete || m.Completed != 40 || m.Auth.Mode != "bearer" {
		t.Errorf("manifest status %s completed %d auth %s", m.Status, m.Completed, m.Auth.Mode)
	}
}

// TestSlowServerFails: a server slowed past a 2 s p95 fails the verdict,
// in attack and again in report, with exit code 1 and the reason.
func TestSlowServerFails(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{QueryLatency: 2500 * time.Millisecond, EnhancedLatency: 2500 * time.Millisecond, Sigma: -1})
	dir := runDir(t)
	out, errOut, code := ragload(t, "attack", "-u", url, "--rate", "20", "-d", "1s", "-o", dir, "-q", "--seed", "3")
	if code != exitVerdict {
		t.Fatalf("attack exit %d, want %d\n%s\n%s", code, exitVerdict, out, errOut)
	}
	wantContains(t, "attack stdout", out, "Verdict: FAIL", "FAIL      p95<2s", "because overall p95 is 25")

	out, errOut, code = ragload(t, "report", dir)
	if code != exitVerdict {
		t.Fatalf("report exit %d, want %d\n%s\n%s", code, exitVerdict, out, errOut)
	}
	wantContains(t, "report stdout", out, "Verdict: FAIL", "because overall p95 is 25")

	// A looser threshold turns the same run into a PASS.
	out, _, code = ragload(t, "report", dir, "-t", "p95<3s", "-t", "p99<4s")
	if code != exitOK {
		t.Fatalf("report with p95<3s: exit %d\n%s", code, out)
	}

	out, _, code = ragload(t, "report", "--format", "json", dir)
	var doc struct {
		Schema  string `json:"schema"`
		Verdict struct {
			Pass    bool     `json:"pass"`
			Reasons []string `json:"reasons"`
		} `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitVerdict || doc.Verdict.Pass || doc.Schema != results.JSONSchema {
		t.Fatalf("json report: exit %d, err %v, %+v", code, err, doc)
	}
}

func TestBadInputExitsTwo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: broken\nendpoints:\n  - key: query\n    weight: -1\n"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"attack", "-u", "http://127.0.0.1:1", "-s", bad}, bad + ":4: endpoints[0].weight: -1 is negative"},
		{[]string{"attack", "-u", "http://127.0.0.1:1", "-t", "p95<2"}, `needs a unit`},
		{[]string{"report", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"report", dir}, "no results file"},
		{[]string{"attack", "--rate", "5"}, "--url is required"},
		{[]string{"nope"}, `unknown command "nope"`},
	}
	for _, tt := range tests {
		_, errOut, code := ragload(t, tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

// TestSecretsStayOutOfFiles runs a pool of users with token refreshes and
// checks that no password and no token appears in any file of the run
// directory or in the output.
func TestSecretsStayOutOfFiles(t *testing.T) {
	t.Parallel()
	users := map[string]string{}
	var csv strings.Builder
	csv.WriteString("username,password\n")
	for i := range 3 {
		u, p := fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("pa55-Secret-%d-xyzzy", i)
		users[u] = p
		fmt.Fprintf(&csv, "%s,%s\n", u, p)
	}
	srv, url := demoAPI(t, demo.Config{Users: users, RecordTokens: true, TokenTTL: 2 * time.Second})
	credFile := filepath.Join(t.TempDir(), "creds.csv")
	os.WriteFile(credFile, []byte(csv.String()), 0o600)
	dir := runDir(t)
	// Tokens live 2 s (exp has 1 s resolution), so a refresh can race a
	// request or two into a 401; this test is about secrets, not that.
	out, errOut, code := ragload(t, "attack", "-u", url, "--credentials", credFile, "--rate", "30", "-d", "3s", "-o", dir, "--keep-bodies", "-t", "failures<50%",
		"--record", filepath.Join(dir, "stream.jsonl"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	secrets := srv.IssuedTokens()
	if len(secrets) < 4 {
		t.Fatalf("only %d tokens issued; want the 3 logins and refreshes", len(secrets))
	}
	for _, p := range users {
		secrets = append(secrets, p)
	}
	files := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, _ := os.ReadFile(path)
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s contains a secret (%.12s…)", path, s)
			}
		}
		return nil
	})
	for _, s := range secrets {
		if strings.Contains(out+errOut, s) {
			t.Errorf("the output contains a secret (%.12s…)", s)
		}
	}
	if files < 3 {
		t.Errorf("walked %d files, want results.bin, run.json and stream.jsonl", files)
	}
}

// TestVegetaReadsOurResults runs the vegeta v12.13.0 CLI (a tool of this
// module, see go.mod) on a results file of ours.
func TestVegetaReadsOurResults(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run the vegeta CLI: %v", err)
	}
	_, url := demoAPI(t, demo.Config{})
	dir := runDir(t)
	if out, errOut, code := ragload(t, "attack", "-u", url, "--rate", "50", "-d", "1s", "-o", dir, "-q"); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	cmd := exec.Command(goBin, "tool", "vegeta", "report", "-type=json", filepath.Join(dir, results.ResultsFile))
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("vegeta report: %v\n%s", err, b)
	}
	var rep struct {
		Requests uint64  `json:"requests"`
		Success  float64 `json:"success"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("vegeta report output: %v\n%s", err, b)
	}
	m := readManifest(t, dir)
	if rep.Requests != m.Completed || rep.Requests != 50 || rep.Success != 1 {
		t.Errorf("vegeta counts %d requests (success %.2f); our manifest %d", rep.Requests, rep.Success, m.Completed)
	}
}

// TestInterruptLeavesCompleteFiles sends SIGINT to a real ragload process
// mid-attack: the results decode to the end, the manifest says
// interrupted, and report works on the run.
func TestInterruptLeavesCompleteFiles(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{QueryLatency: 100 * time.Millisecond, EnhancedLatency: 200 * time.Millisecond})
	dir := runDir(t)
	cmd := command(t, "attack", "-u", url, "--rate", "40", "-d", "30s", "-o", dir, "-q")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("ragload did not stop within 20s of SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupt {
		t.Errorf("exit %d, want %d\n%s", code, exitInterrupt, stderr.String())
	}
	m := readManifest(t, dir)
	rs := decodeAll(t, filepath.Join(dir, results.ResultsFile))
	if m.Status != results.StatusInterrupted || uint64(len(rs)) != m.Sent || m.Completed != m.Sent || m.Sent == 0 || m.Sent >= m.Planned {
		t.Errorf("manifest status %s sent %d completed %d planned %d; decoded %d", m.Status, m.Sent, m.Completed, m.Planned, len(rs))
	}
	for _, r := range rs {
		if r.Code != 200 {
			t.Errorf("result %d: %d %s (in-flight requests must finish, not be cut)", r.Seq, r.Code, r.Error)
		}
	}
	out, errOut, code := ragload(t, "report", dir)
	if code != exitOK {
		t.Errorf("report exit %d\n%s\n%s", code, out, errOut)
	}
	wantContains(t, "report", out, "interrupted", "Verdict: PASS")
}

// TestSecondInterruptExitsAtOnce: the first SIGINT waits for in-flight
// requests; a second one does not.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{QueryLatency: 20 * time.Second, EnhancedLatency: 20 * time.Second, DocumentsLatency: 20 * time.Second, Sigma: -1})
	cmd := command(t, "attack", "-u", url, "--rate", "20", "-d", "30s", "-o", runDir(t), "-q")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("a second SIGINT did not end ragload within 5s")
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || time.Since(start) > 3*time.Second {
		t.Errorf("exit %d after %s; want 130 at once", code, time.Since(start))
	}
}
