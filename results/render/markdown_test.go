package render

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/internal/fixture"
	"github.com/ragload/ragload/results/tokens"
)

func TestWriteMarkdown(t *testing.T) {
	rep := fixture.GoldenReport(t)
	var buf bytes.Buffer
	if err := Markdown(&buf, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, buf.Bytes())
	out := buf.String()
	lines := strings.Split(out, "\n")

	if lines[0] != "### ragload: golden — FAIL" {
		t.Errorf("title %q", lines[0])
	}
	// The main table: header, delimiter, a row per endpoint, the total.
	i := lineIndex(lines, "| Endpoint | Requests | RPS | Fail % | 429 | p50 | p90 | p95 | p99 | max |")
	if i < 0 || i+5 >= len(lines) {
		t.Fatalf("no main table:\n%s", out)
	}
	if lines[i+1] != "|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" {
		t.Errorf("delimiter row %q", lines[i+1])
	}
	for j, name := range []string{"/query (basic)", "/query (filtered)", "health"} {
		if !strings.HasPrefix(lines[i+2+j], "| "+name+" | ") {
			t.Errorf("row %d %q, want %s", j, lines[i+2+j], name)
		}
	}
	if got := lines[i+5]; got != "| **TOTAL** | 54 | 9.0 | 7.41 | 1 | 424.2 | 1311.7 | 1387.5 | 1468.4 | 1476.0 |" {
		t.Errorf("TOTAL row %q", got)
	}
	for _, w := range []string{
		"- **Run** golden · attack · interrupted · started 2025-03-14 09:26:53 UTC",
		"- **Plan** constant 10/s for 6s · seed 7 · sent 54 of 60 planned · achieved 9.0/s over 6s",
		"- **Target** `http://api.test` · auth bearer",
		"| Endpoint | svc p50 | svc p90 | svc p95 | svc p99 | svc max | lag p50 | lag p99 | lag max |",
		"| **TOTAL** | 424.2 | 1307.6 | 1385.5 | 1463.3 | 1476.0 | 1.5 | 4.5 | 4.5 |",
		"\nThe two views agree within 5ms or 2%: every request left within 4.5 ms of its due time",
		"<details><summary>Errors: 4 failed requests</summary>",
		"> **Warning:** the run was interrupted: 54 of 60 planned requests were sent",
		"**Verdict: FAIL**",
		"- [x] p95<2s — 1387.5 ms (54 samples, needs 100)\n",
		"- [ ] failures<1% — 7.41%\n",
		"- [x] p50<1s — 424.2 ms _(mark)_",
		"- [ ] query_filtered:p95<1s — 1468.4 ms (18 samples, needs 100) _(mark)_",
		"FAIL because overall failures is 7.41%, not < 1%.",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("markdown lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "Streaming") || strings.Contains(out, "Over time") {
		t.Errorf("markdown of a run without streams or series has their tables:\n%s", out)
	}
	// Every row of a table has as many cells as its header.
	for _, table := range mdTables(lines) {
		for _, row := range table[1:] {
			if got, want := mdCells(row), mdCells(table[0]); got != want {
				t.Errorf("row %q has %d cells, its header %d", row, got, want)
			}
		}
	}
}

// mdTables returns the runs of lines that start with "|".
func mdTables(lines []string) [][]string {
	var out [][]string
	var cur []string
	for _, l := range append(lines, "") {
		if strings.HasPrefix(l, "|") {
			cur = append(cur, l)
		} else if cur != nil {
			out, cur = append(out, cur), nil
		}
	}
	return out
}

// mdCells counts a row's cells: its unescaped pipes less one.
func mdCells(row string) int { return strings.Count(row, "|") - strings.Count(row, `\|`) - 1 }

func lineIndex(lines []string, want string) int {
	for i, l := range lines {
		if l == want {
			return i
		}
	}
	return -1
}

// TestWriteMarkdownEscapes checks that names cannot break a table and that
// streamed responses and a bare file get their own lines.
func TestWriteMarkdownEscapes(t *testing.T) {
	m := &results.Manifest{Name: "a|b", Mode: "users", Status: results.StatusComplete, Target: "http://h",
		Started: t0, SendEnded: t0.Add(2 * time.Second),
		Users: &results.UsersInfo{Planned: 2, Wait: "1s-2s", Timeline: []results.UserSample{{Offset: 0, Target: 2, Active: 2}, {Offset: results.Duration(time.Second), Target: 2, Active: 2}}},
	}
	var rs []*vegeta.Result
	for i := range 4 {
		r := res("POST", "http://h/chat|stream", 200, 100*time.Millisecond, time.Duration(i)*500*time.Millisecond)
		tokens.SetStream(r, tokens.Stream{TTFB: 10 * time.Millisecond, TTFT: 40 * time.Millisecond, MaxGap: 20 * time.Millisecond, Tokens: 4 + i})
		rs = append(rs, r)
	}
	rep := buildReport(t, m, rs)
	if err := rep.Judge(mustRules(t, []string{"POST /chat|stream:p95<1s"}, nil), 1); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, w := range []string{
		"### ragload: a\\|b — PASS",
		"| POST /chat\\|stream | 4 | 2.0 | 0.00 | 0 |",
		// The tokens column is a mean per stream (4, 5, 6, 7 tokens), and
		// its header says so.
		"tokens/stream is the mean count:",
		"| Streaming | Streams | TTFB p50 | TTFB p95 | TTFB p99 | TTFT p50 | TTFT p95 | TTFT p99 | gap p99 | tokens/s | tokens/stream |",
		"| POST /chat\\|stream | 4 | 10.0 | 10.0 | 10.0 | 40.0 | 40.0 | 40.0 | 20.0 | 11.0 | 5.5 |",
		"- **Users** planned 2 · peak 2 · held 2 users for ",
		"- [x] POST /chat\\|stream:p95<1s — 100.0 ms",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("markdown lacks %q:\n%s", w, out)
		}
	}
	var text bytes.Buffer
	if err := Text(&text, rep); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`│ +tokens/stream +│\n`).MatchString(text.String()) || !regexp.MustCompile(`│ +5\.5 +│\n`).MatchString(text.String()) {
		t.Errorf("the text stream table lacks a tokens/stream column of 5.5:\n%s", text.String())
	}
	// No schedule: no second view.
	if strings.Contains(out, "svc p50") {
		t.Errorf("markdown of an unscheduled run has the service table:\n%s", out)
	}

	bare := buildReport(t, nil, rs[:2])
	bare.Sources = []string{"a.bin", "we`ird.bin"}
	if err := bare.Judge(mustRules(t, []string{"p95<2s"}, nil), 1); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := Markdown(&buf, bare); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"### ragload report: PASS", "- **Results** `a.bin`, ``we`ird.bin`` (no run.json: a bare vegeta file)",
		"- **Requests** 2 · achieved 2.0/s over 1s", "- [x] p95<2s — 100.0 ms"} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("bare markdown lacks %q:\n%s", w, buf.String())
		}
	}
}
