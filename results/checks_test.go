package results

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestChecksRoundTrip: failed checks survive the results file, read by
// ReadFile and by vegeta's own decoder (so vegeta report still reads it,
// and counts the results as the successes they are), and vegeta's CSV and
// JSON encoders still take the results.
func TestChecksRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.gob")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1700000000, 0)
	in := []*vegeta.Result{
		{Seq: 0, Code: 200, Timestamp: t0, Latency: time.Millisecond, URL: "/q", Method: "POST"},
		{Seq: 1, Code: 200, Timestamp: t0.Add(time.Second), Latency: time.Millisecond, URL: "/q", Method: "POST"},
		{Seq: 2, Code: 200, Timestamp: t0.Add(2 * time.Second), Latency: time.Millisecond, URL: "/q", Method: "POST"},
	}
	Trim(in[1], false)
	SetLag(in[1], 3*time.Millisecond)
	SetChecks(in[1], []int{2, 3}, "[]")
	SetChecks(in[2], []int{0}, "I couldn't find that in the documents.…")
	SetChecks(in[0], nil, "ignored") // passed: nothing recorded
	for _, r := range in {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		failed  []int
		excerpt string
	}{{nil, ""}, {[]int{2, 3}, "[]"}, {[]int{0}, "I couldn't find that in the documents.…"}}

	var got []*vegeta.Result
	if err := ReadFile(path, func(r *vegeta.Result) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	var viaVegeta []*vegeta.Result
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	var m vegeta.Metrics
	for {
		r := new(vegeta.Result)
		if err := dec.Decode(r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("vegeta's decoder: %v", err)
		}
		m.Add(r)
		viaVegeta = append(viaVegeta, r)
	}
	m.Close()
	if m.Requests != 3 || m.Success != 1 {
		t.Errorf("vegeta's metrics: %d requests, success %v; want 3, 1 (a failed check is not an HTTP failure)", m.Requests, m.Success)
	}
	for name, rs := range map[string][]*vegeta.Result{"ReadFile": got, "vegeta": viaVegeta} {
		if len(rs) != len(want) {
			t.Fatalf("%s: %d results", name, len(rs))
		}
		for i, r := range rs {
			failed, excerpt := ChecksOf(r)
			if !slices.Equal(failed, want[i].failed) || excerpt != want[i].excerpt {
				t.Errorf("%s result %d: ChecksOf = %v %q, want %v %q", name, i, failed, excerpt, want[i].failed, want[i].excerpt)
			}
		}
		if lag, ok := Lag(rs[1]); !ok || lag != 3*time.Millisecond {
			t.Errorf("%s: the lag next to the checks: %v %v", name, lag, ok)
		}
	}
	var csv, js bytes.Buffer
	for _, r := range viaVegeta {
		if err := vegeta.NewCSVEncoder(&csv).Encode(r); err != nil {
			t.Errorf("vegeta's CSV encoder: %v", err)
		}
		if err := vegeta.NewJSONEncoder(&js).Encode(r); err != nil {
			t.Errorf("vegeta's JSON encoder: %v", err)
		}
	}
	var first struct {
		Headers map[string][]string `json:"headers"`
	}
	line, _, _ := bytes.Cut(js.Bytes()[bytes.IndexByte(js.Bytes(), '\n')+1:], []byte("\n"))
	if err := json.Unmarshal(line, &first); err != nil || first.Headers[CheckHeader][0] != "2,3" {
		t.Errorf("vegeta encode -to json: %s (%v)", line, err)
	}
}

func TestChecksOfMalformed(t *testing.T) {
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
		r := &vegeta.Result{Headers: map[string][]string{CheckHeader: {v}, CheckExcerptHeader: {"e"}}}
		got, ex := ChecksOf(r)
		if !slices.Equal(got, want) || (want == nil) != (ex == "") {
			t.Errorf("ChecksOf(%q) = %v %q, want %v", v, got, ex, want)
		}
	}
	if got, _ := ChecksOf(&vegeta.Result{}); got != nil {
		t.Errorf("no headers: %v", got)
	}
}
