package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/results/threshold"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The fuzz targets of this package's parsers. Their seed corpus is
// testdata/fuzz/<FuzzName>/ (plus the f.Add calls); `make fuzz` runs each
// for a while, and a failing input that Go saves there is a regression
// seed to commit. Inputs are bounded so that one execution stays fast,
// and one that hangs fails (testtool.Within).

const fuzzMaxInput = 64 << 10

// FuzzReadFile feeds results files (gob, JSON or CSV by the first byte) to
// ReadFile. It never hangs or panics; it delivers results and returns nil,
// a *NotResultsError before any result, or a *DamagedError whose offset
// lies within the file and whose Read counts what was delivered, within testtool.HangAfter. For gob files, where the offset lands on a
// record boundary, the first Offset bytes read back cleanly with the same
// results. A gob file reads as encoding/gob alone reads it (gobdec).
func FuzzReadFile(f *testing.F) {
	rs := []*vegeta.Result{
		{Attack: "fuzz", Seq: 0, Code: 200, Method: "GET", URL: "http://127.0.0.1/health", Latency: 3e6, BytesIn: 10},
		{Attack: "fuzz", Seq: 1, Code: 500, Method: "POST", URL: "http://127.0.0.1/api/v1/query/", Latency: 7e8, Error: "500 Internal Server Error", Body: []byte("x")},
	}
	for _, enc := range []func(*bytes.Buffer) vegeta.Encoder{
		func(b *bytes.Buffer) vegeta.Encoder { return vegeta.NewEncoder(b) },
		func(b *bytes.Buffer) vegeta.Encoder { return vegeta.NewJSONEncoder(b) },
		func(b *bytes.Buffer) vegeta.Encoder { return vegeta.NewCSVEncoder(b) },
	} {
		var b bytes.Buffer
		e := enc(&b)
		for _, r := range rs {
			if err := e.Encode(r); err != nil {
				f.Fatal(err)
			}
		}
		f.Add(b.Bytes())
		f.Add(b.Bytes()[:b.Len()/2])
		f.Add(append(bytes.Clone(b.Bytes()), "garbage"...))
	}
	f.Add([]byte{})
	f.Add([]byte("{}\n"))
	f.Add([]byte("1,2,3\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input too large")
		}
		path := filepath.Join(dir, "results.bin")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var n uint64
		var err error
		testtool.Within(t, "parser", func() { err = ReadFile(path, func(*vegeta.Result) error { n++; return nil }) })
		if len(data) > 0 && data[0] != '{' && (data[0] < '0' || data[0] > '9') {
			checkLikeGob(t, "input", path) // gob: as encoding/gob reads it
		}
		if err == nil {
			return
		}
		var nr *NotResultsError
		if errors.As(err, &nr) { // judged from the first bytes, before any result
			if n != 0 || nr.Path != path {
				t.Fatalf("%v after %d results", err, n)
			}
			return
		}
		var de *DamagedError
		if !errors.As(err, &de) {
			t.Fatalf("error %v (%T), want a *DamagedError or a *NotResultsError", err, err)
		}
		if de.Offset < 0 || de.Offset > int64(len(data)) || de.Read != n || de.Path != path {
			t.Fatalf("%v: Offset %d of %d bytes, Read %d of %d delivered", err, de.Offset, len(data), de.Read, n)
		}
		if len(data) == 0 || data[0] == '{' || data[0] >= '0' && data[0] <= '9' {
			return // text decoders buffer ahead: the offset is only a bound
		}
		if err := os.WriteFile(path, data[:de.Offset], 0o600); err != nil {
			t.Fatal(err)
		}
		var again uint64
		testtool.Within(t, "parser", func() { err = ReadFile(path, func(*vegeta.Result) error { again++; return nil }) })
		if err != nil || again != n {
			t.Fatalf("first %d bytes: %d results, %v; want %d, nil", de.Offset, again, err, n)
		}
	})
}

// fuzzNoQuote fails when the message of err holds a run of more than 64
// bytes of data (the file names in dir left out): errors quote at most an
// excerpt (input.MaxExcerpt bytes, quoted and cut) of their input.
func fuzzNoQuote(t *testing.T, err error, data []byte, dir string) {
	t.Helper()
	const run = 64
	msg := strings.ReplaceAll(err.Error(), dir, "")
	for i := 0; i+run <= len(msg); i++ {
		if bytes.Contains(data, []byte(msg[i:i+run])) {
			t.Fatalf("error %q quotes %d bytes or more of its input", err, run)
		}
	}
}

// FuzzReadManifest feeds run.json files to ReadManifest. An accepted
// manifest writes and reads back to the same JSON.
func FuzzReadManifest(f *testing.F) {
	full, err := json.Marshal(&Manifest{
		Schema: ManifestSchema, Tool: "ragload test", Name: "base", Mode: "attack", Target: "http://127.0.0.1:8000",
		Plan: Plan{Description: "constant 50/s for 1m0s", Kind: "constant", StartRate: 50,
			Stages: []Stage{{Duration: Duration(6e10), Target: 50}}, Duration: Duration(6e10), Timeout: Duration(3e10)},
		Scenario:   ScenarioInfo{Name: "default", Source: "built-in", Endpoints: []EndpointInfo{{Key: "query", Name: "/query (basic)", Method: "POST", Path: "/api/v1/query/", Weight: 5, Auth: true}}, Queries: 14},
		Auth:       AuthInfo{Mode: "bearer", Users: 1, Logins: 1},
		Seed:       7,
		Status:     StatusComplete,
		Shard:      &ShardInfo{Index: 1, Count: 2},
		Replay:     &ReplayInfo{Source: "s.jsonl", Format: "stream", Speed: 2, Loops: 1, MaxGap: Duration(1e9)},
		Thresholds: threshold.Defaults, Marks: threshold.DefaultMarks, Results: []string{ResultsFile},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	for _, s := range []string{
		"{}", "null", "[]", `{"schema":"ragload.run/v1","plan":{"duration":"1m","timeout":30000000000}}`,
		`{"plan":{"duration":"forever"}}`, `{"started":"2024-01-02T03:04:05.123+01:00"}`, `{"seed":-1}`,
		`{"clock_offset":"-2s","users":{}}`, `{"results":["a.bin",null]}`, `{"schema":`,
		`{"plan":{"duration":"S3cretValue-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789"}}`,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip("input too large")
		}
		in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
		for _, d := range []string{in, out} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(in, ManifestFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(in)
		if err != nil {
			if m != nil {
				t.Fatalf("ReadManifest returned a manifest and an error %v", err)
			}
			fuzzNoQuote(t, err, data, dir)
			return
		}
		if m.Schema == "" {
			m.Schema = ManifestSchema // as WriteManifest does
		}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("accepted manifest does not encode: %v", err)
		}
		if err := WriteManifest(out, m); err != nil {
			t.Fatalf("accepted manifest does not write: %v", err)
		}
		back, err := ReadManifest(out)
		if err != nil {
			t.Fatalf("written manifest does not read back: %v", err)
		}
		got, err := json.Marshal(back)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("manifest changed on a round trip (%v):\n got %s\nwant %s", err, got, want)
		}
	})
}
