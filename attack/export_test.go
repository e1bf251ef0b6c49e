package attack

import "time"

// MachineBusy is how many cores the whole machine kept busy over d (-1
// where the machine's load cannot be read). Tests of timing precision use
// it to wait for a quiet machine.
func MachineBusy(d time.Duration) float64 {
	b0, t0, ok := machineTicks()
	time.Sleep(d)
	b1, t1, ok1 := machineTicks()
	if !ok || !ok1 || t1 <= t0 {
		return -1
	}
	return float64(ncpu()) * float64(b1-b0) / float64(t1-t0)
}
