package machine

import (
	"testing"
	"time"
)

// TestLimiterAdjust: short of CPU the cap drops below what is in flight;
// with CPU to spare it grows while nearly full, up to its ceiling, and
// stays put while there is room.
func TestLimiterAdjust(t *testing.T) {
	var n int64
	l := NewLimiter(10000, func() int64 { return n })
	if l.cur.Load() != limitStart {
		t.Fatalf("start %d, want %d", l.cur.Load(), limitStart)
	}
	n = 1000
	l.adjust(5 * time.Millisecond)
	if l.cur.Load() != 800 {
		t.Errorf("starved with 1000 in flight: cap %d, want 800", l.cur.Load())
	}
	for range 100 {
		l.adjust(5 * time.Millisecond)
	}
	if l.cur.Load() != limitFloor {
		t.Errorf("starved for long: cap %d, want the floor %d", l.cur.Load(), limitFloor)
	}
	n = limitFloor
	l.adjust(50 * time.Microsecond)
	if l.cur.Load() != 2*limitFloor {
		t.Errorf("full and fine: cap %d, want %d", l.cur.Load(), 2*limitFloor)
	}
	n = 10
	l.adjust(50 * time.Microsecond)
	if l.cur.Load() != 2*limitFloor {
		t.Errorf("room to spare: cap %d, want it unchanged", l.cur.Load())
	}
	for range 100 {
		n = l.cur.Load()
		l.adjust(0)
	}
	if l.cur.Load() != 10000 {
		t.Errorf("full for long: cap %d, want the ceiling", l.cur.Load())
	}
}

// TestLimiterCeiling: however starved, the cap never rises above its
// ceiling (--max-workers 4 stays 4, though the floor is 64).
func TestLimiterCeiling(t *testing.T) {
	n := int64(4)
	l := NewLimiter(4, func() int64 { return n })
	l.adjust(5 * time.Millisecond)
	if got := l.cur.Load(); got != 4 {
		t.Errorf("starved under a ceiling of 4: cap %d", got)
	}
}
