package web

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ragload/ragload/attack"
	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/attack/runspec"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/threshold"
)

// Modes of a run started from the page.
const (
	ModeUsers = runspec.ModeUsers // closed-loop virtual users (ragload users)
	ModeRate  = runspec.ModeRate  // an open-model arrival rate (ragload attack)
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
	Wait      string  `json:"wait"` // as ragload users --wait: "1s-5s", "2s", "pacing:3s", "throughput:0.5" ("": 1s-5s)
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
	rules  []threshold.Threshold
	ctl    *attack.Control
	pacer  *plan.Pacer // the plan's rates (rate mode)
	live   *live
	ctx    context.Context
	cancel context.CancelFunc

	done chan struct{} // closed when the run has ended

	mu    sync.Mutex
	snaps []Snapshot
	end   *End
}

// newRun checks the form and builds its run as the CLI builds its own
// (runspec.Spec).
func (s *Server) newRun(req StartRequest) (*run, error) {
	d, err := time.ParseDuration(strings.TrimSpace(req.Duration))
	if req.URL != "" && (err != nil || d <= 0) {
		return nil, fmt.Errorf("duration %q: want a duration > 0, e.g. 30s or 5m", req.Duration)
	}
	spec := runspec.Spec{URL: req.URL, Mode: req.Mode, Credentials: s.cfg.Credentials, Name: req.Name, RunsDir: s.cfg.RunsDir,
		RandomSeed: true, Options: attack.Options{Timeout: attack.DefaultTimeout}, Tool: s.cfg.Tool}
	if p := strings.TrimSpace(req.Scenario); p != "" && p != "default" {
		if spec.Scenario, err = s.loadScenario(p); err != nil {
			return nil, err
		}
	}
	switch req.Mode {
	case ModeUsers:
		if req.Users < 1 || req.Users > s.cfg.MaxUsers {
			return nil, fmt.Errorf("users must be in 1–%d, got %d", s.cfg.MaxUsers, req.Users)
		}
		if req.SpawnRate < 0 {
			return nil, fmt.Errorf("spawn rate must be ≥ 0, got %g", req.SpawnRate)
		}
		if spec.Wait, err = plan.ParseWait(req.Wait); err != nil {
			return nil, err
		}
		spec.Users, spec.Prefix = plan.Spawn(req.Users, req.SpawnRate, d), "users-"
	case ModeRate:
		if req.Rate <= 0 && req.RampTo <= 0 {
			return nil, fmt.Errorf("rate must be > 0, got %g", req.Rate)
		}
		spec.Plan, spec.Prefix = plan.Constant(req.Rate, d), "attack-"
		if req.RampTo > 0 {
			spec.Plan = plan.Ramp(req.Rate, req.RampTo, d)
		}
	default:
		return nil, fmt.Errorf("mode %q isn't one of [%s %s]", req.Mode, ModeUsers, ModeRate)
	}
	b, err := spec.Build()
	if err != nil {
		return nil, err
	}
	ru := &run{rules: b.Rules, job: b.Job, done: make(chan struct{})}
	ru.live = newLive(b.Setup.Scenario, req.URL)
	ru.ctl = attack.NewControl(s.cfg.MaxUsers, ru.live.observe)
	b.Setup.Control, b.Setup.Progress, b.Setup.ProgressEvery = ru.ctl, ru.live.progress, 250*time.Millisecond
	b.Setup.Metrics = s.cfg.Metrics
	if b.Rate != nil {
		ru.pacer = plan.NewPacer(b.Rate.Plan)
	}
	form := req
	form.URL, form.Name = results.RedactURL(req.URL), b.Setup.Options.Name
	ru.info = RunInfo{Name: form.Name, Dir: b.Setup.Dir, Mode: req.Mode, Plan: b.Plan, Target: form.URL, Duration: d.Seconds(), Form: form}
	ru.ctx, ru.cancel = context.WithCancel(context.Background())
	return ru, nil
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
