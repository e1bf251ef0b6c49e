package render

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ragload/ragload/results"
)

// Report formats.
const (
	FormatText     = "text"     // tables for a terminal (Text)
	FormatJSON     = "json"     // one document of schema JSONSchema (JSON)
	FormatMarkdown = "markdown" // GitHub-flavoured, for a pull request (Markdown)
	FormatCSV      = "csv"      // Locust-style stats, or the time series (CSV, SeriesCSV)
	FormatJUnit    = "junit"    // JUnit XML, a test case per threshold (JUnit)
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
func Write(w io.Writer, format string, rep *results.Report) error {
	switch format {
	case FormatText:
		return Text(w, rep)
	case FormatJSON:
		return JSON(w, rep)
	case FormatMarkdown:
		return Markdown(w, rep)
	case FormatCSV:
		if rep.Series != nil {
			return SeriesCSV(w, rep.Series)
		}
		return CSV(w, rep)
	case FormatJUnit:
		return JUnit(w, rep)
	}
	return CheckFormat(format)
}

// num renders v rounded to 3 decimals without trailing zeros: 4.5, 3.333,
// 376.576 (milliseconds keep their microseconds).
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}
