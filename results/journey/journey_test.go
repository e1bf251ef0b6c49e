package journey

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

// at is t0 plus s seconds.
func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

type step struct {
	m         Mark
	due, end  float64 // seconds from t0
	wantDone  bool
	wantDurat time.Duration
}

// TestTrackerInterleaved: two journeys whose instances (numbered across
// journeys, as a results file does) interleave (each instance's steps in
// order, other instances' results between them)
// complete, fail and stay open as their marks say, with durations from
// the first step's due time to the last step's end.
func TestTrackerInterleaved(t *testing.T) {
	tr := NewTracker([]string{"conversation", "upload", "never"})
	steps := []step{
		{m: Mark{"conversation", 1, 0, ""}, due: 0, end: 0.5},
		{m: Mark{"upload", 11, 0, ""}, due: 0.1, end: 0.3},
		{m: Mark{"conversation", 2, 0, ""}, due: 0.2, end: 0.4},
		{m: Mark{"conversation", 2, 1, "step 2 (follow_up): HTTP 500"}, due: 0.5, end: 0.9},
		{m: Mark{"upload", 11, 1, ""}, due: 0.8, end: 1.0},
		{m: Mark{"conversation", 1, 1, ""}, due: 1, end: 1.5},
		{m: Mark{"upload", 12, 0, "step 1 (upload): timeout"}, due: 1.1, end: 2},
		{m: Mark{"conversation", 1, 1, Ok}, due: 2, end: 3.25, wantDone: true, wantDurat: 3250 * time.Millisecond},
		{m: Mark{"upload", 11, 2, Ok}, due: 2, end: 2.1, wantDone: true, wantDurat: 2 * time.Second},
		{m: Mark{"conversation", 3, 0, Ok}, due: 4, end: 4.5, wantDone: true, wantDurat: 500 * time.Millisecond}, // one step
		{m: Mark{"conversation", 4, 0, ""}, due: 5, end: 5.5},                                                    // cut by the end
	}
	for i, s := range steps {
		c, d, done := tr.Add(s.m, at(s.due), at(s.end))
		if done != s.wantDone || d != s.wantDurat || (done && c.Name != s.m.Journey) {
			t.Errorf("step %d %+v: %v %v %v, want done %v after %v", i, s.m, c, d, done, s.wantDone, s.wantDurat)
		}
	}
	js := tr.Journeys()
	if len(js) != 3 {
		t.Fatalf("%d journeys, want 3", len(js))
	}
	want := []Counts{
		{Name: "conversation", Started: 4, Completed: 2, Failed: 1, Unfinished: 1,
			Reasons: []ReasonCount{{"step 2 (follow_up): HTTP 500", 1}}},
		{Name: "upload", Started: 2, Completed: 1, Failed: 1,
			Reasons: []ReasonCount{{"step 1 (upload): timeout", 1}}},
		{Name: "never"},
	}
	for i, w := range want {
		if got := js[i]; fmt.Sprint(*got) != fmt.Sprint(w) {
			t.Errorf("journey %d: %+v, want %+v", i, *got, w)
		}
		if err := js[i].Check(); err != nil {
			t.Errorf("journey %d: %v", i, err)
		}
	}
	if tr.Open() != 1 || tr.Ignored != 0 {
		t.Errorf("open %d, ignored %d; want 1, 0", tr.Open(), tr.Ignored)
	}
	if r := js[0].FailureRate(); r != 1.0/3 {
		t.Errorf("failure rate %g, want 1/3", r)
	}
}

// TestTrackerIgnores: a later step of an instance that is not open, or
// open under another journey, is ignored; a step 0 of an open instance
// leaves the open one unfinished and starts anew.
func TestTrackerIgnores(t *testing.T) {
	tr := NewTracker(nil)
	tr.Add(Mark{"a", 1, 1, Ok}, at(0), at(1)) // its start was skipped (warm-up)
	tr.Add(Mark{"a", 2, 0, ""}, at(0), at(1))
	tr.Add(Mark{"b", 2, 1, Ok}, at(1), at(2)) // another journey's instance 2
	tr.Add(Mark{"a", 2, 0, ""}, at(3), at(4)) // instance 2 again: the first stays unfinished
	_, d, done := tr.Add(Mark{"a", 2, 1, Ok}, at(5), at(6))
	if !done || d != 3*time.Second {
		t.Errorf("the second instance 2: done %v after %v, want 3s from its own start", done, d)
	}
	js := tr.Journeys()
	if len(js) != 1 || js[0].Started != 2 || js[0].Completed != 1 || js[0].Unfinished != 1 || tr.Ignored != 2 {
		t.Errorf("journeys %+v, ignored %d; want a: 2 started, 1 completed, 1 unfinished; 2 ignored", js, tr.Ignored)
	}
}

