package results

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results/threshold"
	"github.com/ragload/ragload/results/tokens"
)

// writeSummarizedRun writes a run directory as a run leaves it:
// results.bin, summary.json from an Aggregator fed as the results are
// written, and run.json.
func writeSummarizedRun(t *testing.T, dir string, m *Manifest, rs []*vegeta.Result) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ResultsFile)
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	agg := NewAggregator(m)
	for _, r := range rs {
		agg.Add(r)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := WriteSummary(path, agg); err != nil {
		t.Fatal(err)
	}
	m.Completed, m.Results = uint64(len(rs)), []string{ResultsFile}
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
}

// summaryResults are genResults with streamed responses among them and,
// with unique, a distinct transport error message in every fifth result.
func summaryResults(t *testing.T, n int, unique bool) []*vegeta.Result {
	rs := genResults(t, n)
	for i, r := range rs {
		r.URL = strings.Replace(r.URL, "/query/3", "/health", 1)
		if i%4 == 1 && r.Method == "POST" {
			tokens.SetStream(r, tokens.Stream{TTFB: time.Duration(i%50+1) * time.Millisecond, TTFT: time.Duration(i%70+5) * time.Millisecond,
				MaxGap: time.Duration(i%13) * time.Millisecond, Tokens: i % 5})
		}
		if unique && i%5 == 0 {
			r.Code, r.Error = 0, fmt.Sprintf("read tcp 127.0.0.1:%d->127.0.0.1:8000: read: connection reset by peer", 40000+i)
		}
	}
	return rs
}

func summaryManifest() *Manifest {
	return &Manifest{Schema: ManifestSchema, Name: "run", Mode: "attack", Target: "http://api.test:8080", Status: StatusComplete,
		Scenario: ScenarioInfo{Endpoints: []EndpointInfo{
			{Key: "query", Name: "/query (basic)", Method: "POST", Path: "/query/1"},
			{Key: "health", Name: "health", Method: "GET", Path: "/health"},
		}}}
}

// renderings describes rep, judged by the default thresholds, by all that
// the renderers (results/render) read of it: each row's counts, errors and
// every view's percentiles.
func renderings(t *testing.T, rep *Report) map[string]string {
	t.Helper()
	if err := rep.Judge(mustRules(t, threshold.Defaults, threshold.DefaultMarks), 0); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "window %s rate %g verdict %s %q %q %q\nwarnings %q\n", rep.Window, rep.Rate(rep.Total),
		rep.Verdict.Word(), rep.Verdict.Reasons, rep.Verdict.Inconclusive, rep.Verdict.Caveat, rep.Warnings)
	for _, c := range rep.Verdict.Checks {
		fmt.Fprintf(&b, "check %s %s %s %d/%d\n", c.Expr, c.FormatActual(), c.Note, c.Samples, c.Needs)
	}
	for _, j := range rep.Journeys {
		fmt.Fprintf(&b, "journey %+v %+v", j.Counts, j.Duration())
		for _, q := range []float64{50, 90, 95, 99, 99.9, 100} {
			fmt.Fprintf(&b, " %s", j.Quantile(q))
		}
		b.WriteString("\n")
	}
	for _, s := range append([]*Stats{rep.Total}, rep.Endpoints...) {
		fmt.Fprintf(&b, "%s %s requests %d failures %d 429 %d 401 %d streamed %d tokens %d bytes %d/%d codes %v errors %+v kinds %+v\n",
			s.Name, s.Key, s.Requests, s.Failures, s.RateLimited, s.Unauthorized, s.Streamed, s.Tokens, s.BytesIn, s.BytesOut,
			s.Codes, s.TopErrors(), s.ErrorKinds())
		for _, v := range viewNames {
			fmt.Fprintf(&b, "  %s %+v", v, s.View(v))
			for _, q := range []float64{50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100} {
				fmt.Fprintf(&b, " %s", s.Quantile(q, v))
			}
			b.WriteString("\n")
		}
	}
	return map[string]string{"report": b.String()}
}

// sameReports fails the test unless the reports of paths from summaries
// and from the results files render the same in every format, and
// returns the report from summaries.
func sameReports(t *testing.T, paths ...string) *Report {
	t.Helper()
	in, err := Resolve(paths)
	if err != nil {
		t.Fatal(err)
	}
	fromSummary, err := Load(in)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Load(in, WithoutSummaries())
	if err != nil {
		t.Fatal(err)
	}
	got, want := renderings(t, fromSummary), renderings(t, raw)
	for f := range want {
		if got[f] != want[f] {
			t.Errorf("%s report from summaries differs from the results':\n%s\n--- from the results ---\n%s", f, got[f], want[f])
		}
	}
	return fromSummary
}

// summaryUse tells, file by file in order, whether Load takes the results
// from the summary (as Load decides it).
func summaryUse(t *testing.T, paths ...string) []bool {
	t.Helper()
	in, err := Resolve(paths)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := Merge(in)
	agg := NewAggregator(m)
	var used []bool
	for _, i := range in {
		for _, f := range i.Files {
			ok := false
			if sameNames(i.Manifest, m) {
				if ok, err = addSummaryOf(agg, f, i.Manifest); err != nil {
					t.Fatal(err)
				}
			}
			if !ok {
				if err := ReadFile(f, func(r *vegeta.Result) error { agg.Add(r); return nil }); err != nil {
					t.Fatal(err)
				}
				agg.EndFile()
			}
			used = append(used, ok)
		}
	}
	return used
}

