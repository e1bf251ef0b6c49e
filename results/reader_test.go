package results

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestWriterReadFileRoundTrip(t *testing.T) {
	want := genResults(t, 1000)
	path := filepath.Join(t.TempDir(), ResultsFile)
	writeResults(t, path, want)

	got, err := readAll(t, path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	sameResults(t, got, want)

	// Field by field on a few, so a broken Equal would not hide a loss.
	for _, i := range []int{0, 1, 2, 3, 4, 10, 999} {
		g, w := got[i], want[i]
		if g.Attack != w.Attack || g.Seq != w.Seq || g.Code != w.Code || !g.Timestamp.Equal(w.Timestamp) ||
			g.Latency != w.Latency || g.BytesIn != w.BytesIn || g.BytesOut != w.BytesOut ||
			g.Error != w.Error || !bytes.Equal(g.Body, w.Body) || g.Method != w.Method || g.URL != w.URL {
			t.Errorf("result %d: got %+v, want %+v", i, *g, *w)
		}
		gl, gok := Lag(g)
		wl, wok := Lag(w)
		if gl != wl || gok != wok {
			t.Errorf("result %d: Lag = %v, %v; want %v, %v", i, gl, gok, wl, wok)
		}
	}
	if got[0].Headers != nil {
		t.Errorf("result 0 (no lag) came back with headers %v", got[0].Headers)
	}

	// vegeta's own decoder reads the file unchanged.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	var viaVegeta []*vegeta.Result
	for {
		r := new(vegeta.Result)
		if err := dec.Decode(r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("vegeta decode after %d results: %v", len(viaVegeta), err)
		}
		viaVegeta = append(viaVegeta, r)
	}
	sameResults(t, viaVegeta, want)
}

func TestCreateRefusesExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ResultsFile)
	writeResults(t, path, genResults(t, 3))
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := Create(path)
	if err == nil {
		w.Close()
		t.Fatal("Create on an existing file succeeded")
	}
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create error %v is not fs.ErrExist", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("Create on an existing file changed it")
	}
}

func TestWriterCountAndFlush(t *testing.T) {
	path := filepath.Join(t.TempDir(), ResultsFile)
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Count() != 0 {
		t.Errorf("Count() of a new writer = %d", w.Count())
	}
	rs := genResults(t, 5)
	for i, r := range rs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
		if got := w.Count(); got != uint64(i+1) {
			t.Errorf("Count() after %d writes = %d", i+1, got)
		}
	}
	// Before Close, a reader sees every flushed result (and no damage).
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, path)
	if err != nil {
		t.Fatalf("ReadFile of a flushed, open file: %v", err)
	}
	sameResults(t, got, rs)
}

func TestReadFileEncodings(t *testing.T) {
	want := genResults(t, 300)
	dir := t.TempDir()
	cases := []struct {
		name string
		enc  func(*os.File) vegeta.Encoder
	}{
		{"gob", func(f *os.File) vegeta.Encoder { return vegeta.NewEncoder(f) }},
		{"json", func(f *os.File) vegeta.Encoder { return vegeta.NewJSONEncoder(f) }},
		{"csv", func(f *os.File) vegeta.Encoder { return vegeta.NewCSVEncoder(f) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "results."+c.name)
			encodeFile(t, path, c.enc, want)
			got, err := readAll(t, path)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			sameResults(t, got, want)
			for _, i := range []int{0, 1, 250} {
				gl, gok := Lag(got[i])
				wl, wok := Lag(want[i])
				if gl != wl || gok != wok {
					t.Errorf("result %d: Lag = %v, %v; want %v, %v", i, gl, gok, wl, wok)
				}
			}
		})
	}
}