// TestTrackerEndFile: instance numbers are a file's: after EndFile, the
// next file's instance 1 is another journey, and the previous file's open
// ones stay unfinished.
func TestTrackerEndFile(t *testing.T) {
	tr := NewTracker(nil)
	tr.Add(Mark{"a", 1, 0, ""}, at(0), at(1))
	tr.EndFile()
	if _, _, done := tr.Add(Mark{"a", 1, 1, Ok}, at(1), at(2)); done {
		t.Error("a step of the previous file's instance completed a journey")
	}
	tr.Add(Mark{"a", 1, 0, ""}, at(10), at(11))
	_, d, done := tr.Add(Mark{"a", 1, 1, Ok}, at(11), at(12))
	c := tr.Lookup("a")
	if !done || d != 2*time.Second || c.Started != 2 || c.Completed != 1 || c.Unfinished != 1 {
		t.Errorf("done %v after %v, counts %+v; want done after 2s, 2 started, 1 completed, 1 unfinished", done, d, *c)
	}
}

// TestTrackerMaxOpen: past the bound of open journeys, a journey that
// starts is counted as started and untracked and its results are
// ignored; once some end, new ones are followed again.
func TestTrackerMaxOpen(t *testing.T) {
	tr := NewTracker(nil)
	tr.maxOpen = 3
	for i := range uint64(5) {
		tr.Add(Mark{"a", i, 0, ""}, at(0), at(1))
	}
	tr.Add(Mark{"a", 4, 1, Ok}, at(1), at(2)) // untracked: ignored
	tr.Add(Mark{"a", 0, 1, Ok}, at(1), at(2))
	tr.Add(Mark{"a", 5, 0, ""}, at(2), at(3))
	_, _, done := tr.Add(Mark{"a", 5, 1, Ok}, at(3), at(4))
	c := tr.Lookup("a")
	if !done || c.Started != 6 || c.Completed != 2 || c.Untracked != 2 || c.Unfinished != 2 || tr.Open() != 2 {
		t.Errorf("counts %+v, open %d; want 6 started, 2 completed, 2 untracked, 2 unfinished, 2 open", *c, tr.Open())
	}
	if err := c.Check(); err != nil {
		t.Error(err)
	}
}

// TestTrackerBounds: names past MaxNames are ignored; reasons past
// MaxReasons count in OtherReasons; a reason is cut at MaxReasonBytes on a
// rune boundary, control characters replaced.
func TestTrackerBounds(t *testing.T) {
	tr := NewTracker(nil)
	for i := range MaxNames + 10 {
		tr.Add(Mark{fmt.Sprint("j", i), 1, 0, Ok}, at(0), at(1))
	}
	if n := len(tr.Journeys()); n != MaxNames || tr.Ignored != 10 {
		t.Errorf("%d journeys, %d ignored; want %d, 10", n, tr.Ignored, MaxNames)
	}
	for i := range MaxReasons + 50 {
		tr.Add(Mark{"j0", uint64(i), 0, fmt.Sprintf("step 1 (x): HTTP %d", 1000+i)}, at(0), at(1))
	}
	long := strings.Repeat("é", MaxReasonBytes) // 2 bytes each
	tr.Add(Mark{"j1", 1, 0, "\x1b[31mred\x1b[0m"}, at(0), at(1))
	tr.Add(Mark{"j1", 2, 0, "x" + long}, at(0), at(1))
	c := tr.Lookup("j0")
	if len(c.Reasons) != MaxReasons || c.OtherReasons != 50 || c.Failed != MaxReasons+50 {
		t.Errorf("j0: %d reasons, %d other, %d failed; want %d, 50, %d", len(c.Reasons), c.OtherReasons, c.Failed, MaxReasons, MaxReasons+50)
	}
	r := tr.Lookup("j1").Reasons
	if r[0].Reason != " [31mred [0m" {
		t.Errorf("control characters kept: %q", r[0].Reason)
	}
	if got := r[1].Reason; len(got) != MaxReasonBytes-1 || !strings.HasPrefix(got, "xé") || !strings.HasSuffix(got, "é") {
		t.Errorf("long reason cut to %d bytes %q…, want %d on a rune boundary", len(got), got[:10], MaxReasonBytes-1)
	}
	for _, name := range []string{"j0", "j1"} {
		if err := tr.Lookup(name).Check(); err != nil {
			t.Error(err)
		}
	}
}

