// Package attack drives load: open-model attacks over vegeta.Attacker with
// piecewise-linear arrival-rate plans, and the run orchestration around
// them (login, results file, manifest, interruption). It returns values
// and errors; it never prints or formats output.
package attack
