package web

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
)

// Modes of a run started from the page.
const (
	ModeUsers = "users" // closed-loop virtual users (ragload users)
	ModeRate  = "rate"  // an open-model arrival rate (ragload attack)
)

// StartRequest is the page's form.
type StartRequest struct {
	URL      string `json:"url"`
	Scenario string `json:"scenario"` // "" or "default": the built-in one; else a YAML file in Config.ScenariosDir
	Mode     string `json:"mode"`
	Duration string `json:"duration"`
	Name     string `json:"name"`
	// users mode
	Users     int     `json:"users"`
	SpawnRate float64 `json:"spawnRate"`
	Wait      string  `json:"wait"` // "1s-5s" (between) or "2s" (constant)
	// rate mode
	Rate   float64 `json:"rate"`
	RampTo float64 `json:"rampTo"` // > 0: a linear ramp from Rate to RampTo
}

// RunInfo describes a run to the page.
type RunInfo struct {
	Name     string  `json:"name"`
	Dir      string  `json:"dir"`
	Mode     string  `json:"mode"`
	Plan     string  `json:"plan"`
	Target   string  `json:"target"`
	Duration float64 `json:"duration"` // seconds
	// Form is the form that started the run, for a page opened during it;
	// its URL is redacted as Target is (no password reaches the page).
	Form StartRequest `json:"form"`
}

// End is the outcome of a run: its report and verdict, or the error that
// stopped it, in the CLI's words.
type End struct {
	Name   string `json:"name"`
	Dir    string `json:"dir"`
	Status string `json:"status,omitempty"`
	Pass   bool   `json:"pass"`
	// Verdict is the verdict in one word: PASS, FAIL or NOT CONCLUSIVE.
	Verdict string `json:"verdict,omitempty"`
	Report  string `json:"report,omitempty"`
	Error   string `json:"error,omitempty"`
}

// runner is a job of either mode.
type runner interface {
	Run(context.Context) (*results.Report, error)
}

// run is one run started from the page.
type run struct {
	info   RunInfo
	job    runner
	rules  []results.Threshold
	ctl    *attack.Control
	pacer  *attack.Pacer // the plan's rates (rate mode)
	live   *live
	ctx    context.Context
	cancel context.CancelFunc

	done chan struct{} // closed when the run has ended

	mu    sync.Mutex
	snaps []Snapshot
	end   *End
}

// newRun checks the form and builds the job the CLI would for it.
func (s *Server) newRun(req StartRequest) (*run, error) {
	if req.URL == "" {
		return nil, errors.New("url is required (the API's base URL, e.g. http://127.0.0.1:8000)")
	}
	d, err := time.ParseDuration(strings.TrimSpace(req.Duration))
	if err != nil || d <= 0 {
		return nil, fmt.Errorf("duration %q: want a duration > 0, e.g. 30s or 5m", req.Duration)
	}
	sc := targets.Default()
	if p := strings.TrimSpace(req.Scenario); p != "" && p != "default" {
		if sc, err = s.loadScenario(p); err != nil {
			return nil, err
		}
	}
	prefix, implied := "attack-", []string(nil)
	var (
		userPlan attack.UserPlan
		plan     attack.Plan
		wait     attack.Wait
	)
	switch req.Mode {
	case ModeUsers:
		if req.Users < 1 || req.Users > s.cfg.MaxUsers {
			return nil, fmt.Errorf("users must be in 1–%d, got %d", s.cfg.MaxUsers, req.Users)
		}
		if req.SpawnRate < 0 {
			return nil, fmt.Errorf("spawn rate must be ≥ 0, got %g", req.SpawnRate)
		}
		if wait, err = parseWait(req.Wait); err != nil {
			return nil, err
		}
		userPlan = attack.Spawn(req.Users, req.SpawnRate, d)
		if err := userPlan.Validate(); err != nil {
			return nil, err
		}
		prefix, implied = "users-", []string{fmt.Sprintf("users>=%d", userPlan.Wanted())}
	case ModeRate:
		plan = attack.Constant(req.Rate, d)
		if req.RampTo > 0 {
			plan = attack.Ramp(req.Rate, req.RampTo, d)
		}
		if req.Rate <= 0 && req.RampTo <= 0 {
			return nil, fmt.Errorf("rate must be > 0, got %g", req.Rate)
		}
		if err := plan.Validate(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("mode %q isn't one of [%s %s]", req.Mode, ModeUsers, ModeRate)
	}
	base := sc.Thresholds
	if base == nil {
		base = results.DefaultThresholds
	}
	rules, err := results.Rules(append(append([]string{}, base...), implied...), sc.Marks, nil)
	if err != nil {
		return nil, err
	}
	name, dir, err := s.runDir(req.Name, prefix)
	if err != nil {
		return nil, err
	}
	ths, marks := results.Exprs(rules)
	ru := &run{rules: rules, done: make(chan struct{})}
	ru.live = newLive(sc, req.URL)
	ru.ctl = attack.NewControl(s.cfg.MaxUsers, ru.live.observe)
	setup := attack.Setup{
		Dir: dir, Target: req.URL, Scenario: sc, Credentials: s.cfg.Credentials,
		Seed: rand.Uint64(), Thresholds: ths, Marks: marks, Tool: s.cfg.Tool,
		Options: attack.Options{Name: name, Timeout: attack.DefaultTimeout},
		Control: ru.ctl, Progress: ru.live.progress, ProgressEvery: 250 * time.Millisecond,
	}
	form := req
	form.URL, form.Name = results.RedactURL(req.URL), name
	ru.info = RunInfo{Name: name, Dir: dir, Mode: req.Mode, Target: form.URL, Duration: d.Seconds(), Form: form}
	if req.Mode == ModeUsers {
		job := &attack.UsersJob{Setup: setup, Users: userPlan, Wait: wait}
		ru.job = job
		ru.info.Plan = fmt.Sprintf("%s, think %s", userPlan, wait)
	} else {
		job := &attack.Job{Setup: setup, Plan: plan}
		ru.job, ru.pacer = job, attack.NewPacer(plan)
		ru.info.Plan = fmt.Sprintf("%s (%d requests)", plan, plan.Count())
	}
	ru.ctx, ru.cancel = context.WithCancel(context.Background())
	return ru, nil
}

// runDir picks a new run directory under the runs directory.
func (s *Server) runDir(name, prefix string) (string, string, error) {
	if name != "" {
		if name != filepath.Base(name) || strings.HasPrefix(name, ".") {
			return "", "", fmt.Errorf("run name %q: want a folder name, without slashes", name)
		}
		dir := filepath.Join(s.cfg.RunsDir, name)
		if _, err := os.Stat(filepath.Join(dir, results.ManifestFile)); err == nil {
			return "", "", fmt.Errorf("%s: %w (pick another name)", dir, attack.ErrRunExists)
		}
		return name, dir, nil
	}
	base := prefix + time.Now().Format("20060102-150405")
	for i := 0; ; i++ {
		name = base
		if i > 0 {
			name = fmt.Sprintf("%s-%d", base, i+1)
		}
		dir := filepath.Join(s.cfg.RunsDir, name)
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return name, dir, nil
		}
	}
}

