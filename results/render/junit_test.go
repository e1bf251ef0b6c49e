package render

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/internal/fixture"
)

// junitDoc is what a CI system reads of WriteJUnit's output.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
		SystemOut string `xml:"system-out"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, b []byte) junitDoc {
	t.Helper()
	var doc junitDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not JUnit XML: %v\n%s", err, b)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d test suites, want 1", len(doc.Suites))
	}
	return doc
}

func TestWriteJUnit(t *testing.T) {
	rep := fixture.GoldenReport(t)
	var buf bytes.Buffer
	if err := JUnit(&buf, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, buf.Bytes())
	if !strings.HasPrefix(buf.String(), `<?xml version="1.0" encoding="UTF-8"?>`+"\n<testsuites ") {
		t.Errorf("no XML declaration:\n%s", buf.String())
	}

	doc := parseJUnit(t, buf.Bytes())
	s := doc.Suites[0]
	if s.Name != "ragload: golden" || s.Tests != 4 || s.Failures != 1 || s.Skipped != 1 || s.Timestamp != "2025-03-14T09:26:53" {
		t.Errorf("suite %q: %d tests, %d failures, %d skipped, at %q", s.Name, s.Tests, s.Failures, s.Skipped, s.Timestamp)
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Skipped != 1 {
		t.Errorf("testsuites: %d tests, %d failures, %d skipped", doc.Tests, doc.Failures, doc.Skipped)
	}
	var got []string
	for _, c := range s.Cases {
		state := "pass"
		switch {
		case c.Failure != nil:
			state = "failure " + c.Failure.Message
		case c.Skipped != nil:
			state = "skipped " + c.Skipped.Message
		}
		got = append(got, c.Classname+" "+c.Name+" "+c.Time+": "+state)
	}
	want := []string{
		"overall p95<2s 0: pass",
		"overall failures<1% 0: failure overall failures is 7.41%, not < 1%",
		"overall p50<1s 0: pass",
		"query_filtered query_filtered:p95<1s 0: skipped mark: query_filtered p95 is 1468.4 ms, not < 1s",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("test cases:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if f := s.Cases[1].Failure; f.Type != "threshold" || f.Text != "7.41%" {
		t.Errorf("failure %+v", f)
	}
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	if props["target"] != "http://api.test" || props["verdict"] != "FAIL" || props["requests"] != "54" || props["plan"] != "constant 10/s for 6s" {
		t.Errorf("properties %v", props)
	}
	if s.SystemOut != "WARNING: the run was interrupted: 54 of 60 planned requests were sent" {
		t.Errorf("system-out %q", s.SystemOut)
	}
}

// TestWriteJUnitSaturated checks that the caveat of a saturated generator
// (a FAIL that rests on the server's answers: its failures threshold)
// reaches <system-out>, and that a verdict failed with no failing check
// still fails a test case.
func TestWriteJUnitSaturated(t *testing.T) {
	m := runManifest("sat")
	m.Generator = &results.GeneratorInfo{Cores: 2, Saturated: true, Reasons: []string{"ragload used 1.95 of its 2 cores"}}
	rs := queryResults(t, 20)
	rs[0].Code, rs[0].Error = 500, "500 Internal Server Error"
	rep := buildReport(t, m, rs)
	if err := rep.Judge(mustRules(t, []string{"p95<5ms", "lag_p99<1ms", "failures<1%"}, nil), 0); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := JUnit(&buf, rep); err != nil {
		t.Fatal(err)
	}
	s := parseJUnit(t, buf.Bytes()).Suites[0]
	if s.Tests != 3 || s.Failures != 3 || s.Cases[1].Failure == nil || !strings.Contains(s.Cases[1].Failure.Message, "no schedule") {
		t.Errorf("suite %+v", s)
	}
	for _, w := range []string{"WARNING: " + results.SaturationWarning, "not conclusive: the load generator was saturated"} {
		if !strings.Contains(s.SystemOut, w) {
			t.Errorf("system-out lacks %q:\n%s", w, s.SystemOut)
		}
	}
	if lines := strings.Split(s.SystemOut, "\n"); len(lines) != 2 {
		t.Errorf("system-out has %d lines, want a warning and the caveat: %q", len(lines), s.SystemOut)
	}

	empty := buildReport(t, nil, nil)
	empty.Sources = []string{"a.bin"}
	if err := empty.Judge(nil, 0); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := JUnit(&buf, empty); err != nil {
		t.Fatal(err)
	}
	s = parseJUnit(t, buf.Bytes()).Suites[0]
	if s.Name != "ragload: a.bin" || s.Tests != 1 || s.Failures != 1 || s.Cases[0].Name != "verdict" ||
		s.Cases[0].Failure == nil || s.Cases[0].Failure.Message != "no requests were sent" || s.SystemOut != "" || s.Timestamp != "" {
		t.Errorf("empty run: %+v", s)
	}
}
