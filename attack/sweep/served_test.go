package sweep

import (
	"testing"

	"github.com/ragload/ragload/results/sweepfile"
)

// The answer states the rate the server kept up with and, where a step
// passed with visibly fewer answers than its rate (its 95% bar and one
// answer of counting grain), what the server actually answered there.
func TestAnswerSaysWhatWasServed(t *testing.T) {
	for _, c := range []struct {
		throughput float64
		want       string
	}{
		{20.0, "max sustainable ≈ 21 rps (bracket [21, 22]; the server answered 20.0/s at 21 rps)"},
		{20.96, "max sustainable ≈ 21 rps (bracket [21, 22])"},
	} {
		s := &search{job: &Job{}, sweep: &sweepfile.Sweep{Steps: []sweepfile.Step{
			{Rate: 12, Throughput: 12, Verdict: sweepfile.StepPass},
			{Rate: 24, Throughput: 20, Verdict: sweepfile.StepFail},
			{Rate: 21, Throughput: c.throughput, Verdict: sweepfile.StepPass},
			{Rate: 22, Throughput: 20.1, Verdict: sweepfile.StepFail},
		}}, pass: 21, fail: 22}
		s.answer()
		if s.sweep.Answer != c.want {
			t.Errorf("throughput %g at 21 rps: answer %q, want %q", c.throughput, s.sweep.Answer, c.want)
		}
	}
}
