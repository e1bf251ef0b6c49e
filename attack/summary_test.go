package attack_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/render"
)

// TestRecordWritesSummary: a run, complete or interrupted, leaves
// summary.json beside results.bin, and the report from it is the report
// from the results.
func TestRecordWritesSummary(t *testing.T) {
	_, url := fastDemo(t, demo.Config{Faults: []demo.Fault{
		{Kind: demo.FaultStatus, Status: 503, Every: 400 * time.Millisecond, For: 50 * time.Millisecond},
		{Kind: demo.FaultRateLimit, Every: 700 * time.Millisecond, For: 50 * time.Millisecond},
	}})
	for _, tt := range []struct {
		name      string
		interrupt time.Duration
		status    string
	}{
		{"complete", 0, results.StatusComplete},
		{"interrupted", 700 * time.Millisecond, results.StatusInterrupted},
	} {
		t.Run(tt.name, func(t *testing.T) {
			job := newJob(t, url, plan.Constant(200, 1500*time.Millisecond))
			ctx := context.Background()
			if tt.interrupt > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.interrupt)
				defer cancel()
			}
			rep, err := job.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Manifest.Status != tt.status || rep.Total.Failures == 0 {
				t.Fatalf("status %s with %d failures; want %s with some", rep.Manifest.Status, rep.Total.Failures, tt.status)
			}
			if _, err := os.Stat(filepath.Join(job.Dir, results.SummaryFile)); err != nil {
				t.Fatal(err)
			}
			in, err := results.Resolve([]string{job.Dir})
			if err != nil {
				t.Fatal(err)
			}
			var out [2]bytes.Buffer
			for i, opts := range [][]results.LoadOption{nil, {results.WithoutSummaries()}} {
				rep, err := results.Load(in, opts...)
				if err != nil {
					t.Fatal(err)
				}
				if err := rep.Judge(nil, 0); err != nil {
					t.Fatal(err)
				}
				if err := render.JSON(&out[i], rep); err != nil {
					t.Fatal(err)
				}
			}
			if out[0].String() != out[1].String() {
				t.Errorf("report from the summary:\n%s\nfrom the results:\n%s", &out[0], &out[1])
			}
		})
	}
}
