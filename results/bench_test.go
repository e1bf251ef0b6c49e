package results

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func benchResult() *vegeta.Result {
	r := &vegeta.Result{
		Attack: "base", Seq: 123456, Code: 200, Timestamp: time.Unix(1_700_000_000, 0),
		Latency: 312 * time.Millisecond, BytesIn: 2048, BytesOut: 64, Method: "POST",
		URL: "http://127.0.0.1:8000/api/v1/query/",
	}
	SetLag(r, 420*time.Microsecond)
	return r
}

// BenchmarkEncode is the cost of storing one result in vegeta's gob format.
func BenchmarkEncode(b *testing.B) {
	enc := vegeta.NewEncoder(io.Discard)
	r := benchResult()
	b.ReportAllocs()
	for b.Loop() {
		if err := enc.Encode(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAggregate is the cost of counting one result into the
// per-endpoint and total histograms.
func BenchmarkAggregate(b *testing.B) {
	a := NewAggregator(&Manifest{Scenario: ScenarioInfo{Endpoints: []EndpointInfo{
		{Key: "query", Name: "/query (basic)", Method: "POST", Path: "/api/v1/query/"},
	}}})
	r := benchResult()
	b.ReportAllocs()
	for b.Loop() {
		a.Add(r)
	}
}

// BenchmarkAggregateFixture is the cost of counting one result of a
// realistic mix (four endpoints, failures, lognormal latencies), cycling
// through 65,536 of them so that histograms are touched as in a report.
func BenchmarkAggregateFixture(b *testing.B) {
	var rs []*vegeta.Result
	if err := fixtureResults(1<<16, func(r *vegeta.Result) error { rs = append(rs, r); return nil }); err != nil {
		b.Fatal(err)
	}
	a := NewAggregator(fixtureManifest(len(rs)))
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		a.Add(rs[i])
		i = (i + 1) % len(rs)
	}
}

// benchN is the size of the read and report benchmarks' fixture.
const benchN = 1_000_000

// BenchmarkReadFile1M is the cost of decoding 1 M results with ReadFile,
// a new Result each (no aggregation).
func BenchmarkReadFile1M(b *testing.B) {
	path := filepath.Join(fixtureRun(b, benchN), ResultsFile)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := ReadFile(path, func(*vegeta.Result) error { n++; return nil }); err != nil || n != benchN {
			b.Fatalf("read %d results: %v", n, err)
		}
	}
}

// BenchmarkScan1M is the cost of decoding 1 M results as report does
// (scanFile: in a goroutine of its own, into recycled results).
func BenchmarkScan1M(b *testing.B) {
	path := filepath.Join(fixtureRun(b, benchN), ResultsFile)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := scanFile(path, func(*vegeta.Result) error { n++; return nil }); err != nil || n != benchN {
			b.Fatalf("read %d results: %v", n, err)
		}
	}
}

// BenchmarkReport1M is the cost of reading, aggregating and building the
// report of 1 M results from results.bin.
func BenchmarkReport1M(b *testing.B) {
	in, err := Resolve([]string{fixtureRun(b, benchN)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Load(in, WithoutSummaries())
		if err != nil || rep.Total.Requests != benchN {
			b.Fatalf("report: %v", err)
		}
	}
}

// BenchmarkReportSummary is the cost of the same report from the run's
// summary.json.
func BenchmarkReportSummary(b *testing.B) {
	in, err := Resolve([]string{fixtureRun(b, benchN)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Load(in)
		if err != nil || rep.Total.Requests != benchN {
			b.Fatalf("report: %v", err)
		}
	}
}

// BenchmarkVegetaReport1M is what `vegeta report` does with the same file:
// vegeta's gob decoder, a Result per record, vegeta.Metrics.Add, Close and
// the text report. BenchmarkReport1M's ns/op over this one's is the ratio
// the issue asks about.
func BenchmarkVegetaReport1M(b *testing.B) {
	path := filepath.Join(fixtureRun(b, benchN), ResultsFile)
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		dec := vegeta.NewDecoder(f)
		var m vegeta.Metrics
		for {
			var r vegeta.Result
			if err := dec.Decode(&r); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			m.Add(&r)
		}
		m.Close()
		f.Close()
		if err := vegeta.NewTextReporter(&m).Report(io.Discard); err != nil || m.Requests != benchN {
			b.Fatalf("report %d: %v", m.Requests, err)
		}
	}
}

// BenchmarkAggregateJourneys is the cost of counting one result of
// interleaved journeys (journeyResults: two journeys, completed, failed
// and unfinished), cycling through about 60,000 of them.
func BenchmarkAggregateJourneys(b *testing.B) {
	var rs []*vegeta.Result
	for i := range uint64(1000) {
		rs = append(rs, journeyResults(i*100)...)
	}
	a := NewAggregator(journeyManifest())
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		a.Add(rs[i])
		if i = (i + 1) % len(rs); i == 0 {
			a.EndFile()
		}
	}
}
