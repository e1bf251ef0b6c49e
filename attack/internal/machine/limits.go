package machine

import (
	"math"
	"runtime"
	"sync"
	"time"
)

// reservedFiles are the file descriptors left for everything but the
// connections of requests in flight: the results file, the manifest,
// logins, the dashboard, Go's runtime.
const reservedFiles = 256

// MaxInFlight is the most connections the OS lets this process hold at
// once (math.MaxUint64 where it cannot tell): the open-files limit (Go
// raises the soft limit to the hard one at start) less reservedFiles, and
// half the ephemeral port range, since every connection to one server
// takes a local port and a closed one keeps it for TIME_WAIT's minute.
func MaxInFlight() uint64 {
	limitsOnce.Do(func() {
		maxInFlight = math.MaxUint64
		if n, ok := openFilesLimit(); ok {
			maxInFlight = min(maxInFlight, max(n, 2*reservedFiles)-reservedFiles)
		}
		if lo, hi, ok := ephemeralPorts(); ok && hi > lo {
			maxInFlight = min(maxInFlight, (hi-lo+1)/2)
		}
	})
	return maxInFlight
}

var (
	limitsOnce  sync.Once
	maxInFlight uint64
)

// WaitQuiet waits, at most 40 s, until the machine is quiet: other
// processes keep less than a third of a core busy (it returns at once
// where the machine's load cannot be read). Tests of timing precision call
// it first.
func WaitQuiet() {
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		if busy(300*time.Millisecond) < 0.33 {
			return
		}
	}
}

// busy is how many cores the whole machine kept busy over d (-1 where the
// machine's load cannot be read).
func busy(d time.Duration) float64 {
	b0, t0, ok := Ticks()
	time.Sleep(d)
	b1, t1, ok1 := Ticks()
	if !ok || !ok1 || t1 <= t0 {
		return -1
	}
	return float64(runtime.NumCPU()) * float64(b1-b0) / float64(t1-t0)
}
