package results

import (
	"io"
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
