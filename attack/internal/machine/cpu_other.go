//go:build !unix

package attack

import "time"

// cpuTime is unknown on this platform; CPU samples read 0.
func cpuTime() time.Duration { return 0 }

// machineTicks is unknown on this platform.
func machineTicks() (busy, total uint64, ok bool) { return 0, 0, false }

// rss is unknown on this platform.
func rss() uint64 { return 0 }

// openFilesLimit is unknown on this platform.
func openFilesLimit() (uint64, bool) { return 0, false }

// ephemeralPorts is unknown on this platform.
func ephemeralPorts() (lo, hi uint64, ok bool) { return 0, 0, false }
