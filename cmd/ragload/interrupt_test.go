package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/sweepfile"
)

// The interruption suite: real ragload processes (the test binary run as
// the CLI) get SIGINT or SIGTERM at a random point of their run, seeded
// and logged (RAGLOAD_INTERRUPT_SEED=n replays a failure), in one of
// three phases: the login before the first request, the sending, or the
// drain after the plan's last send. Whatever the point:
//
//   - the process exits 3 when the run was cut short (status
//     interrupted), or by the verdict (0 or 1) when the signal came after
//     the last send: nothing was cut, the run is complete;
//   - results.bin decodes to its end with vegeta's decoder, as many
//     results as the manifest's Completed, every one a whole response
//     (in-flight requests finish, they are not cut);
//   - the manifest says what was planned and what was done: open models
//     (attack, replay) Planned > Sent = Completed; virtual users, which
//     plan a duration and not a request count, the planned duration
//     against the time they ran; a sweep, its planned steps against the
//     steps done (the one cut short is marked interrupted, never pass or
//     fail), each step directory a run of its own that decodes;
//   - `ragload report` works on the run: the table, the verdict (its exit
//     code, 0 or 1, as for any run) and the interruption in words.

// interruptRand is the source of the signal times.
func interruptRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RAGLOAD_INTERRUPT_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("RAGLOAD_INTERRUPT_SEED=%q: %v", s, err)
		}
	}
	t.Logf("signal times from seed %d (RAGLOAD_INTERRUPT_SEED=%d replays them)", seed, seed)
	return rand.New(rand.NewPCG(seed, 0x5eed))
}

// lockedBuffer is a bytes.Buffer that a process writes while a test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// process is ragload running as a child process.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	ready          chan struct{} // closed when stderr shows ", writing ": the signal handler is in place
	done           chan struct{} // closed when the process has exited
}

