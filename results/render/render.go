package results

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report formats.
const (
	FormatText     = "text"     // tables for a terminal (WriteText)
	FormatJSON     = "json"     // one document of schema JSONSchema (WriteJSON)
	FormatMarkdown = "markdown" // GitHub-flavoured, for a pull request (WriteMarkdown)
	FormatCSV      = "csv"      // Locust-style stats, or the time series (WriteCSV, WriteSeriesCSV)
	FormatJUnit    = "junit"    // JUnit XML, a test case per threshold (WriteJUnit)
)

// Formats lists the report formats, for flag validation and help.
var Formats = []string{FormatText, FormatJSON, FormatMarkdown, FormatCSV, FormatJUnit}

// SeriesFormats lists the formats that render Report.Series.
var SeriesFormats = []string{FormatText, FormatJSON, FormatMarkdown, FormatCSV}

// CheckFormat returns an error unless format is one of Formats.
func CheckFormat(format string) error {
	if !slices.Contains(Formats, format) {
		return fmt.Errorf("format %q isn't one of [%s]", format, strings.Join(Formats, " "))
	}
	return nil
}

// Write renders rep in format, one of Formats. A report with a Series
// shows it in text, markdown and JSON after the main tables; in csv the
// series replaces the per-endpoint rows (one table per file, as Locust
// keeps its stats and its history apart); junit leaves it out.
func Write(w io.Writer, format string, rep *Report) error {
	switch format {
	case FormatText:
		return WriteText(w, rep)
	case FormatJSON:
		return WriteJSON(w, rep)
	case FormatMarkdown:
		return WriteMarkdown(w, rep)
	case FormatCSV:
		if rep.Series != nil {
			return WriteSeriesCSV(w, rep.Series)
		}
		return WriteCSV(w, rep)
	case FormatJUnit:
		return WriteJUnit(w, rep)
	}
	return CheckFormat(format)
}

// Start is the zero of the run's time axis: the manifest's start of the
// schedule, or else the earliest send.
func (r *Report) Start() time.Time {
	if m := r.Manifest; m != nil && !m.Started.IsZero() {
		return m.Started
	}
	return r.Total.First
}

// num renders v rounded to 3 decimals without trailing zeros: 4.5, 3.333,
// 376.576 (milliseconds keep their microseconds).
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}