// run executes the job, samples the live stats once a second, and keeps
// the outcome for the page.
func (ru *run) run() {
	defer close(ru.done)
	defer ru.cancel()
	start := time.Now()
	quit, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case now := <-t.C:
				ru.add(ru.snapshot(now.Sub(start)))
			}
		}
	}()
	rep, err := ru.job.Run(ru.ctx)
	close(quit)
	<-sampled
	ru.add(ru.snapshot(time.Since(start)))
	end := &End{Name: ru.info.Name, Dir: ru.info.Dir}
	if rep != nil {
		if rep.Manifest != nil {
			end.Status = string(rep.Manifest.Status)
		}
		text, v, rerr := render(rep, ru.rules)
		end.Report, end.Pass, end.Verdict = text, v.Pass, v.Word()
		if err == nil {
			err = rerr
		}
	}
	if err != nil {
		end.Error = err.Error()
	}
	ru.mu.Lock()
	ru.end = end
	ru.mu.Unlock()
}

// snapshot closes the live window at elapsed, with what the run aims at.
func (ru *run) snapshot(elapsed time.Duration) Snapshot {
	sn := ru.live.snapshot(elapsed, ru.ctl.Target())
	if n, ok := ru.ctl.Users(); ok && ru.info.Mode == ModeUsers {
		sn.AskedUsers = n
	}
	if ru.pacer != nil {
		sn.Rate = ru.pacer.Rate(elapsed)
		if r, ok := ru.ctl.Rate(); ok {
			sn.Rate, sn.AskedRate = r, r
		}
	}
	return sn
}

func (ru *run) add(sn Snapshot) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	ru.snaps = append(ru.snaps, sn)
}

// since returns the snapshots from index i on and the end, if any.
func (ru *run) since(i int) ([]Snapshot, *End) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	return append([]Snapshot(nil), ru.snaps[min(i, len(ru.snaps)):]...), ru.end
}

func (ru *run) finished() bool {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	return ru.end != nil
}

// parseWait reads a think time: "1s-5s" (between) or "2s" (constant), as
// ragload users --wait does; "" is 1s-5s.
func parseWait(s string) (attack.Wait, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return attack.Between(time.Second, 5*time.Second), nil
	}
	dur := func(x string) (time.Duration, error) {
		d, err := time.ParseDuration(strings.TrimSpace(x))
		if err != nil || d < 0 {
			return 0, fmt.Errorf("wait %q: %q is not a duration ≥ 0 (e.g. 1s, 500ms)", s, x)
		}
		return d, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := dur(lo)
	if err != nil {
		return attack.Wait{}, err
	}
	w := attack.ConstantWait(a)
	if isRange {
		b, err := dur(hi)
		if err != nil {
			return w, err
		}
		w = attack.Between(a, b)
	}
	return w, w.Validate()
}
