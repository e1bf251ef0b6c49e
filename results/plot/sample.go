package plot

import (
	"math/rand/v2"
	"sort"
	"time"
)

// point is one result on the latency chart.
type point struct {
	id  uint64        // arrival order in its series, to tell equal points apart
	off time.Duration // due time from the run's origin
	lat time.Duration // response time from the scheduled send
}

// column is a slice of time on the scatter: how many results fell in it,
// the fastest and the slowest (so that spikes and floors survive any
// downsampling) and a few picked uniformly at random (a reservoir, so that
// the dots still show where most results lie, not only the envelope).
type column struct {
	n         uint64
	low, high point
	picks     []point // a uniform sample of min(n, reservoir) results
}

// reservoir is how many random results a column keeps besides its extremes.
const reservoir = 4

// sampler downsamples a series to at most max points as results stream
// by: a grid of columns keeps up to reservoir+2 points each and merges
// pairs of columns when the run outgrows it. Memory is bounded by max, not
// by the number of results.
type sampler struct {
	max    int
	per    int // points drawn per column: 1 to reservoir+2
	cols   *grid[column]
	rng    *rand.Rand
	nextID uint64
}

// firstColumnWidth is the columns' width before the run outgrows them.
const firstColumnWidth = time.Millisecond

func newSampler(maxPoints int, rng *rand.Rand) *sampler {
	s := &sampler{max: maxPoints, rng: rng}
	ncols := max(maxPoints/(reservoir+2), 2)
	s.per = min(reservoir+2, max(maxPoints/ncols, 1))
	s.cols = newGrid(firstColumnWidth, ncols, func() *column { return &column{} }, s.mergeColumns)
	return s
}

func (s *sampler) add(off, lat time.Duration) {
	p := point{id: s.nextID, off: off, lat: lat}
	s.nextID++
	c := s.cols.at(off)
	c.n++
	switch {
	case c.n == 1:
		c.low, c.high = p, p
	case p.lat < c.low.lat:
		c.low = p
	case p.lat > c.high.lat:
		c.high = p
	}
	if len(c.picks) < reservoir {
		c.picks = append(c.picks, p)
	} else if j := s.rng.Uint64N(c.n); j < reservoir { // Algorithm R
		c.picks[j] = p
	}
}

// mergeColumns merges b into a: the extremes of both, and picks drawn
// from the two reservoirs in proportion to the results they stand for, so
// that they stay a uniform sample of all of them.
func (s *sampler) mergeColumns(a, b *column) *column {
	if b.low.lat < a.low.lat {
		a.low = b.low
	}
	if b.high.lat > a.high.lat {
		a.high = b.high
	}
	na, nb := a.n, b.n
	ra, rb := a.picks, b.picks
	picks := make([]point, 0, reservoir)
	take := func(r []point) ([]point, point) {
		i := s.rng.IntN(len(r))
		p := r[i]
		r[i] = r[len(r)-1]
		return r[:len(r)-1], p
	}
	for len(picks) < reservoir && len(ra)+len(rb) > 0 {
		var p point
		if len(rb) == 0 || (len(ra) > 0 && s.rng.Uint64N(na+nb) < na) {
			ra, p = take(ra)
			na--
		} else {
			rb, p = take(rb)
			nb--
		}
		picks = append(picks, p)
	}
	a.picks = picks
	a.n += b.n
	return a
}

// points returns the kept points in time order, at most max of them.
func (s *sampler) points() []point {
	var out []point
	for _, c := range s.cols.cells {
		if c == nil {
			continue
		}
		kept := append([]point{c.high, c.low}, c.picks...) // by priority: spikes first
		kept = kept[:min(s.per, len(kept))]
		for i, p := range kept {
			dup := false
			for _, q := range kept[:i] {
				dup = dup || q.id == p.id
			}
			if !dup {
				out = append(out, p)
			}
		}
	}
	if len(out) > s.max { // only when max is 1: keep the slowest
		sort.Slice(out, func(i, j int) bool { return out[i].lat > out[j].lat })
		out = out[:s.max]
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].off != out[j].off {
			return out[i].off < out[j].off
		}
		return out[i].id < out[j].id
	})
	return out
}
