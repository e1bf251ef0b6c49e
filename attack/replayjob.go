package attack

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/replay"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// ReplayJob sends a recorded stream again with its own timing (scaled by
// the player), logged in with the current credentials: tokens are never
// replayed. Setup.Scenario gives the login and the endpoints to report by
// (the stream's); results and manifest are those of any run. A stream
// with sessions (recorded journeys) replays each session in order with the
// values of this run, as journeys (see replaysessions.go); one without
// replays through vegeta's attacker.
type ReplayJob struct {
	Setup
	Player *replay.Player
	Info   replay.Info
	// Source names the stream in the manifest (a file path, or what was
	// imported), Speed, Loops and MaxGap how it was played.
	Source string
	Speed  float64
	Loops  int
	MaxGap time.Duration
}

// Run executes the replay; see Job.Run for the error and report contract.
func (j *ReplayJob) Run(ctx context.Context) (*results.Report, error) {
	defer j.Player.Close()
	// The stream decides which endpoints there are and whether a login is
	// needed; the scenario gives the login and the questions.
	// An endpoint of the scenario with the stream's key, method and path
	// lends it its response checks.
	sc := *j.Scenario
	sc.Endpoints, sc.Journeys = nil, nil // the stream's sessions are its journeys
	for _, e := range j.Info.Endpoints {
		ep := targets.Endpoint{Key: e.Key, Name: e.Name, Method: e.Method, Path: e.Path, Weight: 1, Auth: e.Auth}
		for _, o := range j.Scenario.Endpoints {
			if o.Key == e.Key && o.Method == e.Method && o.Path == e.Path {
				ep.Checks = o.Checks
			}
		}
		sc.Endpoints = append(sc.Endpoints, ep)
	}
	j.Scenario = &sc
	if _, err := j.check(); err != nil {
		return nil, err
	}
	m := j.manifest("replay")
	m.Scenario.Endpoints, m.Scenario.Journeys = j.Info.Endpoints, j.Info.Journeys
	m.Plan.Kind, m.Plan.Duration, m.Planned = "replay", results.Duration(j.Player.Duration()), j.Player.Count()
	m.Plan.Description = fmt.Sprintf("replay of %s (%d requests over %s) at speed %g", j.Source, j.Info.Count, j.Info.Duration.Round(time.Millisecond), j.Speed)
	if j.Loops > 1 {
		m.Plan.Description += fmt.Sprintf(", %d loops", j.Loops)
	}
	if j.MaxGap > 0 {
		m.Plan.Description += fmt.Sprintf(", gaps clamped to %s", j.MaxGap)
	}
	m.Replay = &results.ReplayInfo{Source: j.Source, Format: j.Info.Format, Digest: j.Info.Digest, Requests: j.Info.Count,
		Skipped: j.Info.Skipped, Sorted: j.Info.Sorted, Speed: j.Speed, Loops: j.Loops, MaxGap: results.Duration(j.MaxGap)}
	var rep *results.Report
	var err error
	if j.Info.Sessions > 0 { // recorded journeys: their requests in order, with the values of this run
		rep, err = j.runSessions(ctx, m)
	} else {
		rep, err = j.runOpen(ctx, m, j.Player, func(pool *auth.Pool) vegeta.Targeter {
			return j.Player.Targeter(j.Target, stamper(pool))
		})
	}
	if err == nil {
		err = j.Player.Err()
	}
	return rep, err
}

// stamper adds the Authorization of the pool's sessions, round robin.
func stamper(pool *auth.Pool) func(http.Header) {
	if pool == nil {
		return func(http.Header) {}
	}
	sessions := pool.Sessions()
	var next atomic.Uint64
	return func(h http.Header) {
		s := sessions[next.Add(1)%uint64(len(sessions))]
		if t := s.Token(); t != nil {
			h.Set("Authorization", "Bearer "+t.Value)
		}
	}
}
