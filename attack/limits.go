package attack

import (
	"time"

	"github.com/ragload/ragload/attack/internal/machine"
)

// DefaultMaxLag is how late a request may leave after its due time before
// it is dropped instead of sent (k6 drops an iteration that finds no free
// VU; wrk2 never drops and lets lag pile up without bound). A request sent
// late is still timed from its due time, so sending it adds no truth about
// latency; past this bound it only adds load to a generator that is already
// behind. One second is two hundred times the lateness at which a send
// counts as late (results.LateAfter, 5 ms), so a generator that keeps up
// never reaches it, even through a GC pause, and half the default p95
// target (2 s), so a request it drops would have failed that target from
// the lag alone.
const DefaultMaxLag = time.Second

// MachineMaxInFlight is the most requests this machine lets ragload hold
// in flight at once, each on its own connection: what the OS allows
// (machine.MaxInFlight: open files, local ports). Past it the OS refuses
// sockets ("too many open files", "cannot assign requested address") and
// requests fail for reasons that are the generator's, not the server's.
// It is also at most DefaultConnections, the idle connections the client
// keeps, so that every connection of a request in flight can be kept
// alive rather than closed into TIME_WAIT. It is the default cap of every
// open-model run (Options.MaxWorkers): at the cap, due requests wait up to
// MaxLag for a free slot and are dropped after it.
func MachineMaxInFlight() uint64 {
	return max(min(DefaultConnections, machine.MaxInFlight()), 64)
}
