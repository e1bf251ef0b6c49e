// Package render writes what results measured for people and tools: a
// results.Report as text tables (tablewriter), JSON (schema JSONSchema),
// GitHub Markdown, Locust-style CSV or JUnit XML; a sweep; a comparison.
// It is the only package of ragload that uses tablewriter, and it only
// formats: every number comes from results or results/compare.
//
//	render.go   Write and the formats (FormatText…, Formats, CheckFormat)
//	text.go     Text: the run header, tables, errors, the verdict
//	views.go    the service-latency and streaming tables; ViewsDiffer
//	markdown.go Markdown
//	json.go     JSON, and the time series in it
//	csv.go      CSV (Locust's stats columns)
//	junit.go    JUnit (a test case per threshold)
//	series.go   the time series table; SeriesCSV
//	sweep.go    Sweep: a capacity sweep's steps and answer
//	compare.go  Comparison: a compare.Comparison in text, Markdown or JSON
//	notes.go    the sentences several formats share
//	quality.go  response checks, goodput and token timings (runs that have them)
//	journeys.go the journeys table and failures by reason (runs that have them)
//	compare_journeys.go a comparison's journeys table (when both sides have journeys)
//
// The golden files under testdata pin every format byte for byte
// (go test ./results/render -update rewrites them).
package render