// startRagload starts ragload with args; its stderr is read line by line.
func startRagload(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: command(t, args...), ready: make(chan struct{}), done: make(chan struct{})}
	p.cmd.Stdout = &p.stdout
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(errPipe)
		once := sync.Once{}
		for sc.Scan() {
			fmt.Fprintln(&p.stderr, sc.Text())
			if strings.Contains(sc.Text(), ", writing ") {
				once.Do(func() { close(p.ready) })
			}
		}
		p.cmd.Wait() // after the pipe is drained, as exec requires
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *process) waitReady(t *testing.T) {
	t.Helper()
	select {
	case <-p.ready:
	case <-p.done:
		t.Fatalf("ragload exited before it started: exit %d\n%s", p.cmd.ProcessState.ExitCode(), p.stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("ragload did not start within 10s\n%s", p.stderr.String())
	}
}

// waitStderr waits until stderr shows want.
func (p *process) waitStderr(t *testing.T, want string) {
	t.Helper()
	if !testtool.Eventually(10*time.Second, func() bool { return strings.Contains(p.stderr.String(), want) }) {
		t.Fatalf("stderr did not show %q within 10s:\n%s", want, p.stderr.String())
	}
}

// signal sends sig; it reports false when the process had already ended.
func (p *process) signal(t *testing.T, sig os.Signal) bool {
	t.Helper()
	err := p.cmd.Process.Signal(sig)
	if errors.Is(err, os.ErrProcessDone) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// wait waits for the exit and returns the exit code.
func (p *process) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("ragload did not exit within %s\nstderr:\n%s", within, p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// interruptAPI is the demo API of the suite: a login slow enough to be hit
// (600 ms) and fixed service times long enough for a drain (150–300 ms).
func interruptAPI(t *testing.T, cfg demo.Config) string {
	t.Helper()
	cfg.Sigma = -1
	cfg.LoginLatency = 600 * time.Millisecond
	if cfg.QueryLatency == 0 {
		cfg.QueryLatency, cfg.EnhancedLatency, cfg.DocumentsLatency = 150*time.Millisecond, 300*time.Millisecond, 30*time.Millisecond
	}
	_, url := demoAPI(t, cfg)
	return url
}

// apiTraffic counts what the demo API was asked: logins begun, other
// requests begun and answered.
type apiTraffic struct{ logins, begun, answered atomic.Int64 }

// watchedAPI is interruptAPI that counts its traffic, for tests to wait
// for a phase of the run instead of sleeping.
func watchedAPI(t *testing.T, cfg demo.Config) (string, *apiTraffic) {
	t.Helper()
	cfg.Sigma = -1
	cfg.LoginLatency = 600 * time.Millisecond
	if cfg.QueryLatency == 0 {
		cfg.QueryLatency, cfg.EnhancedLatency, cfg.DocumentsLatency = 150*time.Millisecond, 300*time.Millisecond, 30*time.Millisecond
	}
	tr := &apiTraffic{}
	api := demo.New(cfg)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/auth/login") {
			tr.logins.Add(1)
			api.ServeHTTP(w, r)
			return
		}
		tr.begun.Add(1)
		api.ServeHTTP(w, r)
		tr.answered.Add(1)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, tr
}

// writeStream writes a recorded stream for replay: n requests over d,
// every other one an authenticated query, the others /health.
func writeStream(t *testing.T, n int, d time.Duration) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		off := (d * time.Duration(i) / time.Duration(n)).Microseconds()
		if i%2 == 0 {
			fmt.Fprintf(&b, `{"offset_us":%d,"endpoint":"/query (basic)","method":"POST","url":"/api/v1/query/","auth":true,`+
				`"headers":{"Content-Type":["application/json"]},"body":"{\"max_results\":5,\"query\":\"How many vacation days?\"}"}`+"\n", off)
		} else {
			fmt.Fprintf(&b, `{"offset_us":%d,"endpoint":"/health","method":"GET","url":"/health"}`+"\n", off)
		}
	}
	path := filepath.Join(t.TempDir(), "stream.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A run's phases, in time from the line that says where it writes: login
// (600 ms), sending (the plan), drain (the slowest service time, 300 ms).
const (
	phaseLogin = "login"
	phaseSend  = "sending"
	phaseDrain = "drain"
)

type interruptCase struct {
	mode string
	// args are the command line writing to dir against url.
	args func(t *testing.T, url, dir string) []string
	// send is how long the plan sends; drain how long the last requests
	// may take after it (per step for a sweep, which has steps of send).
	send, drain time.Duration
	steps       int // a sweep's steps
	// loginInPlan: the plan's clock starts before the login (virtual
	// users log in as part of their run), not after it.
	loginInPlan bool
}

var interruptCases = []interruptCase{
	{mode: "attack", send: 2 * time.Second, drain: 300 * time.Millisecond,
		args: func(_ *testing.T, url, dir string) []string {
			return []string{"attack", "--min-samples", "1", "-u", url, "--rate", "20", "-d", "2s", "-o", dir, "--seed", "5"}
		}},
	{mode: "users", send: 2 * time.Second, drain: 300 * time.Millisecond, loginInPlan: true,
		args: func(_ *testing.T, url, dir string) []string {
			return []string{"users", "--min-samples", "1", "-u", url, "--users", "4", "--spawn-rate", "20", "--run-time", "2s", "--wait", "100ms", "-o", dir, "--seed", "5"}
		}},
	{mode: "replay", send: 2 * time.Second, drain: 150 * time.Millisecond,
		args: func(t *testing.T, url, dir string) []string {
			return []string{"replay", "--min-samples", "1", writeStream(t, 40, 2*time.Second), "-u", url, "-o", dir}
		}},
	{mode: "sweep", send: 2 * time.Second, drain: 300 * time.Millisecond, steps: 2,
		args: func(_ *testing.T, url, dir string) []string {
			return []string{"sweep", "-u", url, "--steps", "10,20", "--step-duration", "1s", "--warmup", "0s", "-o", dir, "--seed", "5"}
		}},
}

// TestInterruptAtRandomPoints: each mode, each of SIGINT and SIGTERM, at
// a random point of a random phase.
func TestInterruptAtRandomPoints(t *testing.T) {
	t.Parallel()
	rng := interruptRand(t)
	phases := []string{phaseLogin, phaseSend, phaseDrain}
	for _, c := range interruptCases {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			// Draw here, in a fixed order, so that a seed replays every case.
			phase := phases[rng.IntN(len(phases))]
			within := func(d time.Duration) time.Duration { return time.Duration(rng.Int64N(int64(d))) }
			var delay time.Duration
			switch phase {
			case phaseLogin:
				delay = within(500 * time.Millisecond)
			case phaseSend: // after the login, before the plan's end
				delay = 650*time.Millisecond + within(c.send-100*time.Millisecond)
				if c.loginInPlan {
					delay = 650*time.Millisecond + within(c.send-750*time.Millisecond)
				}
			case phaseDrain: // the end of the sending, or of a sweep's first step
				end := 600*time.Millisecond + c.send
				switch {
				case c.steps > 1:
					end = 600*time.Millisecond + c.send/time.Duration(c.steps)
				case c.loginInPlan:
					end = c.send
				}
				delay = end + within(c.drain)
			}
			t.Run(fmt.Sprintf("%s/%s", c.mode, sig), func(t *testing.T) {
				t.Parallel()
				interruptOnce(t, c, sig, phase, delay)
			})
		}
	}
}

// interruptOnce runs one case: the signal delay after the run says where
// it writes.
func interruptOnce(t *testing.T, c interruptCase, sig syscall.Signal, phase string, delay time.Duration) {
	url := interruptAPI(t, demo.Config{})
	dir := runDir(t)
	p := startRagload(t, c.args(t, url, dir)...)
	p.waitReady(t)
	time.Sleep(delay)
	sent := p.signal(t, sig)
	code := p.wait(t, 20*time.Second)
	t.Logf("%s %s %s after %s (%s phase): exit %d", c.mode, sig, map[bool]string{true: "sent", false: "not sent: the run had ended"}[sent],
		delay.Round(time.Millisecond), phase, code)
	if c.mode == "sweep" {
		checkInterruptedSweep(t, dir, code, c.steps, p)
		return
	}
	status := checkInterruptedRun(t, c.mode, dir, p)
	wantExit(t, p, status, code)
	checkReport(t, dir, status)
}

// wantExit checks the exit code against the run's status: 3 when it was
// cut short, else the verdict's (the signal came after the last send).
func wantExit(t *testing.T, p *process, status string, code int) {
	t.Helper()
	switch status {
	case results.StatusInterrupted:
		if code != exitInterrupt {
			t.Errorf("interrupted run: exit %d, want %d\n%s", code, exitInterrupt, p.stderr.String())
		}
		wantContains(t, "stderr", p.stderr.String(), "ragload: stopping:", "the run was interrupted")
		// Ctrl-C at 61 of 200 requests once printed "Verdict: PASS".
		if out := p.stdout.String(); strings.Contains(out, "Verdict: PASS") ||
			(!strings.Contains(out, "Verdict: NOT CONCLUSIVE\n") && !strings.Contains(out, "Verdict: FAIL\n")) {
			t.Errorf("interrupted run's verdict, want NOT CONCLUSIVE (or FAIL):\n%s", out)
		}
	case results.StatusComplete:
		// (Not conclusive when a busy machine made the generator late.)
		verdict := map[int]string{exitOK: "Verdict: PASS", exitVerdict: "Verdict: FAIL", exitInconclusive: "generator was saturated"}[code]
		if verdict == "" || !strings.Contains(p.stdout.String(), verdict) {
			t.Errorf("complete run: exit %d, want the verdict's 0 or 1\nstdout:\n%s\nstderr:\n%s", code, p.stdout.String(), p.stderr.String())
		}
	default:
		t.Errorf("status %q after a signal", status)
	}
}

// checkInterruptedRun checks the files of a run directory after a signal
// and returns the manifest's status.
func checkInterruptedRun(t *testing.T, mode, dir string, p *process) string {
	t.Helper()
	m := readManifest(t, dir)
	rs := decodeAll(t, filepath.Join(dir, results.ResultsFile))
	t.Logf("%s: status %s, planned %d, sent %d, completed %d, decoded %d; ran %s of %s",
		dir, m.Status, m.Planned, m.Sent, m.Completed, len(rs), ran(m).Round(time.Millisecond), time.Duration(m.Plan.Duration))
	if uint64(len(rs)) != m.Completed || m.Sent != m.Completed {
		t.Errorf("decoded %d results; the manifest says sent %d, completed %d (a graceful stop loses none)", len(rs), m.Sent, m.Completed)
	}
	for _, r := range rs {
		if r.Error != "" || r.Code != 200 {
			t.Errorf("result %d: %d %q (requests in flight must finish, not be cut)", r.Seq, r.Code, r.Error)
			break
		}
	}
	planned := time.Duration(m.Plan.Duration)
	switch {
	case m.Status != results.StatusInterrupted && m.Status != results.StatusComplete:
		t.Errorf("status %q, want interrupted or complete", m.Status)
	case mode == "users":
		// Closed loop: a duration is planned, not a request count.
		if m.Planned != 0 || m.Users == nil || m.Users.Planned != 4 {
			t.Errorf("users manifest: planned %d requests, users %+v", m.Planned, m.Users)
		}
		cut := ran(m) < planned
		if cut != (m.Status == results.StatusInterrupted) {
			t.Errorf("status %s, but the users ran %s of the planned %s", m.Status, ran(m), planned)
		}
	case m.Status == results.StatusInterrupted:
		if m.Planned == 0 || m.Sent >= m.Planned {
			t.Errorf("interrupted: planned %d, sent %d; want planned > sent", m.Planned, m.Sent)
		}
	default:
		if m.Sent != m.Planned {
			t.Errorf("complete: planned %d, sent %d", m.Planned, m.Sent)
		}
	}
	return m.Status
}

// ran is how long a run sent requests.
func ran(m *results.Manifest) time.Duration {
	if m.SendEnded.After(m.Started) {
		return m.SendEnded.Sub(m.Started)
	}
	return 0
}

// checkReport runs `ragload report` on a run directory: the table and the
// verdict, its exit code the verdict's, and the interruption in words.
//
// A complete run's verdict is PASS or FAIL (its few samples allowed); an
// interrupted one's is NOT CONCLUSIVE, or FAIL if a threshold did not hold.
func checkReport(t *testing.T, dir, status string) {
	t.Helper()
	out, errOut, code := ragload(t, "report", "--min-samples", "1", dir)
	verdicts := map[int]string{exitOK: "Verdict: PASS", exitVerdict: "Verdict: FAIL", exitInconclusive: "generator was saturated"}
	if status == results.StatusInterrupted {
		verdicts = map[int]string{exitInconclusive: "Verdict: NOT CONCLUSIVE", exitVerdict: "Verdict: FAIL"}
	}
	verdict := verdicts[code]
	if verdict == "" || !strings.Contains(out, verdict) || errOut != "" {
		t.Errorf("report %s: exit %d\nstdout:\n%s\nstderr:\n%s", dir, code, out, errOut)
	}
	wantContains(t, "report", out, "TOTAL")
	if status == results.StatusInterrupted {
		wantContains(t, "report", out, "· interrupted", "WARNING: the run was interrupted")
	}
}

// checkInterruptedSweep checks a sweep's directory after a signal: its
// summary, each step's run, and report on both.
func checkInterruptedSweep(t *testing.T, dir string, code, planned int, p *process) {
	t.Helper()
	sw, err := sweepfile.Read(dir)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.stderr.String())
	}
	done := 0
	for i, st := range sw.Steps {
		status := checkInterruptedRun(t, "attack", filepath.Join(dir, st.Dir), p)
		cut := status == results.StatusInterrupted
		if cut != (st.Verdict == sweepfile.StepInterrupted) || (cut && i != len(sw.Steps)-1) {
			t.Errorf("step %s: run %s, verdict %s (only the last step may be cut short, and then it is neither pass nor fail)", st.Dir, status, st.Verdict)
		}
		if !cut {
			done++
		}
		checkReport(t, filepath.Join(dir, st.Dir), status)
	}
	t.Logf("sweep: status %s, %d of %d planned steps done, %d cut short; answer %q", sw.Status, done, planned, len(sw.Steps)-done, sw.Answer)
	switch sw.Status {
	case results.StatusInterrupted:
		if done >= planned || code != exitInterrupt {
			t.Errorf("interrupted sweep: %d of %d steps done, exit %d (want 3)\n%s", done, planned, code, p.stderr.String())
		}
		if sw.Found {
			t.Errorf("interrupted sweep claims a capacity: %q", sw.Answer)
		}
		wantContains(t, "sweep output", p.stdout.String(), "WARNING: the sweep was interrupted: "+strconv.Itoa(done)+" of "+strconv.Itoa(planned)+" planned steps done")
	case results.StatusComplete:
		if done != planned || code != exitOK {
			t.Errorf("complete sweep: %d of %d steps done, exit %d\n%s", done, planned, code, p.stderr.String())
		}
	default:
		t.Errorf("sweep status %q after a signal", sw.Status)
	}
	out, errOut, rcode := ragload(t, "report", dir)
	if want := map[bool]int{true: exitOK, false: exitVerdict}[sw.Found]; rcode != want || !strings.Contains(out, "Answer: "+sw.Answer) {
		t.Errorf("report %s: exit %d, want %d\n%s\n%s", dir, rcode, want, out, errOut)
	}
}