func TestReadFileEmptyAndMissing(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.bin")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, empty)
	if err != nil || len(got) != 0 {
		t.Errorf("empty file: %d results, err %v; want 0, nil", len(got), err)
	}

	// A Writer closed before its first result leaves an empty file too.
	none := filepath.Join(dir, "none.bin")
	writeResults(t, none, nil)
	if got, err := readAll(t, none); err != nil || len(got) != 0 {
		t.Errorf("file of a writer without results: %d results, err %v", len(got), err)
	}

	_, err = readAll(t, filepath.Join(dir, "missing.bin"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err %v, want fs.ErrNotExist", err)
	}
	var de *DamagedError
	if errors.As(err, &de) {
		t.Errorf("missing file reported as damaged: %v", err)
	}
}

// recordEnds writes rs with a Writer, flushing after each, and returns the
// file's bytes and the offset at which each record ends.
func recordEnds(t *testing.T, path string, rs []*vegeta.Result) ([]byte, []int) {
	t.Helper()
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	ends := make([]int, len(rs))
	for i, r := range rs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		ends[i] = int(st.Size())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != ends[len(ends)-1] {
		t.Fatalf("file has %d bytes, last record ends at %d", len(b), ends[len(ends)-1])
	}
	return b, ends
}

func TestReadFileTruncated(t *testing.T) {
	dir := t.TempDir()
	want := genResults(t, 120)
	data, ends := recordEnds(t, filepath.Join(dir, "full.bin"), want)

	isEnd := map[int]bool{}
	for _, e := range ends {
		isEnd[e] = true
	}
	cuts := []int{1, ends[0] - 1, ends[0], ends[0] + 1, ends[1], ends[len(ends)-2] + 1, len(data) - 1}
	for c := 37; c < len(data); c += 37 {
		cuts = append(cuts, c)
	}
	for _, cut := range cuts {
		path := filepath.Join(dir, fmt.Sprintf("cut-%d.bin", cut))
		if err := os.WriteFile(path, data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		complete := 0 // records entirely before the cut
		for complete < len(ends) && ends[complete] <= cut {
			complete++
		}
		got, err := readAll(t, path)
		sameResults(t, got, want[:complete])

		if isEnd[cut] {
			// A cut on a record boundary cannot be told from a short run.
			if err != nil {
				t.Errorf("cut at record end %d: %v", cut, err)
			}
			continue
		}
		var de *DamagedError
		if !errors.As(err, &de) {
			t.Fatalf("cut at %d: error %v (%T), want *DamagedError", cut, err, err)
		}
		wantOff := 0
		if complete > 0 {
			wantOff = ends[complete-1]
		}
		if de.Offset != int64(wantOff) || de.Read != uint64(complete) || de.Path != path {
			t.Errorf("cut at %d: Offset %d, Read %d, Path %q; want %d, %d, %q",
				cut, de.Offset, de.Read, de.Path, wantOff, complete, path)
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut at %d: %v does not wrap io.ErrUnexpectedEOF", cut, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "cut short") || !strings.Contains(msg, path) ||
			!strings.Contains(msg, fmt.Sprintf("byte %d", wantOff)) {
			t.Errorf("cut at %d: message %q lacks \"cut short\", the path or the offset", cut, msg)
		}

		// The first Offset bytes are a clean file with the same results.
		prefix := filepath.Join(dir, fmt.Sprintf("prefix-%d.bin", cut))
		if err := os.WriteFile(prefix, data[:de.Offset], 0o644); err != nil {
			t.Fatal(err)
		}
		again, err := readAll(t, prefix)
		if err != nil || len(again) != complete {
			t.Errorf("cut at %d: first %d bytes give %d results, err %v; want %d, nil",
				cut, de.Offset, len(again), err, complete)
		}
	}
}

func TestReadFileTrailingGarbage(t *testing.T) {
	dir := t.TempDir()
	want := genResults(t, 25)
	data, _ := recordEnds(t, filepath.Join(dir, "full.bin"), want)
	cases := []struct {
		name    string
		garbage string
		word    string // expected in the message; "" for either
	}{
		{"unknown type", "\x05hello", "unreadable"},
		{"duplicate type", "\x03\x01\x02\x03", "unreadable"},
		{"text", "garbage!", ""}, // reads as a length prefix, so it looks cut short
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".bin")
			if err := os.WriteFile(path, append(bytes.Clone(data), c.garbage...), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, path)
			sameResults(t, got, want)
			var de *DamagedError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T), want *DamagedError", err, err)
			}
			if de.Read != uint64(len(want)) || de.Offset != int64(len(data)) {
				t.Errorf("Read %d, Offset %d; want %d, %d", de.Read, de.Offset, len(want), len(data))
			}
			if c.word != "" && !strings.Contains(err.Error(), c.word) {
				t.Errorf("message %q lacks %q", err.Error(), c.word)
			}
			if c.word == "unreadable" && errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("garbage reported as a short file: %v", err)
			}
		})
	}
}

func TestReadFileCallbackErrorStops(t *testing.T) {
	path := filepath.Join(t.TempDir(), ResultsFile)
	writeResults(t, path, genResults(t, 10))
	stop := errors.New("enough")
	calls := 0
	err := ReadFile(path, func(r *vegeta.Result) error {
		calls++
		if r.Seq == 3 {
			return stop
		}
		return nil
	})
	if err != stop { //nolint:errorlint // must be returned unchanged
		t.Errorf("ReadFile returned %v, want the callback's error unchanged", err)
	}
	var de *DamagedError
	if errors.As(err, &de) {
		t.Errorf("callback error wrapped as damage: %v", err)
	}
	if calls != 4 {
		t.Errorf("callback ran %d times, want 4 (stop at seq 3)", calls)
	}
}

