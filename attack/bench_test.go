package attack

import (
	"net/http"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/targets"
)

// BenchmarkPacerDue is the per-request cost of knowing when a request was
// due (paid once in Pace and once when its result arrives).
func BenchmarkPacerDue(b *testing.B) {
	p := plan.NewPacer(plan.Staged(10, []plan.Stage{{Duration: time.Minute, Target: 1000}, {Duration: time.Minute, Target: 1000}, {Duration: time.Minute, Target: 0}}))
	b.ReportAllocs()
	n := p.Count()
	for i := 0; b.Loop(); i++ {
		p.Due(uint64(i) % n)
	}
}

// BenchmarkEmitWithChecks is the generator's cost per result from
// vegeta's result to the stored one (settle, then the recorder's emit:
// aggregation and encoding into results.bin) for the default scenario's
// basic query, without checks and with issue 20's four (status, answer
// not empty, sources ≥ 1 item, no fallback text) on a 1.2 KB answer, and
// without checks but with live metrics (issue 21).
func BenchmarkEmitWithChecks(b *testing.B) {
	answer := []byte(`{"query":"What is the refund policy?","answer":"` + strings.Repeat("Refunds are issued within 30 days. ", 20) +
		`","sources":[{"id":"doc-1","title":"Refunds","score":0.92},{"id":"doc-7","title":"Billing","score":0.81}],"took_ms":312}`)
	withChecks := `endpoints:
  - key: query
    checks:
      - status: 2xx
      - json: answer
        not_empty: true
      - json: sources
        min_items: 1
      - body_not_contains: "I couldn't find"
`
	for _, bc := range []struct {
		name     string
		scenario string
		metrics  bool
	}{{"off", "", false}, {"on", withChecks, false}, {"metrics", "", true}} {
		b.Run(bc.name, func(b *testing.B) {
			sc := targets.Default()
			if bc.scenario != "" {
				var err error
				if sc, err = targets.Parse("bench.yaml", []byte(bc.scenario)); err != nil {
					b.Fatal(err)
				}
			}
			s := &Setup{Dir: b.TempDir(), Target: "http://127.0.0.1:8000", Scenario: sc, Options: Options{Name: "bench"}}
			if bc.metrics { // live Prometheus series (issue 21)
				s.Metrics = metrics.New()
			}
			if _, err := s.check(); err != nil {
				b.Fatal(err)
			}
			rc, err := s.record(s.manifest("attack"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer rc.w.Close()
			o := s.Options
			t0 := time.Now()
			b.ReportAllocs()
			b.SetBytes(int64(len(answer)))
			for i := 0; b.Loop(); i++ {
				r := &vegeta.Result{Attack: "bench", Seq: uint64(i), Code: 200, Timestamp: t0.Add(time.Duration(i) * time.Millisecond),
					Latency: 300 * time.Millisecond, BytesIn: uint64(len(answer)), BytesOut: 60, Method: "POST",
					URL: "http://127.0.0.1:8000/api/v1/query/", Body: answer, Headers: http.Header{"Content-Type": {"application/json"}}}
				o.settle(r, 150*time.Microsecond, true, nil)
				if err := rc.emit(r); err != nil {
					b.Fatal(err)
				}
			}
			if bc.scenario != "" && rc.agg.Total().Checked == 0 {
				b.Fatal("no result was checked")
			}
		})
	}
}