// TestCountsMergeAndCheck: Merge adds counts and reasons in order, past
// MaxReasons into OtherReasons; Check refuses counts that do not add up.
func TestCountsMergeAndCheck(t *testing.T) {
	a := Counts{Name: "a", Started: 3, Completed: 1, Failed: 2, Reasons: []ReasonCount{{"x", 2}}}
	b := Counts{Name: "a", Started: 4, Completed: 1, Failed: 2, Unfinished: 1, Reasons: []ReasonCount{{"y", 1}, {"x", 1}}}
	a.Merge(&b)
	want := Counts{Name: "a", Started: 7, Completed: 2, Failed: 4, Unfinished: 1, Reasons: []ReasonCount{{"x", 3}, {"y", 1}}}
	if fmt.Sprint(a) != fmt.Sprint(want) {
		t.Errorf("merged %+v, want %+v", a, want)
	}
	if err := a.Check(); err != nil {
		t.Error(err)
	}
	if !a.Mergeable(&b) || a.Mergeable(&Counts{Name: "a", Failed: 1, Started: 1, OtherReasons: 1}) {
		t.Error("Mergeable: want true without other reasons, false with")
	}
	for _, bad := range []Counts{
		{Name: "", Started: 0},
		{Name: "a/b"},
		{Name: strings.Repeat("n", 65)},
		{Name: "a", Started: 2, Completed: 1},
		{Name: "a", Started: 1, Failed: 1},
		{Name: "a", Started: 1, Failed: 1, Reasons: []ReasonCount{{"x", 2}}},
		{Name: "a", Started: 2, Failed: 2, Reasons: []ReasonCount{{"x", 1}, {"x", 1}}},
		{Name: "a", Started: 1, Failed: 1, Reasons: []ReasonCount{{"x\n", 1}}},
		{Name: "a", Started: 1, Failed: 1, Reasons: []ReasonCount{{"", 1}}},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("Check accepts %+v", bad)
		}
	}
}

// TestTrackerOpenMemory: the open journeys cost tens of bytes each, so
// that MaxOpen of them stay within about 100 MB.
func TestTrackerOpenMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates")
	}
	const n = 200_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tr := NewTracker([]string{"a"})
	for i := range uint64(n) {
		tr.Add(Mark{"a", i, 0, ""}, at(0), at(1))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	if tr.Open() != n || per > 100 {
		t.Errorf("%d open, %.0f bytes each; want %d, ≤ 100", tr.Open(), per, n)
	}
	t.Logf("%.0f bytes per open journey", per)
}

// TestForgedNamesAndReasonsStayPrintable: a hand-made results file's
// journey names and failure reasons reach the terminal only printable. A
// name a scenario cannot hold (a C1 control such as U+009B, the 8-bit
// CSI; a bidirectional override; invalid UTF-8) is no mark, and such
// characters in a reason become spaces. Before, only C0 controls and DEL
// were refused or replaced.
func TestForgedNamesAndReasonsStayPrintable(t *testing.T) {
	for _, name := range []string{"csi\u009b31mred", "evil\u202egnp.exe", "bad\xff", "esc\x1b[2J", "a/b", ""} {
		if ValidName(name) {
			t.Errorf("ValidName(%q) = true", name)
		}
	}
	for _, name := range []string{"conversation", "café au lait", "conv|x **b**", "ask-about-upload", "\ufffd"} {
		if !ValidName(name) {
			t.Errorf("ValidName(%q) = false", name)
		}
	}
	got := Reason("step 1 (x): \x1b[2J\u009b31m\u202eboom\xff done")
	if want := "step 1 (x):  [2J 31m boom  done"; got != want {
		t.Errorf("Reason = %q, want %q", got, want)
	}
	if r := "step 2 (follow_up): HTTP 500"; Reason(r) != r {
		t.Errorf("Reason(%q) = %q", r, Reason(r))
	}
}
