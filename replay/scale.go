package replay

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// Scaled returns an Opener that replays open's recording faster or slower,
// with long pauses cut short, several times over:
//
//   - Each gap between consecutive entries (and the one before the first,
//     from the start of the recording) longer than maxGap, in recording
//     time, is cut to maxGap; 0 means no limit.
//   - Offsets are divided by speed (2 plays twice as fast).
//   - With loops > 1 the recording plays again after the previous loop:
//     the next loop's first entry comes one mean gap after the last entry
//     (mean gap = the clamped span from the first to the last entry divided
//     by Count-1; 1 s when that is 0), so a loop's rate carries on across
//     the seam. A constant-rate stream loops seamlessly. Each loop opens
//     the recording anew. A session of loop n > 1 is renamed
//     "<session>/<n>" (its journey stays the same: SessionJourney).
//
// When maxGap or loops need the clamped span, Scaled reads the recording
// once to measure it. The Info returned has Count and Duration updated.
func Scaled(open Opener, info Info, speed float64, maxGap time.Duration, loops int) (Opener, Info, error) {
	if !(speed > 0) || math.IsInf(speed, 0) {
		return nil, Info{}, fmt.Errorf("speed %g must be > 0", speed)
	}
	if maxGap < 0 {
		return nil, Info{}, fmt.Errorf("max gap %s must be ≥ 0", maxGap)
	}
	if loops < 1 {
		return nil, Info{}, fmt.Errorf("loops %d must be ≥ 1", loops)
	}
	first, last := time.Duration(0), info.Duration // clamped recording time
	if maxGap > 0 || loops > 1 {
		var err error
		if first, last, err = measure(open, maxGap); err != nil {
			return nil, Info{}, err
		}
	}
	meanGap := time.Second
	if info.Count > 1 && last > first {
		meanGap = (last - first) / time.Duration(info.Count-1)
	}
	if maxGap > 0 {
		meanGap = min(meanGap, maxGap)
	}
	period := last - first + meanGap
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / speed) }

	out := info
	out.Count = info.Count * int64(loops)
	out.Sessions = info.Sessions * int64(loops)
	out.Duration = scale(time.Duration(loops-1)*period + last)
	return func() (Source, error) {
		src, err := open()
		if err != nil {
			return nil, err
		}
		return &scaledSource{open: open, cur: src, scale: scale, maxGap: maxGap, loops: loops, period: period}, nil
	}, out, nil
}

// measure reads a recording and returns the clamped offsets of its first
// and last entries.
func measure(open Opener, maxGap time.Duration) (first, last time.Duration, err error) {
	src, err := open()
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	var c clamp
	for n := 0; ; n++ {
		e, err := src.Next()
		if errors.Is(err, io.EOF) {
			return first, last, nil
		}
		if err != nil {
			return 0, 0, err
		}
		last = c.next(e.Offset, maxGap)
		if n == 0 {
			first = last
		}
	}
}

// clamp turns recorded offsets into offsets with every gap cut to maxGap.
type clamp struct {
	prev, t time.Duration // last recorded and clamped offsets
}

func (c *clamp) next(off, maxGap time.Duration) time.Duration {
	gap := max(off-c.prev, 0)
	if maxGap > 0 {
		gap = min(gap, maxGap)
	}
	c.prev, c.t = off, c.t+gap
	return c.t
}

// scaledSource reads loops of a recording with clamped, scaled offsets.
type scaledSource struct {
	open   Opener
	cur    Source
	scale  func(time.Duration) time.Duration
	maxGap time.Duration
	loops  int
	loop   int
	period time.Duration // recording time from one loop's start to the next's
	c      clamp
}

func (s *scaledSource) Next() (Entry, error) {
	e, err := s.cur.Next()
	if errors.Is(err, io.EOF) && s.loop+1 < s.loops {
		if err := s.cur.Close(); err != nil {
			return Entry{}, err
		}
		if s.cur, err = s.open(); err != nil {
			s.cur = emptySource{}
			return Entry{}, err
		}
		s.loop++
		s.c = clamp{}
		e, err = s.cur.Next()
	}
	if err != nil {
		return Entry{}, err
	}
	e.Offset = s.scale(time.Duration(s.loop)*s.period + s.c.next(e.Offset, s.maxGap))
	if e.Session != "" && s.loop > 0 { // each loop's sessions are new ones
		e.Session += "/" + strconv.Itoa(s.loop+1)
	}
	return e, nil
}

func (s *scaledSource) Close() error { return s.cur.Close() }

// emptySource stands in for a loop that failed to open.
type emptySource struct{}

func (emptySource) Next() (Entry, error) { return Entry{}, io.EOF }
func (emptySource) Close() error         { return nil }
