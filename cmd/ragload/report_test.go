package main

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/render"
)

func TestNewReportCmd(t *testing.T) {
	tests := []struct {
		name, args, wantErr string
		wantFormat          string
		wantEvery           time.Duration
		wantBy              bool
	}{
		{name: "defaults", args: "runs/a", wantFormat: "text"},
		{name: "markdown", args: "-f markdown runs/a", wantFormat: "markdown"},
		{name: "csv", args: "--format csv runs/a runs/b", wantFormat: "csv"},
		{name: "junit", args: "-f junit runs/a", wantFormat: "junit"},
		{name: "json series", args: "-f json --every 10s runs/a", wantFormat: "json", wantEvery: 10 * time.Second},
		{name: "series by endpoint", args: "--every 1m --by-endpoint runs/a", wantFormat: "text", wantEvery: time.Minute, wantBy: true},
		{name: "bad format", args: "-f xml runs/a", wantErr: `--format "xml" isn't one of [text json markdown csv junit]`},
		{name: "zero every", args: "--every 0s runs/a", wantErr: "--every must be > 0, got 0s"},
		{name: "negative every", args: "--every -5s runs/a", wantErr: "--every must be > 0, got -5s"},
		{name: "bad every", args: "--every soon runs/a", wantErr: `invalid argument "soon" for "--every"`},
		{name: "by endpoint alone", args: "--by-endpoint runs/a", wantErr: "--by-endpoint applies only with --every"},
		{name: "junit series", args: "-f junit --every 10s runs/a", wantErr: "--every does not apply to --format junit (use one of [text json markdown csv])"},
		{name: "no input", args: "-f csv", wantErr: "needs at least one run directory or results file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCmd(t, newReportCmd, tt.args)
			if expectErr(t, err, tt.wantErr) {
				var ue *usageError
				if !errors.As(err, &ue) && !strings.Contains(tt.wantErr, "invalid argument") { // cobra's flag errors become usage errors in Main
					t.Errorf("%v is not a usage error (exit 2)", err)
				}
				return
			}
			if got.Format != tt.wantFormat || got.Every != tt.wantEvery || got.ByEndpoint != tt.wantBy {
				t.Errorf("format %q every %s by endpoint %v; want %q %s %v", got.Format, got.Every, got.ByEndpoint, tt.wantFormat, tt.wantEvery, tt.wantBy)
			}
		})
	}
}

