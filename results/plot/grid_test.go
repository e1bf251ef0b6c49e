package plot

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestFloorDiv(t *testing.T) {
	for _, c := range []struct{ a, b, want int64 }{{7, 2, 3}, {-7, 2, -4}, {-8, 2, -4}, {0, 5, 0}, {-1, 1000, -1}, {999, 1000, 0}} {
		if got := floorDiv(c.a, c.b); got != c.want {
			t.Errorf("floorDiv(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// countGrid is a grid of plain counters.
func countGrid(width time.Duration, cells int) *grid[int] {
	return newGrid(width, cells, func() *int { return new(int) }, func(a, b *int) *int { *a += *b; return a })
}

func cellsOf(g *grid[int]) []int {
	out := make([]int, len(g.cells))
	for i, c := range g.cells {
		if c != nil {
			out[i] = *c
		}
	}
	return out
}

func TestGridBucketsAndCoarsens(t *testing.T) {
	g := countGrid(time.Second, 4)
	for _, s := range []float64{0, 0.5, 1.5, 3.9} {
		*g.at(time.Duration(s * float64(time.Second)))++
	}
	if g.width != time.Second || g.lo != 0 || !slices.Equal(cellsOf(g), []int{2, 1, 0, 1}) {
		t.Fatalf("width %s lo %d cells %v, want 1s 0 [2 1 0 1]", g.width, g.lo, cellsOf(g))
	}
	*g.at(4 * time.Second)++ // a fifth cell: the width doubles
	if g.width != 2*time.Second || g.lo != 0 || !slices.Equal(cellsOf(g), []int{3, 1, 1}) {
		t.Fatalf("width %s lo %d cells %v, want 2s 0 [3 1 1]", g.width, g.lo, cellsOf(g))
	}
	*g.at(-500 * time.Millisecond)++ // before the origin: cell -1
	if g.lo != -1 || !slices.Equal(cellsOf(g), []int{1, 3, 1, 1}) {
		t.Fatalf("lo %d cells %v, want -1 [1 3 1 1]", g.lo, cellsOf(g))
	}
	g.widen(8 * time.Second)
	if g.width != 8*time.Second || g.lo != -1 || !slices.Equal(cellsOf(g), []int{1, 5}) {
		t.Fatalf("widened: width %s lo %d cells %v, want 8s -1 [1 5]", g.width, g.lo, cellsOf(g))
	}
	if c := g.cell(5); c != nil {
		t.Errorf("cell(5) = %d, want nil", *c)
	}
}

// TestGridBounded: a day of offsets into a grid of 150 cells at 1 s stays
// within 150 cells, every offset counted once.
func TestGridBounded(t *testing.T) {
	g := countGrid(time.Second, 150)
	const n = 100000
	rng := rand.New(rand.NewPCG(1, 2))
	for range n {
		*g.at(time.Duration(rng.Int64N(int64(24 * time.Hour))))++
	}
	total := 0
	for _, c := range cellsOf(g) {
		total += c
	}
	if len(g.cells) > 150 || total != n {
		t.Fatalf("%d cells, %d counted; want ≤ 150 and %d", len(g.cells), total, n)
	}
	if want := 1024 * time.Second; g.width != want { // 86400/150 = 576 s → 1024 s
		t.Errorf("width %s, want %s", g.width, want)
	}
	// Absurd offsets (a zero timestamp against 2025) neither hang nor panic.
	*g.at(time.Duration(math.MinInt64))++
	*g.at(time.Duration(math.MaxInt64))++
	if len(g.cells) > 150 {
		t.Errorf("%d cells after absurd offsets", len(g.cells))
	}
}

func TestSketchQuantiles(t *testing.T) {
	s := newSketch()
	for i := 1; i <= 1000; i++ {
		s.add(time.Duration(i) * time.Millisecond)
	}
	q := s.quantiles(0.5, 0.95, 0.99, 1)
	for i, want := range []time.Duration{500 * time.Millisecond, 950 * time.Millisecond, 990 * time.Millisecond, time.Second} {
		if rel := math.Abs(float64(q[i]-want)) / float64(want); rel > 0.01 {
			t.Errorf("quantile %d = %s, want %s ± 1%%", i, q[i], want)
		}
	}
	if q[3] != time.Second {
		t.Errorf("p100 = %s, want the exact max 1s", q[3])
	}

	one := newSketch()
	one.add(7 * time.Millisecond)
	for _, v := range one.quantiles(0.5, 0.99) {
		if v != 7*time.Millisecond {
			t.Errorf("single value: quantile %s, want exactly 7ms", v)
		}
	}
	if (*sketch)(nil).quantiles(0.5) != nil || newSketch().quantiles(0.5) != nil {
		t.Error("an empty sketch has quantiles")
	}

	// Merging two halves gives the sketch of the whole.
	a, b := newSketch(), newSketch()
	for i := 1; i <= 1000; i++ {
		if i%2 == 0 {
			a.add(time.Duration(i) * time.Millisecond)
		} else {
			b.add(time.Duration(i) * time.Millisecond)
		}
	}
	m := mergeSketches(a, b)
	mq := m.quantiles(0.5, 0.95, 0.99, 1)
	for i := range q {
		if mq[i] != q[i] {
			t.Errorf("merged quantile %d = %s, whole = %s", i, mq[i], q[i])
		}
	}
	if m.n != 1000 || m.min != time.Millisecond || m.max != time.Second {
		t.Errorf("merged n %d min %s max %s", m.n, m.min, m.max)
	}
}

func TestBins(t *testing.T) {
	if binOf(0) != 0 || binOf(time.Microsecond) != 0 {
		t.Error("latencies up to 1 µs are bin 0")
	}
	if binOf(100*time.Hour) != maxBin {
		t.Errorf("100h in bin %d, want the last, %d", binOf(100*time.Hour), maxBin)
	}
	for _, d := range []time.Duration{3 * time.Microsecond, 2 * time.Millisecond, 312 * time.Millisecond, 2 * time.Second, 30 * time.Minute} {
		v := binValue(binOf(d))
		if rel := math.Abs(float64(v-d)) / float64(d); rel > 0.006 {
			t.Errorf("%s reads back as %s (%.2f%% off)", d, v, 100*rel)
		}
	}
}

func TestSamplerKeepsAllWhenFew(t *testing.T) {
	s := newSampler(5000, rand.New(rand.NewPCG(1, 1)))
	for i := range 100 {
		s.add(time.Duration(i)*10*time.Millisecond, time.Duration(100+i)*time.Millisecond)
	}
	pts := s.points()
	if len(pts) != 100 {
		t.Fatalf("%d points kept of 100, want all", len(pts))
	}
	for i, p := range pts {
		if p.off != time.Duration(i)*10*time.Millisecond || p.lat != time.Duration(100+i)*time.Millisecond {
			t.Fatalf("point %d = %+v", i, p)
		}
	}
}

// TestSamplerKeepsExtremes: 200,000 results over 10 minutes come down to at
// most max points, in time order, with the spike and the floor kept.
func TestSamplerKeepsExtremes(t *testing.T) {
	for _, maxPoints := range []int{5000, 300, 7, 4, 1} {
		rng := rand.New(rand.NewPCG(3, 4))
		s := newSampler(maxPoints, rand.New(rand.NewPCG(1, 1)))
		const n = 200000
		spikeAt, floorAt := 123456, 98765
		for i := range n {
			lat := time.Duration(200+rng.IntN(100)) * time.Millisecond
			switch i {
			case spikeAt:
				lat = 30 * time.Second
			case floorAt:
				lat = time.Microsecond
			}
			s.add(time.Duration(i)*3*time.Millisecond, lat)
		}
		pts := s.points()
		if len(pts) > maxPoints || len(pts) < min(maxPoints/2, 1000) {
			t.Errorf("max %d: %d points", maxPoints, len(pts))
		}
		var spike, floor bool
		for i, p := range pts {
			spike = spike || p.lat == 30*time.Second
			floor = floor || p.lat == time.Microsecond
			if i > 0 && p.off < pts[i-1].off {
				t.Fatalf("max %d: points out of time order at %d", maxPoints, i)
			}
		}
		if !spike || (!floor && maxPoints >= 4) {
			t.Errorf("max %d: spike kept %v, floor kept %v", maxPoints, spike, floor)
		}
	}
}

// TestMergeColumnsUniform: merging a column of 900 results with one of 100
// keeps picks from each in proportion, 9 to 1.
func TestMergeColumnsUniform(t *testing.T) {
	s := newSampler(DefaultMaxPoints, rand.New(rand.NewPCG(5, 6)))
	fromB := 0
	const trials = 20000
	for range trials {
		a, b := &column{n: 900}, &column{n: 100}
		for i := range reservoir {
			a.picks = append(a.picks, point{id: uint64(i), lat: time.Millisecond})
			b.picks = append(b.picks, point{id: uint64(100 + i), lat: time.Second})
		}
		m := s.mergeColumns(a, b)
		if m.n != 1000 || len(m.picks) != reservoir {
			t.Fatalf("merged n %d picks %d", m.n, len(m.picks))
		}
		for _, p := range m.picks {
			if p.lat == time.Second {
				fromB++
			}
		}
	}
	if f := float64(fromB) / (trials * reservoir); math.Abs(f-0.1) > 0.01 {
		t.Errorf("%.3f of the picks come from the column of 100 in 1000, want 0.100 ± 0.01", f)
	}
}