func TestDamagedErrorUnwrap(t *testing.T) {
	inner := errors.New("gob: boom")
	e := &DamagedError{Path: "r.bin", Offset: 12, Read: 3, Err: inner}
	if !errors.Is(e, inner) {
		t.Error("DamagedError does not unwrap to Err")
	}
	want := "r.bin: unreadable at byte 12 after 3 results: gob: boom"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	e.Err = fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF)
	if !strings.Contains(e.Error(), "cut short") {
		t.Errorf("Error() = %q, want cut short", e.Error())
	}
}

func TestReadFileTextTruncated(t *testing.T) {
	dir := t.TempDir()
	want := genResults(t, 40)
	cases := []struct {
		name string
		enc  func(io.Writer) vegeta.Encoder
	}{
		{"json", vegeta.NewJSONEncoder},
		{"csv", vegeta.NewCSVEncoder},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := c.enc(&buf)
			var ends []int // where each record's line ends
			for _, r := range want {
				if err := enc.Encode(r); err != nil {
					t.Fatal(err)
				}
				ends = append(ends, buf.Len())
			}
			data := buf.Bytes()
			for i := range 12 {
				k := 3*i + 1 // cut records k, 4, 7, … in their middle, and the last one
				if i == 11 {
					k = len(ends) - 1
				}
				start := 0
				if k > 0 {
					start = ends[k-1]
				}
				for _, cut := range []int{start, (start + ends[k]) / 2} {
					path := filepath.Join(dir, fmt.Sprintf("%s-%d", c.name, cut))
					if err := os.WriteFile(path, data[:cut], 0o644); err != nil {
						t.Fatal(err)
					}
					got, err := readAll(t, path)
					sameResults(t, got, want[:k])
					if cut == start {
						if err != nil {
							t.Errorf("cut at the end of record %d: %v", k-1, err)
						}
						continue
					}
					var de *DamagedError
					if !errors.As(err, &de) || de.Read != uint64(k) || de.Path != path {
						t.Errorf("cut in record %d: %v, want a *DamagedError after %d results", k, err, k)
					}
				}
			}
		})
	}
}

// TestReadFileNotResults: a file that is not a results file at all is
// said to be one (a *NotResultsError naming it), without quoting it;
// a results file cut short in its first bytes still reads as damaged.
func TestReadFileNotResults(t *testing.T) {
	dir := t.TempDir()
	gob, ends := recordEnds(t, filepath.Join(dir, "full.bin"), genResults(t, 3))
	var js, csv bytes.Buffer
	if err := vegeta.NewJSONEncoder(&js).Encode(genResults(t, 1)[0]); err != nil {
		t.Fatal(err)
	}
	if err := vegeta.NewCSVEncoder(&csv).Encode(genResults(t, 1)[0]); err != nil {
		t.Fatal(err)
	}
	const secret = "pw-Zq8-do-not-show"
	for _, c := range []struct {
		name, data, why string
	}{
		{"markdown", "# ragload\n\nLoad-tests RAG APIs.\n", "it is text, not vegeta's binary results"},
		{"credentials", "loadtest@example.com," + secret + "\n", "it is text"},
		{"JSON document", `{"name": "x", "password": "` + secret + `"}` + "\n", `its first line is JSON without a result's "timestamp"`},
		{"JSON without a newline", `{"name": "x"` + strings.Repeat(" ", 5000) + "}", `its first line is JSON without a result's "timestamp"`},
		{"JSON array", "[1, 2, 3]\n", "it is text"},
		{"numbers", "1. first\n2. second\n", "its first line is not a result in vegeta's CSV"},
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "it does not start as vegeta's binary results do"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
		if err := os.WriteFile(path, []byte(c.data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(t, path)
		var nr *NotResultsError
		if !errors.As(err, &nr) || nr.Path != path || len(got) != 0 || !strings.Contains(err.Error(), path+" is not a results file: "+c.why) {
			t.Errorf("%s: %d results, error %v; want a NotResultsError: %s", c.name, len(got), err, c.why)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error quotes the file: %v", c.name, err)
		}
	}
	// Results cut short in their first record are damaged, not foreign.
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"gob, 1 byte", gob[:1]}, {"gob, 15 bytes", gob[:15]}, {"gob, in the first record", gob[:ends[0]-1]},
		{"JSON, in the first line", js.Bytes()[:js.Len()/2]}, {"CSV, in the first line", csv.Bytes()[:csv.Len()-2]},
	} {
		path := filepath.Join(dir, "cut")
		if err := os.WriteFile(path, c.data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := readAll(t, path)
		var de *DamagedError
		if !errors.As(err, &de) {
			t.Errorf("%s: %v, want a *DamagedError", c.name, err)
		}
	}
}
