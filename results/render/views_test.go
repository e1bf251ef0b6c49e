package render

import (
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
)

func TestViewsDiffer(t *testing.T) {
	a := results.NewAggregator(nil)
	for i := range 100 {
		r := res("GET", "http://h/x", 200, 20*time.Millisecond, time.Duration(i)*10*time.Millisecond)
		results.SetLag(r, 100*time.Microsecond)
		a.Add(r)
	}
	rep := results.NewReport(nil, a, nil)
	if differ, words := ViewsDiffer(rep); differ || !strings.Contains(words, "agree within 1 ms or 2%") {
		t.Errorf("0.1 ms of lag: differ=%v %q", differ, words)
	}
	a = results.NewAggregator(nil)
	for i := range 100 {
		r := res("GET", "http://h/x", 200, 20*time.Millisecond, time.Duration(i)*10*time.Millisecond)
		results.SetLag(r, time.Duration(i)*time.Millisecond) // the generator fell further and further behind
		a.Add(r)
	}
	rep = results.NewReport(nil, a, nil)
	if differ, words := ViewsDiffer(rep); !differ || !strings.Contains(words, "requests left late") || !strings.Contains(words, "p99") {
		t.Errorf("growing lag: differ=%v %q", differ, words)
	}
	if differ, words := ViewsDiffer(results.NewReport(nil, results.NewAggregator(nil), nil)); differ || words != "" {
		t.Errorf("no schedule: %v %q", differ, words)
	}
}
