// Package attack drives load: open-model attacks over vegeta.Attacker with
// piecewise-linear arrival-rate plans, closed-loop virtual users, replays
// and shards, and the run orchestration around them (login, results file,
// manifest, interruption). Spec.Build is the one place a run is set up,
// for the CLI and the dashboard alike. It returns values and errors; it
// never prints or formats output.
//
// attack/sweep searches for the highest rate that passes, a Job per step;
// attack/internal/machine is the generator's view of itself (CPU and
// memory readings, the in-flight Limiter, the samples of the manifest's
// generator health); attack/internal/stream times streamed responses as
// they are read.
package attack