// TestInterruptDuringLogin: a signal before the first request leaves a run
// of nothing that says so (planned N, sent 0), in every mode.
func TestInterruptDuringLogin(t *testing.T) {
	t.Parallel()
	for _, c := range interruptCases {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			url, traffic := watchedAPI(t, demo.Config{})
			dir := runDir(t)
			p := startRagload(t, c.args(t, url, dir)...)
			p.waitReady(t)
			// The login takes 600 ms: signal once it has begun.
			testtool.WaitFor(t, 10*time.Second, "the login", func() bool { return traffic.logins.Load() > 0 })
			p.signal(t, syscall.SIGINT)
			code := p.wait(t, 10*time.Second)
			if code != exitInterrupt {
				t.Errorf("exit %d, want %d\n%s", code, exitInterrupt, p.stderr.String())
			}
			if c.mode == "sweep" {
				sw, err := sweepfile.Read(dir)
				if err != nil || sw.Status != results.StatusInterrupted || len(sw.Steps) != 0 || sw.Found {
					t.Fatalf("sweep.json: %v, %+v", err, sw)
				}
				wantContains(t, "sweep output", p.stdout.String(), "the sweep was interrupted: 0 of 2 planned steps done", "interrupted before a step finished")
				return
			}
			m := readManifest(t, dir)
			n := len(decodeAll(t, filepath.Join(dir, results.ResultsFile)))
			switch c.mode {
			case "users": // the first user's login ends (it is not cut) and is the run's one result
				if m.Status != results.StatusInterrupted || m.Sent != 1 || m.Completed != 1 || n != 1 {
					t.Errorf("users: status %s sent %d completed %d decoded %d; want the first login alone", m.Status, m.Sent, m.Completed, n)
				}
			default:
				if m.Status != results.StatusInterrupted || m.Planned == 0 || m.Sent != 0 || m.Completed != 0 || n != 0 {
					t.Errorf("%s: status %s planned %d sent %d completed %d decoded %d; want planned N, nothing sent", c.mode, m.Status, m.Planned, m.Sent, m.Completed, n)
				}
			}
			checkReport(t, dir, results.StatusInterrupted)
		})
	}
}

