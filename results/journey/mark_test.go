package journey

import (
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// FuzzMarkOf feeds journey marks to MarkOf. It never panics; a mark it
// accepts has a valid name (1 to 64 bytes, no '/' nor control character)
// and a step in range, and SetMark writes it back to a mark that reads
// the same.
func FuzzMarkOf(f *testing.F) {
	for _, s := range []string{
		"conversation/0/0", "conversation/18446744073709551615/31", "ask-about-upload/7/2", "a/1/65535", "a/1/65536",
		"", "/", "//", "a//0", "a/1/", "/1/0", "a/1/0/", "a/-1/0", "a/+1/+1", "a/1/-0", "a/01/007", "a b/1/0", "a\x00/1/0",
		"é/1/0", strings.Repeat("n", 64) + "/1/0", strings.Repeat("n", 65) + "/1/0", "a/99999999999999999999/0",
	} {
		f.Add(s, "")
		f.Add(s, "ok")
	}
	f.Add("conversation/3/1", "step 2 (follow_up): HTTP 500")
	f.Fuzz(func(t *testing.T, mark, end string) {
		r := &vegeta.Result{Headers: map[string][]string{Header: {mark}}}
		if end != "" {
			r.Headers[EndHeader] = []string{end}
		}
		j, ok := MarkOf(r)
		if !ok {
			if j != (Mark{}) {
				t.Fatalf("%q: no mark, but %+v", mark, j)
			}
			return
		}
		if j.Journey == "" || len(j.Journey) > 64 || strings.ContainsAny(j.Journey, "/\x00\n\r\x7f") || j.Step < 0 || j.Step >= maxStep || j.End != end {
			t.Fatalf("%q %q: accepted as %+v", mark, end, j)
		}
		back := &vegeta.Result{}
		SetMark(back, j.Journey, j.Instance, j.Step)
		SetEnd(back, end)
		again, ok := MarkOf(back)
		if want := j; !ok || again.Journey != want.Journey || again.Instance != want.Instance || again.Step != want.Step {
			t.Fatalf("%q: written back as %q, reads %+v %v; want %+v", mark, back.Headers[Header], again, ok, want)
		}
	})
}
