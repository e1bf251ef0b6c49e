package plot

import "time"

// maxWidth stops a grid from widening further (about 36 years): past it,
// offsets land in the nearest edge cell. Only absurd timestamps get there.
const maxWidth = time.Duration(1 << 60)

// grid is a row of equal cells in time: cell i holds the offsets in
// [i*width, (i+1)*width) from the run's origin (i may be negative). It
// grows either way as offsets arrive, and when it would span more than max
// cells it doubles its width and merges cells in pairs, so its size is
// bounded whatever the run's length. Since widths only double, grids that
// start at the same width can always be brought to a common one (widen).
// Cells are made on first use; empty ones stay nil.
type grid[C any] struct {
	width time.Duration
	max   int   // most cells, at least 2
	lo    int64 // index of cells[0]
	cells []*C
	fresh func() *C
	merge func(a, b *C) *C // a is the earlier cell; returns the merged one
}

func newGrid[C any](width time.Duration, maxCells int, fresh func() *C, merge func(a, b *C) *C) *grid[C] {
	return &grid[C]{width: max(width, 1), max: max(maxCells, 2), fresh: fresh, merge: merge}
}

// floorDiv is a/b rounded towards minus infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// hi is the index of the last cell (lo-1 when empty).
func (g *grid[C]) hi() int64 { return g.lo + int64(len(g.cells)) - 1 }

// at returns the cell that holds off, making it (and widening) as needed.
func (g *grid[C]) at(off time.Duration) *C {
	i := floorDiv(int64(off), int64(g.width))
	for !g.fits(i) && g.width < maxWidth {
		g.coarsen()
		i = floorDiv(int64(off), int64(g.width))
	}
	switch {
	case len(g.cells) == 0:
		g.lo, g.cells = i, []*C{nil}
	case !g.fits(i): // beyond maxWidth: clamp
		i = min(max(i, g.lo), g.hi())
	case i < g.lo:
		g.cells = append(make([]*C, g.lo-i, int64(len(g.cells))+g.lo-i), g.cells...)
		g.lo = i
	case i > g.hi():
		g.cells = append(g.cells, make([]*C, i-g.hi())...)
	}
	c := &g.cells[i-g.lo]
	if *c == nil {
		*c = g.fresh()
	}
	return *c
}

// fits reports whether cell i can be added without passing max cells.
func (g *grid[C]) fits(i int64) bool {
	if len(g.cells) == 0 {
		return true
	}
	return max(g.hi(), i)-min(g.lo, i)+1 <= int64(g.max)
}

// coarsen doubles the width, merging cells 2k and 2k+1 into cell k.
func (g *grid[C]) coarsen() {
	g.width *= 2
	if len(g.cells) == 0 {
		return
	}
	lo := floorDiv(g.lo, 2)
	out := make([]*C, floorDiv(g.hi(), 2)-lo+1)
	for k, c := range g.cells {
		if c == nil {
			continue
		}
		j := floorDiv(g.lo+int64(k), 2) - lo
		if out[j] == nil {
			out[j] = c
		} else {
			out[j] = g.merge(out[j], c)
		}
	}
	g.lo, g.cells = lo, out
}

// widen coarsens the grid until its width is at least w; w should be its
// width times a power of two.
func (g *grid[C]) widen(w time.Duration) {
	for g.width < w && g.width < maxWidth {
		g.coarsen()
	}
}

// cell returns cell i, or nil when it is empty or outside the grid.
func (g *grid[C]) cell(i int64) *C {
	if i < g.lo || i > g.hi() {
		return nil
	}
	return g.cells[i-g.lo]
}
