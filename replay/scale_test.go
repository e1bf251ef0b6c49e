package replay

import (
	"errors"
	"io"
	"testing"
	"time"
)

// sliceSource yields entries from memory; opens counts how often an
// Opener made one.
type sliceSource struct {
	es  []Entry
	i   int
	err error // returned after the entries instead of io.EOF
}

func (s *sliceSource) Next() (Entry, error) {
	if s.i >= len(s.es) {
		if s.err != nil {
			return Entry{}, s.err
		}
		return Entry{}, io.EOF
	}
	s.i++
	return s.es[s.i-1], nil
}

func (s *sliceSource) Close() error { return nil }

func sliceOpener(opens *int, es ...Entry) Opener {
	return func() (Source, error) {
		if opens != nil {
			*opens++
		}
		return &sliceSource{es: es}, nil
	}
}

func at(ds ...time.Duration) []Entry {
	var es []Entry
	for _, d := range ds {
		es = append(es, Entry{Offset: d, Method: "GET", URL: "/"})
	}
	return es
}

func infoOf(es []Entry) Info {
	return Info{Count: int64(len(es)), Duration: es[len(es)-1].Offset}
}

const s = time.Second

func TestScaled(t *testing.T) {
	tests := []struct {
		name     string
		in       []Entry
		speed    float64
		maxGap   time.Duration
		loops    int
		want     []time.Duration
		wantDur  time.Duration
		wantOpen int // opens including the measuring pass
	}{
		{"identity", at(0, s, 3*s), 1, 0, 1, []time.Duration{0, s, 3 * s}, 3 * s, 1},
		{"speed 2 halves", at(s, 2*s, 5*s), 2, 0, 1, []time.Duration{s / 2, s, 5 * s / 2}, 5 * s / 2, 1},
		{"speed 0.5 doubles", at(0, s), 0.5, 0, 1, []time.Duration{0, 2 * s}, 2 * s, 1},
		{"max gap clamps", at(0, s, 11*s, 12*s, 60*s), 1, 2 * s, 1, []time.Duration{0, s, 3 * s, 4 * s, 6 * s}, 6 * s, 2},
		{"max gap clamps the lead", at(5*s, 6*s), 1, 2 * s, 1, []time.Duration{2 * s, 3 * s}, 3 * s, 2},
		{"max gap then speed", at(0, 10*s), 4, 2 * s, 1, []time.Duration{0, s / 2}, s / 2, 2},
		{"loops 3", at(0, s, 2*s), 1, 0, 3, []time.Duration{0, s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s, 7 * s, 8 * s}, 8 * s, 4},
		{"loops with a lead", at(s, 2*s, 3*s), 1, 0, 2, []time.Duration{s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s}, 6 * s, 3},
		{"loops of one", at(0), 2, 0, 3, []time.Duration{0, s / 2, s}, s, 4},
		{"loops, gap and speed", at(0, 9*s, 10*s), 2, 3 * s, 2, []time.Duration{0, 3 * s / 2, 2 * s, 3 * s, 9 * s / 2, 5 * s}, 5 * s, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opens := 0
			open, info, err := Scaled(sliceOpener(&opens, tt.in...), infoOf(tt.in), tt.speed, tt.maxGap, tt.loops)
			if err != nil {
				t.Fatal(err)
			}
			es := readAll(t, open)
			equal(t, "offsets", offsets(es), tt.want)
			equal(t, "count", info.Count, int64(len(tt.want)))
			equal(t, "duration", info.Duration, tt.wantDur)
			equal(t, "opens", opens, tt.wantOpen)
			for i := 1; i < len(es); i++ {
				if es[i].Offset < es[i-1].Offset {
					t.Errorf("entry %d goes back in time", i)
				}
			}
		})
	}
}

func TestScaledErrors(t *testing.T) {
	in := at(0, s)
	for _, c := range []struct {
		speed  float64
		maxGap time.Duration
		loops  int
	}{{0, 0, 1}, {-1, 0, 1}, {1, -s, 1}, {1, 0, 0}} {
		if _, _, err := Scaled(sliceOpener(nil, in...), infoOf(in), c.speed, c.maxGap, c.loops); err == nil {
			t.Errorf("speed %g, max gap %s, loops %d: no error", c.speed, c.maxGap, c.loops)
		}
	}
	boom := errors.New("boom")
	failing := func() (Source, error) { return nil, boom }
	if _, _, err := Scaled(failing, infoOf(in), 1, 0, 2); !errors.Is(err, boom) {
		t.Errorf("measuring a failing source: got %v", err)
	}
}

func TestScaledStreamFile(t *testing.T) {
	path := writeStream(t, at(0, s/2, s))
	open, info, err := OpenStream(path, false)
	if err != nil {
		t.Fatal(err)
	}
	open, info, err = Scaled(open, info, 1, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	es := readAll(t, open)
	equal(t, "count", [2]int64{int64(len(es)), info.Count}, [2]int64{9, 9})
	equal(t, "last", es[8].Offset, info.Duration)
	equal(t, "duration", info.Duration, 4*s)
}
