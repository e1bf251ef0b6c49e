// Package results stores, reads and judges the results of a run.
//
// A run directory holds results.bin, a vegeta gob result stream that
// `vegeta report` and `vegeta plot` read unchanged, and run.json, the
// Manifest. What vegeta's Result cannot hold travels in a few short
// entries of Result.Headers (X-Lag, see LagHeader; X-Journey for a
// journey's steps, see results/journey; X-Ragload-* for streamed
// responses, see results/tokens). Stored URLs are paths (RequestURI). The package
// never knows how requests were sent, and never renders: results/render
// turns a Report into text, JSON, Markdown, CSV or JUnit, results/series
// cuts a run into time windows, results/compare compares runs,
// results/plot draws them.
//
// Where things live:
//
//	writer.go, reader.go, input.go  the results file: Create, ReadFile, Resolve, ReadInputs, ScanInputs
//	headers.go                      what travels in Result.Headers: the lag; results/journey
//	                                reads and writes journey marks, results/tokens the streaming ones
//	manifest.go, merge.go           run.json (Manifest) and merging shards and runs
//	generator.go, users.go          the manifest's generator health and user timeline
//	resolve.go                      naming a result's endpoint
//	aggregate.go, dist.go, errkind.go  per-endpoint Stats: HDR histograms (3 digits, Dist), error kinds
//	checks.go                       response checks and goodput per endpoint (SLO, CheckCount)
//	journeys.go                     per-journey figures (JourneyStats), their summary and thresholds;
//	                                results/journey follows the open instances
//	summary.go, summary_merge.go    summary.json, the aggregate stored beside results.bin
//	series.go                       windows over time (Series, made by results/series);
//	                                sweep.json is results/sweepfile
//	verdict.go                      the Verdict: thresholds applied to a Report;
//	                                results/threshold parses them
//	report.go                       Report: Load, warnings, rates
//
// The gob fast path of ReadFile is results/internal/gobdec; the JSON files
// beside a results file are written and read by results/internal/jsonfile;
// the golden run the tests of results' subpackages share is
// results/internal/fixture.
package results
