package render

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/internal/fixture"
	"github.com/ragload/ragload/results/series"
	"github.com/ragload/ragload/results/threshold"
	"github.com/ragload/ragload/results/tokens"
)

// reportSchema is the JSON Schema of WriteJSON's output.
const reportSchema = "../../docs/report.schema.json"

// compileSchema compiles docs/report.schema.json, with "format" asserted
// (date-time is only an annotation by default in draft 2020-12).
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(reportSchema)
	if err != nil {
		t.Fatalf("compile %s: %v", reportSchema, err)
	}
	return sch
}

// validate checks a JSON document against the schema.
func validateReport(t *testing.T, sch *jsonschema.Schema, what string, doc []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not match %s:\n%v", what, reportSchema, err)
	}
}

// schemaRun is a run that fills every field of the manifest and the
// report, optional ones included: a stages plan with Poisson arrivals and
// a worker cap, a streaming endpoint, generator samples (saturated),
// virtual users and their timeline, failures of every kind, and a verdict
// with notes and marks.
func schemaRun(t *testing.T) (*results.Manifest, []*vegeta.Result) {
	t.Helper()
	eps := append(testEndpoints(), results.EndpointInfo{Key: "stream", Name: "/query/stream", Method: "POST", Path: "/query/stream", Weight: 1, Auth: true, Stream: "sse"})
	m := &results.Manifest{
		Schema: results.ManifestSchema, Tool: "ragload test", Name: "schema", Mode: "users", Target: "http://api.test",
		Warnings: []string{"credentials go over plain HTTP to api.test, which is not loopback"},
		Plan: results.Plan{Description: "stages from 1/s, →4/s in 2s", Kind: "stages", Arrivals: "poisson", StartRate: 1,
			Stages: []results.Stage{{Duration: results.Duration(2 * time.Second), Target: 4}}, Duration: results.Duration(2 * time.Second), Timeout: results.Duration(30 * time.Second), MaxWorkers: 8},
		Scenario: results.ScenarioInfo{Name: "rag", Source: "built-in", Endpoints: eps, Queries: 14},
		Auth:     results.AuthInfo{Mode: "bearer", Users: 2, Logins: 3, Refreshes: 1, LoginFailures: 1, Unauthorized: 1},
		Seed:     1<<63 + 5, // above 2^53: a JSON number, not a float
		Status:   results.StatusFailed, Error: "the server went away",
		Started: t0, SendEnded: t0.Add(4 * time.Second), Ended: t0.Add(5 * time.Second),
		Planned: 40, Sent: 40, Completed: 40,
		Generator: &results.GeneratorInfo{Cores: 2, LateAfter: results.Duration(results.LateAfter), Scheduled: 40, Late: 3, MaxCPU: 1.95,
			MachineCores: 4, MaxMachineCPU: 3.9, Samples: []results.GenSample{
				{Offset: results.Duration(time.Second), CPU: 1.9, MachineCPU: 3.8, Goroutines: 40, InFlight: 7, Sent: 10, Late: 1},
				{Offset: results.Duration(2 * time.Second), CPU: 1.95, MachineCPU: 3.9, Goroutines: 42, InFlight: 9, Sent: 12, Late: 2},
			}},
		Users: &results.UsersInfo{Planned: 2, Wait: "between 1s and 2s", Iterations: 20, Timeline: []results.UserSample{
			{Offset: 0, Target: 2, Active: 1}, {Offset: results.Duration(time.Second), Target: 2, Active: 2}, {Offset: results.Duration(2 * time.Second), Target: 2, Active: 2}, {Offset: results.Duration(4 * time.Second), Target: 0, Active: 0}}},
		Thresholds: []string{"p95<2s", "failures<1%", "users>=2", "stream:ttft_p95<500ms", "health:lag_p99<1ms"},
		Marks:      []string{"p50<1s", "query:max<1ms"},
		Results:    []string{results.ResultsFile},
	}
	m.Generator.Judge()
	urls := []string{"http://api.test/query#query", "http://api.test/query#query_filtered", "http://api.test/health", "http://api.test/query/stream"}
	methods := []string{"POST", "POST", "GET", "POST"}
	var rs []*vegeta.Result
	for i := range 40 {
		k := i % 4
		r := &vegeta.Result{Attack: "schema", Seq: uint64(i), Code: 200, Method: methods[k], URL: urls[k],
			Timestamp: t0.Add(time.Duration(i) * 100 * time.Millisecond), Latency: time.Duration(20+i) * time.Millisecond,
			BytesIn: 512, BytesOut: 64}
		switch i {
		case 5:
			r.Code, r.Error = 500, "500 Internal Server Error"
		case 6:
			r.Code = 429
		case 9:
			r.Code = 401
		case 13:
			r.Code, r.Error = 0, "connection refused"
		}
		if k != 2 {
			results.SetLag(r, time.Duration(i)*100*time.Microsecond) // health has no schedule: its lag threshold gets a note
		}
		if k == 3 {
			tokens.SetStream(r, tokens.Stream{TTFB: 5 * time.Millisecond, TTFT: time.Duration(10+i) * time.Millisecond, MaxGap: 3 * time.Millisecond, Tokens: 12})
		}
		rs = append(rs, r)
	}
	return m, rs
}

