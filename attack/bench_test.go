package attack

import (
	"testing"
	"time"
)

// BenchmarkPacerDue is the per-request cost of knowing when a request was
// due (paid once in Pace and once when its result arrives).
func BenchmarkPacerDue(b *testing.B) {
	p := NewPacer(Staged(10, []Stage{{time.Minute, 1000}, {time.Minute, 1000}, {time.Minute, 0}}))
	b.ReportAllocs()
	n := p.Count()
	for i := 0; b.Loop(); i++ {
		p.Due(uint64(i) % n)
	}
}
