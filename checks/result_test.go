package checks

import (
	"slices"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestRecordedMalformed(t *testing.T) {
	for v, want := range map[string][]int{
		"":            nil,
		"x":           nil,
		"-1":          nil,
		"1,,x, 2":     {1, 2},
		"99999999999": nil,
		"1023,1024":   {1023},
		"0":           {0},
		"3,1":         {3, 1},
	} {
		r := &vegeta.Result{Headers: map[string][]string{Header: {v}, ExcerptHeader: {"e"}}}
		got, ex := Recorded(r)
		if !slices.Equal(got, want) || (want == nil) != (ex == "") {
			t.Errorf("Recorded(%q) = %v %q, want %v", v, got, ex, want)
		}
	}
	if got, _ := Recorded(&vegeta.Result{}); got != nil {
		t.Errorf("no headers: %v", got)
	}
}
