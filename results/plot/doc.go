// Package plot draws stored runs as one self-contained HTML page: latency
// percentiles per endpoint over time (p50, p95 and p99 per time bucket,
// with sampled results as dots and the target as a line), throughput and
// failures, with several runs overlaid from their own starts.
//
// A Plot reads results as they stream by (AddInput, AddRun) and keeps only
// per-bucket summaries and a bounded sample per series, so a run of
// millions of results plots in constant memory. Latency is the report's:
// the response time from the scheduled send (Result.Latency plus the
// X-Lag schedule lag). WriteTo writes the page, which inlines its
// data (JSON), uPlot (MIT, see assets/NOTICE) and the script that draws the
// charts, so it works offline. The package never prints.
//
// Capacity sweeps (AddSweepDir, AddSweep) add a Capacity section drawn
// from each sweep's summary (sweepfile.Sweep): its answer, the latency-
// throughput curve (p50, p95 and p99 of each step against the throughput
// it served, steps marked by verdict, with the p95 limit and the capacity)
// and the rate served against the planned one. A sweep's steps are not
// read; a page can hold sweeps and runs together.
package plot
