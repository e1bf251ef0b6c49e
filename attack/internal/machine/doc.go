// Package machine is what attack knows of the machine it sends from and
// of ragload itself as a load generator: the process's CPU time and
// memory and the machine's CPU ticks (Linux; zero elsewhere), the most
// connections the OS lets it hold (MaxInFlight), the Limiter that adapts
// the cap on requests in flight to the CPU left, and the Sampler that turns
// periodic looks (Probe) into the manifest's generator samples. The
// verdict on those samples is results.GeneratorInfo.Judge.
package machine
