// Package attack drives load: open-model attacks over vegeta.Attacker at
// the pace of attack/plan's schedules, closed-loop virtual users,
// journeys, replays and shards, and the run orchestration around them
// (login, results file, manifest, interruption). It returns values and
// errors; it never prints or formats output.
//
// attack/plan holds the plans and their pacers; attack/runspec the run
// spec and its builder (Spec.Build), the one place a run is set up, for
// the CLI and the dashboard alike; attack/sweep searches for the highest
// rate that passes, a Job per step; attack/internal/machine is the
// generator's view of itself (CPU and memory readings, the in-flight
// Limiter, the samples of the manifest's generator health);
// attack/internal/stream times streamed responses as they are read.
package attack
