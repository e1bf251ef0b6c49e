//go:build !unix

package machine

import "time"

// CPUTime is unknown on this platform; CPU samples read 0.
func CPUTime() time.Duration { return 0 }

// Ticks is unknown on this platform.
func Ticks() (busy, total uint64, ok bool) { return 0, 0, false }

// RSS is unknown on this platform.
func RSS() uint64 { return 0 }

// openFilesLimit is unknown on this platform.
func openFilesLimit() (uint64, bool) { return 0, false }

// ephemeralPorts is unknown on this platform.
func ephemeralPorts() (lo, hi uint64, ok bool) { return 0, 0, false }
