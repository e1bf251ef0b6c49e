package plan

import (
	"fmt"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Shard is this generator's part of a plan spread over Count generators
// (Index from 0). The zero value, or Count ≤ 1, is the whole plan.
type Shard struct {
	Index, Count int
}

// Sharded reports whether the plan is spread.
func (s Shard) Sharded() bool { return s.Count > 1 }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Validate rejects an index outside the count.
func (s Shard) Validate() error {
	if s.Count < 0 || (s.Count > 0 && (s.Index < 0 || s.Index >= s.Count)) || (s.Count == 0 && s.Index != 0) {
		return fmt.Errorf("shard %d/%d: want 0 ≤ index < count", s.Index, s.Count)
	}
	return nil
}

// Split is this shard's share of n things spread as evenly as possible:
// the first n mod Count shards take one more.
func (s Shard) Split(n int) int {
	if !s.Sharded() {
		return n
	}
	share := n / s.Count
	if s.Index < n%s.Count {
		share++
	}
	return share
}

// shardPacer sends every Count-th request of a plan, starting with the
// Index-th: the shards' requests together are due exactly when the whole
// plan's are, evenly spaced, whatever the ramp.
type shardPacer struct {
	full  *Pacer
	shard Shard
	count uint64
}

var _ Schedule = (*shardPacer)(nil)

func newShardPacer(p Plan, s Shard) *shardPacer {
	full := NewPacer(p)
	sp := &shardPacer{full: full, shard: s}
	n, i := full.Count(), uint64(s.Index)
	if n > i {
		sp.count = (n-i-1)/uint64(s.Count) + 1
	}
	return sp
}

func (sp *shardPacer) global(k uint64) uint64 {
	return k*uint64(sp.shard.Count) + uint64(sp.shard.Index)
}

func (sp *shardPacer) Due(k uint64) (time.Duration, bool) {
	if k >= sp.count {
		return 0, false
	}
	return sp.full.Due(sp.global(k))
}

func (sp *shardPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	due, ok := sp.Due(hits)
	return paceAt(elapsed, due, ok)
}

func (sp *shardPacer) Rate(elapsed time.Duration) float64 {
	return sp.full.Rate(elapsed) / float64(sp.shard.Count)
}
func (sp *shardPacer) Count() uint64           { return sp.count }
func (sp *shardPacer) Duration() time.Duration { return sp.full.Duration() }

var _ vegeta.Pacer = (*shardPacer)(nil)

// scale multiplies every rate of the plan by f.
func (p Plan) scale(f float64) Plan {
	out := Plan{Kind: p.Kind, StartRate: p.StartRate * f}
	for _, s := range p.Stages {
		out.Stages = append(out.Stages, Stage{s.Duration, s.Target * f})
	}
	return out
}
