// Package plan is what a run sends over time, as values with no I/O: the
// open model's arrival-rate plans (Plan: constant, ramp, stages, unbounded)
// and the pacers that send them (Pacer, PoissonPacer, a shard's part,
// Steered when the rate changes while the run goes on; NewSchedule picks
// one), the closed-loop user plans (UserPlan) and think times (Wait), a
// generator's part of a plan (Shard), and the parsers of their
// command-line forms (ParseRate, ParseStages, ParseWait). Package attack
// runs them.
package plan