// storedRun writes a run directory of 60 results over 6 s at 10/s to two
// endpoints, one of them slow: it fails p95<100ms and passes p95<2s.
func storedRun(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "stored")
	start := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	m := &results.Manifest{
		Name: "stored", Mode: "attack", Target: "http://api.test", Status: results.StatusComplete,
		Plan:     results.Plan{Description: "constant 10/s for 6s", Kind: "constant", StartRate: 10, Duration: results.Duration(6 * time.Second)},
		Scenario: results.ScenarioInfo{Name: "t", Endpoints: []results.EndpointInfo{{Key: "query", Name: "/query", Method: "POST", Path: "/query", Weight: 1}, {Key: "health", Name: "/health", Method: "GET", Path: "/health", Weight: 1}}},
		Auth:     results.AuthInfo{Mode: "none"},
		Started:  start, SendEnded: start.Add(6 * time.Second), Ended: start.Add(6 * time.Second),
		Planned: 60, Sent: 60, Completed: 60,
		Thresholds: []string{"p95<2s", "failures<1%"}, Marks: []string{"query:p50<100ms"},
		Results: []string{results.ResultsFile},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := results.Create(filepath.Join(dir, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		r := &vegeta.Result{Attack: "stored", Seq: uint64(i), Code: 200, Timestamp: start.Add(time.Duration(i) * 100 * time.Millisecond),
			Method: "GET", URL: "http://api.test/health", Latency: 3 * time.Millisecond}
		if i%2 == 0 {
			r.Method, r.URL, r.Latency = "POST", "http://api.test/query", time.Duration(150+i)*time.Millisecond
		}
		results.SetLag(r, 200*time.Microsecond)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := results.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestReportFormats runs `ragload report` in every format: each prints its
// format, and the verdict alone decides the exit code.
func TestReportFormats(t *testing.T) {
	t.Parallel()
	dir := storedRun(t)
	for _, f := range render.Formats {
		for _, c := range []struct {
			threshold string
			code      int
		}{{"p95<2s", exitOK}, {"p95<100ms", exitVerdict}} {
			out, errOut, code := ragload(t, "report", "--min-samples", "1", "-f", f, "-t", c.threshold, dir)
			if code != c.code {
				t.Errorf("report -f %s -t %s: exit %d, want %d\n%s\n%s", f, c.threshold, code, c.code, out, errOut)
			}
			if errOut != "" {
				t.Errorf("report -f %s: stderr %q", f, errOut)
			}
			pass := c.code == exitOK
			switch f {
			case "text":
				wantContains(t, "text", out, "TOTAL", map[bool]string{true: "Verdict: PASS", false: "Verdict: FAIL"}[pass])
			case "json":
				var doc struct{ Verdict struct{ Pass bool } }
				if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Verdict.Pass != pass {
					t.Errorf("json: %v, pass %v\n%s", err, doc.Verdict.Pass, out)
				}
			case "markdown":
				wantContains(t, "markdown", out, "### ragload: stored — ", "| **TOTAL** | 60 | 10.0 | 0.00 | 0 |", "- [x] failures<1% — 0.00%",
					map[bool]string{true: "- [x] p95<2s — ", false: "- [ ] p95<100ms — "}[pass])
			case "csv":
				rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
				if err != nil || len(rows) != 4 || rows[1][0] != "POST" || rows[1][1] != "/query" || rows[3][1] != "Aggregated" || rows[3][2] != "60" {
					t.Errorf("csv: %v\n%s", err, out)
				}
			case "junit":
				var doc struct {
					Suite struct {
						Name     string `xml:"name,attr"`
						Failures int    `xml:"failures,attr"`
						Skipped  int    `xml:"skipped,attr"`
					} `xml:"testsuite"`
				}
				if err := xml.Unmarshal([]byte(out), &doc); err != nil || doc.Suite.Name != "ragload: stored" ||
					(doc.Suite.Failures == 0) != pass || doc.Suite.Skipped != 1 {
					t.Errorf("junit: %v, %+v\n%s", err, doc.Suite, out)
				}
			}
		}
	}
}

func TestReportSeries(t *testing.T) {
	t.Parallel()
	dir := storedRun(t)
	out, errOut, code := ragload(t, "report", "--min-samples", "1", "--every", "2s", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantContains(t, "text", out, "Over time, in windows of 2s", "│ Start │ Requests │ RPS  │", "│    4s │       20 │ 10.0 │", "Verdict: PASS")

	out, _, code = ragload(t, "report", "--min-samples", "1", "--every", "2s", "--by-endpoint", "-f", "csv", dir)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != exitOK || err != nil || len(rows) != 1+3*3 || rows[0][0] != "Time" || rows[1][2] != "/query" || rows[9][2] != "Aggregated" || rows[9][3] != "20" {
		t.Errorf("csv series: exit %d, %v\n%s", code, err, out)
	}

	out, _, code = ragload(t, "report", "--min-samples", "1", "--every", "3s", "-f", "json", dir)
	var doc struct {
		Series []struct {
			Name     string
			Requests int
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); code != exitOK || err != nil || len(doc.Series) != 2 || doc.Series[1].Requests != 30 {
		t.Errorf("json series: exit %d, %v, %+v", code, err, doc.Series)
	}

	out, _, code = ragload(t, "report", "--min-samples", "1", "--every", "2s", "-f", "markdown", dir)
	wantContains(t, "markdown", out, "| Start | Requests | RPS | Fail % | p50 | p95 | p99 |", "| 2s | 20 | 10.0 | 0.00 |")
	if code != exitOK {
		t.Errorf("markdown series: exit %d", code)
	}

	// Too fine an interval is a usage error, before anything is read.
	_, errOut, code = ragload(t, "report", "--every", "1ms", dir)
	if code != exitUsage || !strings.Contains(errOut, "error: --every: too many windows: 1ms windows over 6s make 6000 × 1 rows, more than 1000 (take 6ms or more)") {
		t.Errorf("--every 1ms: exit %d\n%s", code, errOut)
	}
}

// TestDemoFormats checks the formats at the end of a run (demo, and so
// attack and users, which print the same way).
func TestDemoFormats(t *testing.T) {
	t.Parallel()
	out, errOut, code := ragload(t, "demo", "--min-samples", "1", "--rate", "20", "--duration", "1s", "--out", runDir(t), "-q", "-f", "junit",
		"--query-latency", "20ms", "--enhanced-latency", "40ms")
	if !ranOK(out, code) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var doc struct {
		Suite struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil || doc.Suite.Tests != 4 || doc.Suite.Failures != 0 {
		t.Errorf("junit: %v, %+v\n%s", err, doc.Suite, out)
	}
	_, errOut, code = ragload(t, "demo", "-f", "yaml")
	if code != exitUsage || !strings.Contains(errOut, `--format "yaml" isn't one of [text json markdown csv junit]`) {
		t.Errorf("demo -f yaml: exit %d\n%s", code, errOut)
	}
}