func TestSummaryMatchesResults(t *testing.T) {
	root := t.TempDir()
	shard := func(i, n int) *Manifest {
		m := summaryManifest()
		m.RunID, m.Shard = "r1", &ShardInfo{Index: i, Count: n}
		return m
	}
	one := filepath.Join(root, "one")
	writeSummarizedRun(t, one, summaryManifest(), summaryResults(t, 3000, false))

	// Shards of one run: few distinct messages, every summary merges.
	rs := summaryResults(t, 3000, false)
	for i := range 3 {
		writeSummarizedRun(t, filepath.Join(root, fmt.Sprintf("few-%d", i)), shard(i, 3), rs[i*1000:(i+1)*1000])
	}
	// Shards whose failures have a message each: past the first, a shard's
	// summary lost messages that the merge would count by name, so its
	// results are read instead.
	rs = summaryResults(t, 3000, true)
	for i := range 3 {
		writeSummarizedRun(t, filepath.Join(root, fmt.Sprintf("many-%d", i)), shard(i, 3), rs[i*1000:(i+1)*1000])
	}
	// A run of another scenario names endpoints its own way.
	other := filepath.Join(root, "other")
	m := summaryManifest()
	m.Scenario.Endpoints = m.Scenario.Endpoints[:1]
	writeSummarizedRun(t, other, m, summaryResults(t, 500, false))

	tests := []struct {
		name  string
		paths []string
		used  []bool
	}{
		{"one run", []string{one}, []bool{true}},
		{"shards", []string{filepath.Join(root, "few-*")}, []bool{true, true, true}},
		{"shards with many messages", []string{filepath.Join(root, "many-*")}, []bool{true, false, false}},
		{"runs together", []string{one, filepath.Join(root, "few-0")}, []bool{true, true}},
		{"runs of other scenarios", []string{one, other}, []bool{true, false}},
		{"a results file", []string{filepath.Join(one, ResultsFile)}, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := sameReports(t, tt.paths...)
			if rep.Total.Requests == 0 || len(rep.Endpoints) < 3 || rep.Total.Streamed == 0 || rep.Total.Failures == 0 {
				t.Errorf("a report of %d requests, %d endpoints, %d streamed, %d failures: the test covers too little",
					rep.Total.Requests, len(rep.Endpoints), rep.Total.Streamed, rep.Total.Failures)
			}
			if got := summaryUse(t, tt.paths...); fmt.Sprint(got) != fmt.Sprint(tt.used) {
				t.Errorf("summaries used %v, want %v", got, tt.used)
			}
		})
	}
}

func TestSummaryOfChangedFile(t *testing.T) {
	rs := summaryResults(t, 2000, false)
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		want   string
		// short: the file holds fewer results than run.json says were
		// written, which Load also reports as damage (shortOfManifest).
		short bool
	}{
		{"rewritten shorter", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, ResultsFile))
			writeResults(t, filepath.Join(dir, ResultsFile), rs[:1500])
		}, "it describes", true},
		{"edited, same size", func(t *testing.T, dir string) {
			path := filepath.Join(dir, ResultsFile)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// A digit of the last result's lag.
			i := bytes.LastIndex(b, []byte(LagHeader)) + len(LagHeader) + 2
			b[i] = '0' + (b[i]-'0'+1)%10
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "content changed", false},
		{"another manifest count", func(t *testing.T, dir string) {
			m, err := ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			m.Completed++
			if err := WriteManifest(dir, m); err != nil {
				t.Fatal(err)
			}
		}, "the manifest 2001", true},
		{"garbage", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, SummaryFile), []byte(`{"results_file":"results.bin","total":{"views":7}}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "unreadable", false},
		{"bad histogram", func(t *testing.T, dir string) {
			path := filepath.Join(dir, SummaryFile)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(b, []byte(`"hdr": "`)) + len(`"hdr": "`)
			copy(b[i:], "HISTFAAAAAAA")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "histogram", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			writeSummarizedRun(t, dir, summaryManifest(), rs)
			tt.change(t, dir)
			in, err := Resolve([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Load(in)
			var de *DamagedError
			if tt.short && !errors.As(err, &de) || !tt.short && err != nil {
				t.Fatalf("Load: %v (a file shorter than its manifest says: %v)", err, tt.short)
			}
			raw, err := Load(in, WithoutSummaries())
			if tt.short && !errors.As(err, &de) || !tt.short && err != nil {
				t.Fatalf("Load without summaries: %v", err)
			}
			var note string
			for _, w := range rep.Warnings {
				if strings.Contains(w, SummaryFile) {
					note = w
				}
			}
			if !strings.Contains(note, "does not describe results.bin any more") || !strings.Contains(note, tt.want) {
				t.Errorf("warnings %q: want one that %s does not describe the file (%s)", rep.Warnings, SummaryFile, tt.want)
			}
			if rep.Total.Requests != raw.Total.Requests || rep.Total.Quantile(99, ViewResponse) != raw.Total.Quantile(99, ViewResponse) {
				t.Errorf("report of %d requests, p99 %s; the file holds %d, p99 %s", rep.Total.Requests,
					rep.Total.Quantile(99, ViewResponse), raw.Total.Requests, raw.Total.Quantile(99, ViewResponse))
			}
		})
	}
}

func TestSummaryOfEmptyRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	writeSummarizedRun(t, dir, summaryManifest(), nil)
	if got := summaryUse(t, dir); fmt.Sprint(got) != "[true]" {
		t.Errorf("summary used %v", got)
	}
	sameReports(t, dir)
}
