package tokens

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestGapHistogramPrecision: every gap is stored within 1% (or exactly,
// below 100µs), counts are kept, and entries are ascending.
func TestGapHistogramPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		d := time.Duration(rng.Int64N(int64(2*time.Second))) >> rng.IntN(30)
		var h GapHistogram
		h.Add(d)
		c := h.Counts()
		if len(c) != 1 || c[0].N != 1 {
			t.Fatalf("%v: %v", d, c)
		}
		us := d.Truncate(time.Microsecond)
		if diff := (c[0].Gap - us).Abs(); diff > us/100+time.Microsecond {
			t.Errorf("%v stored as %v: off by %v", d, c[0].Gap, diff)
		}
	}
	var h GapHistogram
	for _, d := range []time.Duration{15 * time.Millisecond, 0, 15 * time.Millisecond, 50 * time.Microsecond, 2 * time.Second, 15100 * time.Microsecond} {
		h.Add(d)
	}
	c := h.Counts()
	if h.Len() != 6 || !slices.IsSortedFunc(c, func(a, b GapCount) int { return int(a.Gap - b.Gap) }) || c[0] != (GapCount{0, 1}) || c[1] != (GapCount{50 * time.Microsecond, 1}) {
		t.Errorf("counts %v (len %d)", c, h.Len())
	}
}

// TestGapHistogramCap: scattered gaps merge down to MaxGapEntries entries,
// keeping every count and the order, the extremes close.
func TestGapHistogramCap(t *testing.T) {
	var h GapHistogram
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		h.Add(time.Duration(rng.ExpFloat64() * float64(30*time.Millisecond)))
	}
	c := h.Counts()
	n := 0
	for _, g := range c {
		n += g.N
	}
	if len(c) > MaxGapEntries || n != 5000 || !slices.IsSortedFunc(c, func(a, b GapCount) int { return int(a.Gap - b.Gap) }) {
		t.Errorf("%d entries, %d gaps, sorted %v", len(c), n, c)
	}
	r := &vegeta.Result{}
	Set(r, Timing{Last: time.Second, Gaps: c})
	if size := len(r.Headers[ITLHeader][0]); size > 16*MaxGapEntries {
		t.Errorf("the header holds %d bytes", size)
	}
}

func TestTokensRoundTrip(t *testing.T) {
	var h GapHistogram
	for _, d := range []time.Duration{14 * time.Millisecond, 15 * time.Millisecond, 15 * time.Millisecond, 80 * time.Millisecond} {
		h.Add(d)
	}
	r := &vegeta.Result{}
	Set(r, Timing{Last: 224 * time.Millisecond, Gaps: h.Counts()})
	if got, want := r.Headers[ITLHeader][0], "13988,15141*2,79902"; got != want {
		t.Errorf("%s = %q, want %q", ITLHeader, got, want)
	}
	tt, ok := Of(r)
	if !ok || tt.Last != 224*time.Millisecond || !slices.Equal(tt.Gaps, h.Counts()) {
		t.Errorf("TokensOf = %+v %v", tt, ok)
	}
	if tpot, ok := TPOT(100*time.Millisecond, 5, tt); !ok || tpot != 31*time.Millisecond {
		t.Errorf("TPOT = %v %v, want 31ms", tpot, ok)
	}
	if q := GapQuantile(tt.Gaps, 0.5); q != 15141*time.Microsecond {
		t.Errorf("p50 %v", q)
	}
	if q := GapQuantile(tt.Gaps, 0.99); q != 79902*time.Microsecond {
		t.Errorf("p99 %v", q)
	}
	if q := GapQuantile(nil, 0.5); q != 0 {
		t.Errorf("p50 of nothing %v", q)
	}
	if _, ok := TPOT(time.Second, 1, Timing{Last: time.Second}); ok {
		t.Error("TPOT of one token")
	}
	if _, ok := Of(&vegeta.Result{}); ok {
		t.Error("TokensOf of a plain result")
	}
	r.Headers[ITLHeader] = []string{"100*2,x,-5,7*0,*3,200*x,300"}
	if tt, _ := Of(r); !slices.Equal(tt.Gaps, []GapCount{{100 * time.Microsecond, 2}, {300 * time.Microsecond, 1}}) {
		t.Errorf("damaged histogram read as %v", tt.Gaps)
	}
}