// reportJSON loads the inputs at paths as `ragload report` does, judges
// them by the manifest's rules, adds the series when every > 0 and returns
// WriteJSON's output.
func reportJSON(t *testing.T, every time.Duration, paths ...string) []byte {
	t.Helper()
	ins, err := results.Resolve(paths)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := results.Load(ins)
	if err != nil {
		t.Fatal(err)
	}
	var ths, marks []string
	if rep.Manifest != nil {
		ths, marks = rep.Manifest.Thresholds, rep.Manifest.Marks
	}
	rules, err := threshold.Rules(ths, marks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Judge(rules, 0); err != nil {
		t.Fatal(err)
	}
	if every > 0 {
		if rep.Series, err = series.Load(ins, rep, every, true); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := JSON(&buf, rep); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReportSchema(t *testing.T) {
	sch := compileSchema(t)
	root := t.TempDir()

	// A run with a manifest that fills every optional field.
	m, rs := schemaRun(t)
	dir := filepath.Join(root, "schema")
	writeRun(t, dir, m, rs)
	full := reportJSON(t, time.Second, dir)
	validateReport(t, sch, "the full report", full)
	// The document really holds what the schema's optional parts describe.
	for _, w := range []string{`"generator": {`, `"samples": [`, `"timeline": [`, `"ttft_ms": {`, `"max_gap_ms": {`, `"streamed": 10`,
		`"schedule_lag_ms": {`, `"stream": "sse"`, `"stages": [`, `"max_workers": 8`, `"arrivals": "poisson"`, `"iterations": 20`,
		`"error": "the server went away"`, `"reasons": [`, `"caveat": "not conclusive`, `"note": "no schedule`, `"views": "`,
		`"series": [`, `"key": "stream"`, `"seed": 9223372036854775813`} {
		if !bytes.Contains(full, []byte(w)) {
			t.Errorf("the full report lacks %s", w)
		}
	}

	// A bare vegeta file: run is null.
	bare := filepath.Join(root, "bare.bin")
	writeResults(t, bare, evenly(t, 5, 100*time.Millisecond, 0))
	doc := reportJSON(t, 0, bare)
	validateReport(t, sch, "the bare-file report", doc)
	if !bytes.Contains(doc, []byte(`"run": null`)) {
		t.Errorf("bare report has a run:\n%s", doc)
	}

	// The golden report, and the one of a run that never sent a request.
	golden, err := os.ReadFile(filepath.Join("testdata", "TestWriteJSON.golden"))
	if err != nil {
		t.Fatal(err)
	}
	validateReport(t, sch, "testdata/TestWriteJSON.golden", golden)
	quality, err := os.ReadFile(filepath.Join("testdata", "TestQualityReportGolden", "json.golden"))
	if err != nil {
		t.Fatal(err)
	}
	validateReport(t, sch, "testdata/TestQualityReportGolden/json.golden", quality)
	empty := filepath.Join(root, "empty")
	em := runManifest("empty")
	em.Auth.Mode, em.Sent, em.Completed = "none", 0, 0
	writeRun(t, empty, em, nil)
	validateReport(t, sch, "the empty report", reportJSON(t, time.Second, empty))
}

// TestReportSchemaStrict checks that the schema rejects what WriteJSON
// never writes, so that a field added to the Go types without the schema
// fails TestReportSchema.
func TestReportSchemaStrict(t *testing.T) {
	sch := compileSchema(t)
	var buf bytes.Buffer
	if err := JSON(&buf, fixture.GoldenReport(t)); err != nil {
		t.Fatal(err)
	}
	run := func(d map[string]any) map[string]any { return d["run"].(map[string]any) }
	total := func(d map[string]any) map[string]any { return d["total"].(map[string]any) }
	for _, c := range []struct {
		name, want string // want: in the validation error
		change     func(map[string]any)
	}{
		{"unknown field", "additional properties 'p95'", func(d map[string]any) { d["p95"] = 1 }},
		{"missing total", "missing property 'total'", func(d map[string]any) { delete(d, "total") }},
		{"other schema", "value must be 'ragload.report/v1'", func(d map[string]any) { d["schema"] = "ragload.report/v2" }},
		{"unknown run field", "additional properties 'password'", func(d map[string]any) { run(d)["password"] = "x" }},
		{"bad duration", "'6 seconds' does not match pattern", func(d map[string]any) { run(d)["plan"].(map[string]any)["duration"] = "6 seconds" }},
		{"bad time", "'yesterday' is not valid date-time", func(d map[string]any) { run(d)["started"] = "yesterday" }},
		{"bad status", "/run/status", func(d map[string]any) { run(d)["status"] = "done" }},
		{"negative requests", "minimum: got -1", func(d map[string]any) { total(d)["requests"] = -1 }},
		{"fractional count", "/total/failures': got number, want integer", func(d map[string]any) { total(d)["failures"] = 1.5 }},
		{"failure rate as %", "maximum: got 7.41", func(d map[string]any) { total(d)["failure_rate"] = 7.41 }},
		{"code not a number", "invalid propertyName 'ok'", func(d map[string]any) { total(d)["codes"].(map[string]any)["ok"] = 1 }},
		{"null endpoints", "/endpoints': got null, want array", func(d map[string]any) { d["endpoints"] = nil }},
		{"check without pass", "missing property 'pass'", func(d map[string]any) {
			delete(d["verdict"].(map[string]any)["checks"].([]any)[0].(map[string]any), "pass")
		}},
	} {
		var d map[string]any
		if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		c.change(d)
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err == nil {
			t.Errorf("%s: the schema accepts it", c.name)
		} else if msg := strings.Join(strings.Fields(err.Error()), " "); !strings.Contains(msg, c.want) {
			t.Errorf("%s: rejected, but not for %q: %s", c.name, c.want, msg)
		}
	}
}
