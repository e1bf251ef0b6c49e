package results

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Limits of the shard checks.
const (
	// maxLateStart is how long after --start-at a shard may start before
	// the merge says so.
	maxLateStart = 500 * time.Millisecond
	// maxClockSkew is how far the generators' clocks, each measured
	// against the server's Date header (one second resolution), may
	// disagree before the merge says so.
	maxClockSkew = 2 * time.Second
)

// Merge returns the manifest of inputs judged as one (nil when none has a
// manifest) and what is wrong with them as a set: shards of one run that
// are missing or given twice, shards of another run or plan, late starts,
// clocks that disagree. One run's manifest is returned as it is; shards'
// are summed into one: counts added, the earliest start and the latest
// end, the users' timelines added sample by sample.
func Merge(inputs []Input) (*Manifest, []string) {
	type shard struct {
		m    *Manifest
		path string
	}
	var all []shard
	for _, in := range inputs {
		if in.Manifest != nil && !slices.ContainsFunc(all, func(s shard) bool { return s.m == in.Manifest }) {
			all = append(all, shard{in.Manifest, in.Path})
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	first := all[0]
	if len(all) == 1 && first.m.Shard == nil {
		return first.m, nil
	}
	var warn []string
	run := first.m.RunID
	seen := map[int][]string{}
	count := 0
	for _, s := range all {
		if s.m.RunID != run {
			warn = append(warn, fmt.Sprintf("%s belongs to run %q, not %q: it is judged with them, but is it the same test?", s.path, s.m.RunID, run))
		}
		if s.m.Plan.Description != first.m.Plan.Description || s.m.Mode != first.m.Mode {
			warn = append(warn, fmt.Sprintf("%s ran %s %q, %s ran %s %q", s.path, s.m.Mode, s.m.Plan.Description, first.path, first.m.Mode, first.m.Plan.Description))
		}
		if s.m.Shard != nil {
			seen[s.m.Shard.Index] = append(seen[s.m.Shard.Index], s.path)
			count = max(count, s.m.Shard.Count)
		}
		if !s.m.StartAt.IsZero() && s.m.Started.Sub(s.m.StartAt) > maxLateStart {
			warn = append(warn, fmt.Sprintf("%s started %s after --start-at", s.path, s.m.Started.Sub(s.m.StartAt).Round(time.Millisecond)))
		}
	}
	for i := range count {
		switch paths := seen[i]; {
		case len(paths) == 0:
			warn = append(warn, fmt.Sprintf("shard %d/%d of run %q is missing: the merged numbers lack its share", i, count, run))
		case len(paths) > 1:
			warn = append(warn, fmt.Sprintf("shard %d/%d of run %q is given %d times (%s)", i, count, run, len(paths), strings.Join(paths, ", ")))
		}
	}
	ms := make([]*Manifest, len(all))
	for i, s := range all {
		ms[i] = s.m
	}
	if skew := clockSkew(ms); skew > maxClockSkew {
		warn = append(warn, fmt.Sprintf("the generators' clocks disagree by about %s (each against the server's Date): merged times are off by as much; keep them in sync (NTP)", skew.Round(time.Second)))
	}

	// The union as one run.
	m := *first.m
	m.Shard, m.Generator, m.Dropped = nil, nil, nil
	m.Planned, m.Sent, m.Completed = 0, 0, 0
	m.Auth.Logins, m.Auth.Refreshes, m.Auth.LoginFailures, m.Auth.Unauthorized = 0, 0, 0, 0
	if m.RunID != "" {
		m.Name = m.RunID
	}
	var users *UsersInfo
	for _, s := range all {
		o := s.m
		m.Planned, m.Sent, m.Completed = m.Planned+o.Planned, m.Sent+o.Sent, m.Completed+o.Completed
		m.Auth.Logins += o.Auth.Logins
		m.Auth.Refreshes += o.Auth.Refreshes
		m.Auth.LoginFailures += o.Auth.LoginFailures
		m.Auth.Unauthorized += o.Auth.Unauthorized
		if o.Started.Before(m.Started) {
			m.Started = o.Started
		}
		if o.SendEnded.After(m.SendEnded) {
			m.SendEnded = o.SendEnded
		}
		if o.Ended.After(m.Ended) {
			m.Ended = o.Ended
		}
		if o.Status != StatusComplete && m.Status == StatusComplete {
			m.Status, m.Error = o.Status, o.Error
		}
		if g := o.Generator; g != nil && g.Saturated {
			if m.Generator == nil {
				m.Generator = &GeneratorInfo{Cores: g.Cores, MachineCores: g.MachineCores, Saturated: true}
			}
			for _, r := range g.Reasons {
				m.Generator.Reasons = append(m.Generator.Reasons, s.path+": "+r)
			}
		}
		users = addUsers(users, o.Users)
		if o.Dropped != nil {
			if m.Dropped == nil {
				m.Dropped = &Drops{}
			}
			m.Dropped.Add(o.Dropped)
		}
	}
	m.Users = users
	return &m, warn
}

// clockSkew is the spread of the runs' clock offsets against the server.
func clockSkew(ms []*Manifest) time.Duration {
	var offs []time.Duration
	for _, m := range ms {
		if m.ClockOffset != nil {
			offs = append(offs, time.Duration(*m.ClockOffset))
		}
	}
	if len(offs) < 2 {
		return 0
	}
	return slices.Max(offs) - slices.Min(offs)
}

// addUsers adds one shard's user timeline to the sum: targets and actives
// sample by sample (shards of one plan sample on the same grid).
func addUsers(sum, u *UsersInfo) *UsersInfo {
	if u == nil {
		return sum
	}
	if sum == nil {
		c := *u
		c.Timeline = slices.Clone(u.Timeline)
		return &c
	}
	sum.Planned += u.Planned
	for i := range min(len(sum.Timeline), len(u.Timeline)) {
		sum.Timeline[i].Target += u.Timeline[i].Target
		sum.Timeline[i].Active += u.Timeline[i].Active
	}
	return sum
}

// GroupShards groups inputs into runs, in order of first appearance: the
// shards of one run id (manifests with a Shard) form one group, every
// other input is a group of its own. Report and compare judge what they are
// given as one; plot draws each group as a run.
func GroupShards(inputs []Input) [][]Input {
	var out [][]Input
	at := map[string]int{}
	for _, in := range inputs {
		if m := in.Manifest; m != nil && m.Shard != nil {
			if i, ok := at[m.RunID]; ok {
				out[i] = append(out[i], in)
				continue
			}
			at[m.RunID] = len(out)
		}
		out = append(out, []Input{in})
	}
	return out
}
