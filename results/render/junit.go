package render

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ragload/ragload/results"
)

// JUnit XML, as CI systems (GitHub Actions reporters, GitLab, Jenkins)
// read it: one suite per report, one test case per threshold or mark.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  *junitText      `xml:"system-out"`
}

// junitText is text kept as CDATA, so that its lines stay lines.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnit renders the verdict as JUnit XML, so that CI systems show it
// as tests: a suite named "ragload: <run name>" with a test case per
// check, its classname what the check judges ("overall", the endpoint,
// or "journey NAME") and its name the expression. A failed threshold is a
// <failure> with the reason; a missed mark is <skipped message="mark:
// …"/>, never a failure. A
// verdict that failed for a reason no check carries ("no requests were
// sent") adds a failed case named "verdict". The warnings and a
// saturated generator's caveat go to the suite's <system-out>.
//
//	<testsuites name="ragload" tests="4" failures="1" errors="0" skipped="1" time="6">
//	  <testsuite name="ragload: golden" ...>
//	    <testcase classname="overall" name="failures&lt;1%" time="0">
//	      <failure message="overall failures is 7.41%, not &lt; 1%" type="threshold">7.41%</failure>
func JUnit(w io.Writer, r *results.Report) error {
	suite := junitSuite{Name: "ragload: " + runName(r), Time: num(r.Window.Seconds())}
	if m := r.Manifest; m != nil {
		if !m.Started.IsZero() {
			suite.Timestamp = m.Started.UTC().Format("2006-01-02T15:04:05")
		}
		suite.Properties = []junitProperty{
			{"target", results.RedactURL(m.Target)}, {"mode", m.Mode}, {"plan", m.Plan.Description},
			{"status", m.Status}, {"seed", fmt.Sprint(m.Seed)},
		}
	} else {
		suite.Properties = []junitProperty{{"sources", strings.Join(r.Sources, ", ")}}
	}
	suite.Properties = append(suite.Properties,
		junitProperty{"requests", fmt.Sprint(r.Total.Requests)},
		junitProperty{"verdict", r.Verdict.Word()})
	if judged(r) {
		if hasChecks(r, r.Total) {
			suite.Properties = append(suite.Properties, junitProperty{"check_failures",
				fmt.Sprintf("%d of %d checked (%.2f%%)", r.Total.CheckFailed, r.Total.Checked, 100*r.Total.CheckFailRate())})
		}
		suite.Properties = append(suite.Properties, junitProperty{"goodput", goodputLine(r)})
	}

	var carried []string // reasons that a failed check stands for
	for _, c := range r.Verdict.Checks {
		tc := junitCase{Classname: c.Scope(), Name: c.Expr, Time: "0"}
		switch {
		case c.Pass:
		case c.Advisory:
			tc.Skipped = &junitMessage{Message: "mark: " + c.Reason()}
			suite.Skipped++
		default:
			tc.Failure = &junitMessage{Message: c.Reason(), Type: "threshold", Text: c.FormatActual()}
			suite.Failures++
			carried = append(carried, c.Reason())
		}
		suite.Cases = append(suite.Cases, tc)
	}
	for _, reason := range r.Verdict.Reasons {
		if !slices.Contains(carried, reason) {
			suite.Cases = append(suite.Cases, junitCase{Classname: "overall", Name: "verdict", Time: "0",
				Failure: &junitMessage{Message: reason, Type: "verdict"}})
			suite.Failures++
		}
	}
	for _, why := range r.Verdict.Inconclusive {
		suite.Cases = append(suite.Cases, junitCase{Classname: "overall", Name: "conclusive", Time: "0",
			Failure: &junitMessage{Message: "not conclusive: " + why, Type: "inconclusive"}})
		suite.Failures++
	}
	suite.Tests = len(suite.Cases)

	var out []string
	for _, msg := range r.Warnings {
		out = append(out, "WARNING: "+msg)
	}
	if r.Verdict.Caveat != "" {
		out = append(out, r.Verdict.Caveat)
	}
	out = append(out, r.Verdict.Notes...)
	if len(out) > 0 {
		suite.SystemOut = &junitText{strings.Join(out, "\n")}
	}

	doc := junitSuites{Name: "ragload", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// runName names the run: the manifest's name, or the results files of a
// bare vegeta report.
func runName(r *results.Report) string {
	if r.Manifest != nil && r.Manifest.Name != "" {
		return r.Manifest.Name
	}
	if len(r.Sources) > 0 {
		return strings.Join(r.Sources, ", ")
	}
	return "results"
}
