package render

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/internal/fixture"
	"github.com/ragload/ragload/results/threshold"
)

// goldenNamed is golden for subtests: it makes the subtest's folder under
// testdata first when rewriting.
func goldenNamed(t *testing.T, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(filepath.Join("testdata", t.Name())), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, got)
}

func TestCheckFormatName(t *testing.T) {
	for _, f := range Formats {
		if err := CheckFormat(f); err != nil {
			t.Errorf("CheckFormat(%q) = %v", f, err)
		}
	}
	err := CheckFormat("xml")
	if err == nil || err.Error() != `format "xml" isn't one of [text json markdown csv junit]` {
		t.Errorf("CheckFormat(xml) = %v", err)
	}
	if err := Write(&bytes.Buffer{}, "yaml", fixture.GoldenReport(t)); err == nil || !strings.Contains(err.Error(), `format "yaml" isn't one of`) {
		t.Errorf("Write(yaml) = %v", err)
	}
}

// TestWriteDispatch checks that Write picks each format's writer.
func TestWriteDispatch(t *testing.T) {
	rep := fixture.GoldenReport(t)
	starts := map[string]string{
		FormatText:     "Run      golden",
		FormatJSON:     `{` + "\n" + `  "schema": "ragload.report/v1"`,
		FormatMarkdown: "### ragload: golden — FAIL",
		FormatCSV:      "Type,Name,Request Count,",
		FormatJUnit:    `<?xml version="1.0" encoding="UTF-8"?>`,
	}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, f, rep); err != nil {
			t.Fatalf("Write(%s): %v", f, err)
		}
		if want := starts[f]; !strings.HasPrefix(buf.String(), want) {
			t.Errorf("Write(%s) starts %q, want %q", f, firstLine(buf.String()), want)
		}
		if !strings.HasSuffix(buf.String(), "\n") {
			t.Errorf("Write(%s) does not end with a newline", f)
		}
	}
}

// TestWriteFormatsErrors checks that every writer returns its writer's
// error, wherever the writing fails.
func TestWriteFormatsErrors(t *testing.T) {
	rep := fixture.GoldenReport(t)
	rep.Series = goldenSeries(t, false)
	for _, f := range Formats {
		var full bytes.Buffer
		if err := Write(&full, f, rep); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 10, full.Len() / 2, full.Len() - 1} {
			if err := Write(&failingWriter{n: n}, f, rep); !errors.Is(err, errWrite) {
				t.Errorf("Write(%s) to a writer failing after %d of %d bytes: %v", f, n, full.Len(), err)
			}
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// BenchmarkWrite renders the golden report in each format.
func BenchmarkWrite(b *testing.B) {
	m, rs := fixture.GoldenRun()
	agg := results.NewAggregator(m)
	for _, r := range rs {
		agg.Add(r)
	}
	rep := results.NewReport(m, agg, []string{"results.bin"})
	rules, err := threshold.Rules(m.Thresholds, m.Marks, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := rep.Judge(rules, 0); err != nil {
		b.Fatal(err)
	}
	for _, f := range Formats {
		b.Run(f, func(b *testing.B) {
			for b.Loop() {
				if err := Write(io.Discard, f, rep); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
