package results

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results/internal/gobdec"
)

// readFileGob is ReadFile with encoding/gob alone, as it was before
// gobdec.Reader: the reference it must agree with.
func readFileGob(path string, fn func(*vegeta.Result) error) error {
	d, err := openDecoder(path)
	if d == nil {
		return err
	}
	defer d.f.Close()
	if d.fast != nil {
		d.fast, d.dec = nil, vegeta.NewDecoder(d.cr)
	}
	for {
		r := new(vegeta.Result)
		if done, err := d.next(r); done {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

// sameDecoding fails t unless got and want are the same results in every
// field, down to nil against empty bodies and headers and the time zone.
func sameDecoding(t *testing.T, got, want []*vegeta.Result) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if !g.Equal(*w) || (g.Body == nil) != (w.Body == nil) || (g.Headers == nil) != (w.Headers == nil) ||
			g.Timestamp.Location().String() != w.Timestamp.Location().String() {
			t.Fatalf("result %d:\n got  %#v\n want %#v", i, *g, *w)
		}
		for k, v := range w.Headers {
			if (g.Headers[k] == nil) != (v == nil) {
				t.Fatalf("result %d: header %q = %#v, want %#v", i, k, g.Headers[k], v)
			}
		}
	}
}

// gobResultSets are results that exercise every field of vegeta.Result and
// their extremes.
func gobResultSets(t *testing.T) map[string][]*vegeta.Result {
	var fixture []*vegeta.Result
	if err := fixtureResults(2000, func(r *vegeta.Result) error { fixture = append(fixture, r); return nil }); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 1, 2, 3, 456789012, time.FixedZone("X", 5*3600+1800))
	edges := []*vegeta.Result{
		{}, // every field zero: an empty record
		{Code: math.MaxUint16, Seq: math.MaxUint64, BytesIn: math.MaxUint64, Latency: math.MinInt64, Timestamp: at},
		{Latency: math.MaxInt64, Timestamp: at.In(time.Local), Body: []byte{0}, Error: "é\x00\xff"},
		{Timestamp: at.UTC(), Headers: map[string][]string{}},                                                  // empty: not sent
		{Headers: map[string][]string{"A": nil, "B": {}, "C": {"", "x", "yz"}, "": {"v"}}},                     // nil and empty values
		{Attack: "a", Method: "PATCH", URL: "/only/a/path?q=1#frag", Body: bytes.Repeat([]byte("b"), 300<<10)}, // a message larger than the buffer
	}
	return map[string][]*vegeta.Result{"genResults": genResults(t, 700), "fixture": fixture, "edges": edges}
}

// TestGobReaderDecodesVegetaStreams: gobdec.Reader decodes what vegeta's
// encoder writes by itself (without handing over to encoding/gob), to the
// results encoding/gob decodes.
func TestGobReaderDecodesVegetaStreams(t *testing.T) {
	for name, rs := range gobResultSets(t) {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			enc := vegeta.NewEncoder(&b)
			for _, r := range rs {
				if err := enc.Encode(r); err != nil {
					t.Fatal(err)
				}
			}
			g := gobdec.NewReader(bufio.NewReaderSize(bytes.NewReader(b.Bytes()), 256<<10))
			var got []*vegeta.Result
			for {
				r := new(vegeta.Result)
				err := g.Next(r)
				if err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("after %d results: %v", len(got), err)
				}
				got = append(got, r)
			}
			if g.Offset() != int64(b.Len()) {
				t.Errorf("consumed %d bytes of %d", g.Offset(), b.Len())
			}
			dec := vegeta.NewDecoder(bytes.NewReader(b.Bytes()))
			var want []*vegeta.Result
			for {
				r := new(vegeta.Result)
				if err := dec.Decode(r); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				want = append(want, r)
			}
			sameDecoding(t, got, want)
		})
	}
}

// TestReadFileLikeGob: ReadFile delivers what encoding/gob delivers, and
// fails with the same error, however a stream is damaged: cut at every
// byte, with a byte changed anywhere, with garbage or a second stream
// after it. (Damage that gobdec does not know is handed over to
// encoding/gob, which reads the file again.)
func TestReadFileLikeGob(t *testing.T) {
	var b bytes.Buffer
	enc := vegeta.NewEncoder(&b)
	for _, r := range gobResultSets(t)["genResults"][:6] {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	stream := b.Bytes()
	cases := map[string][]byte{
		"whole":         stream,
		"twice":         append(bytes.Clone(stream), stream...),
		"garbage after": append(bytes.Clone(stream), "garbage"...),
	}
	for i := range len(stream) {
		cases[fmt.Sprintf("cut at %d", i)] = stream[:i]
		for _, c := range []byte{0x00, 0x7f, 0x80, 0xfe, 0xff} {
			if stream[i] != c {
				d := bytes.Clone(stream)
				d[i] = c
				cases[fmt.Sprintf("byte %d = %#x", i, c)] = d
			}
		}
	}
	dir := t.TempDir()
	for name, data := range cases {
		path := filepath.Join(dir, "results.bin")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		checkLikeGob(t, name, path)
	}
}

// checkLikeGob fails t unless ReadFile and readFileGob deliver the same
// results from path and end with the same error.
func checkLikeGob(t *testing.T, name, path string) {
	t.Helper()
	var got, want []*vegeta.Result
	gotErr := ReadFile(path, func(r *vegeta.Result) error { got = append(got, r); return nil })
	wantErr := readFileGob(path, func(r *vegeta.Result) error { want = append(want, r); return nil })
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%s: error %v, encoding/gob's %v", name, gotErr, wantErr)
	}
	var de1, de2 *DamagedError
	if errors.As(gotErr, &de1) != errors.As(wantErr, &de2) ||
		de1 != nil && (de1.Offset != de2.Offset || de1.Read != de2.Read || errors.Is(de1, io.ErrUnexpectedEOF) != errors.Is(de2, io.ErrUnexpectedEOF)) {
		t.Fatalf("%s: %+v, encoding/gob's %+v", name, *de1, *de2)
	}
	sameDecoding(t, got, want)
}
