package series

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/internal/fixture"
)

// goldenSeries writes the golden run to a run directory and cuts it into
// windows of 2 s with Load, as `report --every 2s` does.
func goldenSeries(t *testing.T, byEndpoint bool) *results.Series {
	t.Helper()
	m, rs := fixture.GoldenRun()
	dir := filepath.Join(t.TempDir(), "golden")
	fixture.WriteRun(t, dir, m, rs)
	ins, err := results.Resolve([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := results.Load(ins)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(ins, rep, 2*time.Second, byEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSeriesWindows(t *testing.T) {
	rep := fixture.GoldenReport(t)
	s := goldenSeries(t, true)
	if s.Every != 2*time.Second || !s.Start.Equal(fixture.T0) {
		t.Errorf("every %s, start %s", s.Every, s.Start)
	}
	// The failures: i = 10 in the first window, 22 and 29 in the second,
	// 40 in the third; the 429 (i = 22) in the second.
	var reqs, fails []uint64
	for _, w := range s.Total.Windows {
		reqs, fails = append(reqs, w.Requests), append(fails, w.Failures)
	}
	if !slices.Equal(reqs, []uint64{19, 18, 17}) || !slices.Equal(fails, []uint64{1, 2, 1}) || s.Total.Windows[1].RateLimited != 1 {
		t.Errorf("requests %v, failures %v, 429 %d", reqs, fails, s.Total.Windows[1].RateLimited)
	}
	// Each endpoint's windows add up to its row in the report.
	if len(s.Endpoints) != len(rep.Endpoints) {
		t.Fatalf("%d endpoint lines, want %d", len(s.Endpoints), len(rep.Endpoints))
	}
	for i, l := range s.Endpoints {
		st := rep.Endpoints[i]
		var n, f uint64
		var top time.Duration
		for _, w := range l.Windows {
			n, f, top = n+w.Requests, f+w.Failures, max(top, w.Latency.Max)
		}
		if l.Name != st.Name || l.Key != st.Key || n != st.Requests || f != st.Failures || top != st.Response().Max {
			t.Errorf("line %q (%s): %d requests, %d failures, max %s; report %q %d %d %s", l.Name, l.Key, n, f, top, st.Name, st.Requests, st.Failures, st.Response().Max)
		}
	}
	// A window's percentiles are those of its own results, within the
	// histogram's 0.1%.
	_, rs := fixture.GoldenRun()
	var first []time.Duration
	for _, r := range rs {
		if r.Timestamp.Before(fixture.T0.Add(2 * time.Second)) {
			lag, _ := results.Lag(r)
			first = append(first, r.Latency+lag)
		}
	}
	slices.Sort(first)
	for _, c := range []struct {
		q   float64
		got time.Duration
	}{{50, s.Total.Windows[0].Latency.P50}, {95, s.Total.Windows[0].Latency.P95}, {99, s.Total.Windows[0].Latency.P99}} {
		rank := max(1, int(c.q/100*float64(len(first))+0.5)) // HDR's rank: rounded, not ceiled
		want := first[rank-1]
		if d := c.got - want; d < -want/1000-time.Microsecond || d > want/1000+time.Microsecond {
			t.Errorf("window 0 p%g = %s, want %s (rank %d of %d)", c.q, c.got, want, rank, len(first))
		}
	}
}

func TestSeriesPartialWindows(t *testing.T) {
	// 10 results, one every 500 ms from fixture.T0, over a 5 s window: windows of
	// 2 s are [0,2) [2,4) [4,5), the last one 1 s long.
	var rs []*vegeta.Result
	for i := range 10 {
		rs = append(rs, res("GET", "http://h/x", 200, 10*time.Millisecond, time.Duration(i)*500*time.Millisecond))
	}
	rep := buildReport(rs)
	if rep.Window != 5*time.Second {
		t.Fatalf("window %s", rep.Window)
	}
	a := newAggregator(nil, rep.Start(), 2*time.Second, true, nil)
	early := res("GET", "http://h/y", 500, time.Millisecond, -time.Second) // before the start: first window
	for _, r := range append(rs, early) {
		if err := a.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	s := a.Series(rep.Window)
	var got []string
	for _, w := range s.Total.Windows {
		got = append(got, w.Offset.String()+"+"+w.Length.String()+":"+fmt.Sprint(w.Rate()))
	}
	if strings.Join(got, " ") != "0s+2s:2.5 2s+2s:2 4s+1s:2" {
		t.Errorf("windows %q", got)
	}
	if len(s.Endpoints) != 2 || s.Endpoints[0].Name != "GET /x" || s.Endpoints[1].Name != "GET /y" ||
		s.Endpoints[1].Windows[0].Failures != 1 || len(s.Endpoints[1].Windows) != 3 || s.Endpoints[1].Windows[2].Requests != 0 {
		t.Errorf("endpoints %+v", s.Endpoints)
	}
	// Empty windows have zero rates and no latencies, not garbage.
	if w := s.Endpoints[1].Windows[1]; w.Rate() != 0 || w.FailureRate() != 0 || w.Latency.Count != 0 || w.Latency.P99 != 0 {
		t.Errorf("empty window %+v", w)
	}
}

func TestSeriesTooManyWindows(t *testing.T) {
	rep := fixture.GoldenReport(t) // 6 s, 3 endpoints
	_, err := Load(nil, rep, time.Millisecond, false)
	if !errors.Is(err, ErrTooManyWindows) || !strings.Contains(err.Error(), "1ms windows over 6s make 6000 × 1 rows, more than 1000 (take 6ms or more)") {
		t.Errorf("Load(1ms) = %v", err)
	}
	_, err = Load(nil, rep, 10*time.Millisecond, true)
	if !errors.Is(err, ErrTooManyWindows) || !strings.Contains(err.Error(), "(take 24ms or more)") {
		t.Errorf("Load(10ms, by endpoint) = %v", err)
	}
	if _, err := Load(nil, rep, 0, false); err == nil {
		t.Error("Load(0) accepted")
	}
	// A result far past the sending period cannot make a million windows.
	a := newAggregator(nil, fixture.T0, time.Second, false, nil)
	if err := a.Add(res("GET", "http://h/x", 200, time.Millisecond, time.Hour)); !errors.Is(err, ErrTooManyWindows) {
		t.Errorf("Add an hour in = %v", err)
	}
}

func TestLoadSeriesDamaged(t *testing.T) {
	m, rs := fixture.GoldenRun()
	dir := filepath.Join(t.TempDir(), "golden")
	fixture.WriteRun(t, dir, m, rs)
	path := filepath.Join(dir, results.ResultsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)*2/3], 0o644); err != nil { // cut short
		t.Fatal(err)
	}
	ins, err := results.Resolve([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	rep, loadErr := results.Load(ins)
	s, err := Load(ins, rep, 2*time.Second, false)
	var de *results.DamagedError
	if !errors.As(loadErr, &de) || !errors.As(err, &de) || s == nil {
		t.Fatalf("Load: %v; LoadSeries: %v, %v", loadErr, s, err)
	}
	var n uint64
	for _, w := range s.Total.Windows {
		n += w.Requests
	}
	if n != rep.Total.Requests || n == 0 || n == 54 {
		t.Errorf("series holds %d results, the report %d", n, rep.Total.Requests)
	}
}

// res is a terse constructor for a result of endpoint url.
func res(method, url string, code uint16, latency time.Duration, at time.Duration) *vegeta.Result {
	return &vegeta.Result{Attack: "test", Code: code, Method: method, URL: url, Latency: latency, Timestamp: fixture.T0.Add(at)}
}

// buildReport aggregates rs into a report without a manifest.
func buildReport(rs []*vegeta.Result) *results.Report {
	agg := results.NewAggregator(nil)
	for _, r := range rs {
		agg.Add(r)
	}
	return results.NewReport(nil, agg, []string{"test.bin"})
}
