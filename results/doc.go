// Package results stores, reads and judges the results of a run.
//
// A run directory holds results.bin, a vegeta gob result stream that
// `vegeta report` and `vegeta plot` read unchanged, and run.json, the
// Manifest. What vegeta's Result cannot hold travels in a few short
// entries of Result.Headers (X-Lag, see LagHeader; X-Ragload-* for
// streamed responses). Stored URLs are paths (RequestURI). The package
// aggregates results per endpoint with HDR histograms (3 significant
// digits), evaluates thresholds into a Verdict and renders reports as text
// (tablewriter), JSON, Markdown, CSV or JUnit XML to an io.Writer (Write,
// Formats), with an optional time series (LoadSeries). It never knows how
// requests were sent.
package results
