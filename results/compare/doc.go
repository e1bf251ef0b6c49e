// Package compare tells whether a set of runs regressed against another:
// per endpoint and in total, the change of the request rate, the failure
// rate and the latency percentiles, with a Mann-Whitney U test
// (golang.org/x/perf/benchmath, benchstat's "assume nothing") and a
// bootstrap interval for each percentile; and per journey, the change of
// its failure rate and of its completed journeys' duration percentiles.
// It is the only package of ragload that uses x/perf; results/render
// prints a Comparison.
//
//	side.go     Load: one side, the union of runs, with latency reservoirs
//	compare.go  Runs: the comparison, its regressions and plan warnings
//	journeys.go the journeys' durations and failure rates compared
//	stats.go    the U test, bootstrap intervals and percentiles
package compare
