// Package compare tells whether a set of runs regressed against another:
// per endpoint and in total, the change of the request rate, the failure
// rate and the latency percentiles, with a Mann-Whitney U test
// (golang.org/x/perf/benchmath, benchstat's "assume nothing") and a
// bootstrap interval for each percentile. It is the only package of
// ragload that uses x/perf; results/render prints a Comparison.
//
//	side.go     Load: one side, the union of runs, with latency reservoirs
//	compare.go  Runs: the comparison, its regressions and plan warnings
//	stats.go    the U test, bootstrap intervals and percentiles
package compare