// TestSecondSignalExitsAtOnce: while requests are in flight against a slow
// server (5 s for queries), a first SIGINT waits for them; a second one exits at once
// with 130, after saving what there is: results.bin decodes to its end
// (the results received before the exit), and the manifest says
// interrupted, with the requests abandoned in flight (sent > completed).
func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	// Queries take 5 s; /health and /documents answer at once, so some
	// results are in before the exit.
	slow := demo.Config{QueryLatency: 5 * time.Second, EnhancedLatency: 5 * time.Second}
	for _, c := range []struct {
		mode string
		args []string
	}{
		{"attack", []string{"attack", "--rate", "20", "-d", "30s", "--record", "REC"}},
		{"users", []string{"users", "--users", "10", "--spawn-rate", "100", "--run-time", "30s", "--wait", "50ms", "--record", "REC"}},
		{"sweep", []string{"sweep", "--steps", "20,40", "--step-duration", "30s", "--warmup", "0s"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			url, traffic := watchedAPI(t, slow)
			dir := runDir(t)
			rec := filepath.Join(t.TempDir(), "stream.jsonl")
			args := slices.Clone(c.args)
			if i := slices.Index(args, "REC"); i >= 0 {
				args[i] = rec
			}
			p := startRagload(t, append(args, "-u", url, "-o", dir, "--seed", "3")...)
			p.waitReady(t)
			// Past the login: some /health answered, queries in flight.
			testtool.WaitFor(t, 10*time.Second, "answers and requests in flight", func() bool {
				answered := traffic.answered.Load()
				return answered > 0 && traffic.begun.Load() > answered
			})
			p.signal(t, syscall.SIGINT)
			// Once the first is caught (two signals pending at once would
			// merge into one), and requests are still in flight:
			p.waitStderr(t, "ragload: stopping:")
			// Kept: a pause for the drain to be under way in the child; it
			// shows nothing to wait for (the queries stay in flight 5 s).
			time.Sleep(300 * time.Millisecond)
			start := time.Now()
			p.signal(t, syscall.SIGINT)
			code := p.wait(t, 5*time.Second)
			took := time.Since(start)
			t.Logf("%s: exit %d %s after the second SIGINT", c.mode, code, took.Round(time.Millisecond))
			if code != 130 || took > 1500*time.Millisecond {
				t.Errorf("exit %d after %s; want 130 at once\n%s", code, took, p.stderr.String())
			}
			wantContains(t, "stderr", p.stderr.String(), "ragload: exiting at once: ", "requests in flight were abandoned")
			run := dir
			if c.mode == "sweep" {
				sw, err := sweepfile.Read(dir)
				if err != nil || sw.Status != results.StatusInterrupted {
					t.Fatalf("sweep.json after the second signal: %v, %+v", err, sw)
				}
				run = filepath.Join(dir, "step-0020rps")
			}
			m := readManifest(t, run)
			rs := decodeAll(t, filepath.Join(run, results.ResultsFile))
			t.Logf("%s: status %s, planned %d, sent %d, completed %d, decoded %d; %s", run, m.Status, m.Planned, m.Sent, m.Completed, len(rs), m.Error)
			if m.Status != results.StatusInterrupted || uint64(len(rs)) != m.Completed || m.Completed == 0 || m.Sent <= m.Completed ||
				(m.Planned > 0 && m.Planned <= m.Sent) || !strings.Contains(m.Error, "requests in flight have no result") {
				t.Errorf("after the second signal: status %s planned %d sent %d completed %d decoded %d error %q",
					m.Status, m.Planned, m.Sent, m.Completed, len(rs), m.Error)
			}
			if slices.Contains(args, rec) {
				// The --record stream was flushed: a request per result kept.
				data, err := os.ReadFile(rec)
				lines := bytes.Count(data, []byte("\n"))
				if err != nil || lines == 0 || uint64(lines) > m.Completed {
					t.Errorf("recording after the second signal: %d requests (%v), %d results kept", lines, err, m.Completed)
				}
				wantContains(t, "stderr", p.stderr.String(), fmt.Sprintf("the recording keeps %d requests", lines))
			}
			out, errOut, rcode := ragload(t, "report", run)
			if (rcode != exitInconclusive && rcode != exitVerdict) || errOut != "" {
				t.Errorf("report: exit %d\n%s\n%s", rcode, out, errOut)
			}
			wantContains(t, "report", out, "WARNING: the run was interrupted", "WARNING: ragload exited at once on a second signal: ", "Verdict: ")
			if rcode == exitInconclusive {
				wantContains(t, "report", out, "not conclusive: interrupted")
			}
		})
	}
}
