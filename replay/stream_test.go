package replay

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/results"
)

func sampleEntries() []Entry {
	return []Entry{
		{Offset: 0, Endpoint: "/health", Method: "GET", URL: "/health"},
		{Offset: 1500 * time.Microsecond, Endpoint: "/query (basic)", Method: "POST", URL: "/api/v1/query/?a=1", Auth: true,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"query":"q1"}`)},
		{Offset: 1500 * time.Microsecond, Endpoint: "/query (basic)", Method: "POST", URL: "/api/v1/query/", Auth: true,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"query":"q2"}`)},
		{Offset: 3 * time.Second, Endpoint: "", Method: "PUT", URL: "/blob", Body: []byte{0, 1, 2, 0xff}},
	}
}

func TestOpenStreamSorted(t *testing.T) {
	want := sampleEntries()
	path := writeStream(t, want)
	open, info, err := OpenStream(path, false)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "entries", readAll(t, open), want)
	equal(t, "entries again", readAll(t, open), want)
	data, _ := os.ReadFile(path)
	sum := sha256.Sum256(data)
	equal(t, "info", info, Info{
		Format: "stream", Count: 4, Duration: 3 * time.Second, Sorted: true,
		Digest: "sha256:" + hex.EncodeToString(sum[:]),
		Endpoints: []results.EndpointInfo{
			{Key: "health", Name: "/health", Method: "GET", Path: "/health", Weight: 1},
			{Key: "query_basic", Name: "/query (basic)", Method: "POST", Path: "/api/v1/query/", Weight: 2, Auth: true},
			{Key: "put_blob", Name: "PUT /blob", Method: "PUT", Path: "/blob", Weight: 1},
		},
	})
	_, info2, err := OpenStream(path, false)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "digest is stable", info2.Digest, info.Digest)
}

func TestOpenStreamUnsorted(t *testing.T) {
	// Lines out of order, with ties (kept in file order), blank lines and CRLF.
	lines := []string{
		`{"offset_us":300,"method":"GET","url":"/c"}`,
		`{"offset_us":100,"method":"GET","url":"/a1"}`,
		``,
		`{"offset_us":200,"method":"GET","url":"/b"}`,
		`{"offset_us":100,"method":"GET","url":"/a2"}`,
		`{"offset_us":0,"method":"POST","url":"/z","body":"` + strings.Repeat("x", 100<<10) + `"}`, // longer than a window
		`{"offset_us":250,"method":"GET","url":"/bb"}`,
	}
	path := writeFile(t, "unsorted.jsonl", strings.Join(lines, "\r\n"))
	open, info, err := OpenStream(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if info.Sorted {
		t.Error("Info.Sorted = true for an unsorted file")
	}
	equal(t, "count", info.Count, int64(6))
	equal(t, "duration", info.Duration, 300*time.Microsecond)
	var urls []string
	for _, e := range readAll(t, open) {
		urls = append(urls, e.URL)
	}
	equal(t, "order", urls, []string{"/z", "/a1", "/a2", "/b", "/bb", "/c"})
}

func TestOpenStreamErrors(t *testing.T) {
	good := `{"offset_us":1,"method":"GET","url":"/"}`
	tests := []struct{ name, bad, want string }{
		{"bad JSON", `{"offset_us":1,`, ":2: invalid JSON: unexpected end of JSON input"},
		{"missing method", `{"offset_us":1,"url":"/"}`, ":2: method: missing"},
		{"bad url", `{"offset_us":1,"method":"GET","url":"x"}`, `:2: url: "x" must start with /`},
		{"negative offset", `{"offset_us":-1,"method":"GET","url":"/"}`, ":2: offset_us: -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "stream.jsonl", good+"\n"+tt.bad+"\n"+good+"\n")
			_, _, err := OpenStream(path, false)
			fe := asFileError(t, err)
			equal(t, "line", fe.Line, 2)
			equal(t, "error", err.Error(), path+tt.want)

			open, info, err := OpenStream(path, true)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "skipped", info.Skipped, int64(1))
			equal(t, "count", info.Count, int64(2))
			equal(t, "bad line", info.BadLine, path+tt.want)
			equal(t, "entries read", len(readAll(t, open)), 2)
		})
	}
}

func TestOpenStreamSkipBadUnsorted(t *testing.T) {
	path := writeFile(t, "s.jsonl", strings.Join([]string{
		`{"offset_us":5,"method":"GET","url":"/b"}`,
		`{"offset_us":1,"method":"GET","url":"bad"}`,
		`{"offset_us":2,"method":"GET","url":"/a"}`,
	}, "\n"))
	open, info, err := OpenStream(path, true)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "info", [2]any{info.Skipped, info.Sorted}, [2]any{int64(1), false})
	var urls []string
	for _, e := range readAll(t, open) {
		urls = append(urls, e.URL)
	}
	equal(t, "order", urls, []string{"/a", "/b"})
}

func TestOpenStreamEmpty(t *testing.T) {
	_, _, err := OpenStream(writeFile(t, "e.jsonl", "\n\n"), false)
	if err == nil || !strings.Contains(err.Error(), "no requests") {
		t.Errorf("got %v, want no requests", err)
	}
	if _, _, err := OpenStream(filepath.Join(t.TempDir(), "missing"), false); err == nil {
		t.Error("missing file: no error")
	}
}

func TestOpenStreamDetectsChangedFile(t *testing.T) {
	path := writeStream(t, sampleEntries())
	open, _, err := OpenStream(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"offset_us":1,"method":"GET","url":"/"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(); err == nil || !strings.Contains(err.Error(), "the file changed") {
		t.Errorf("got %v, want the file changed", err)
	}
}

// writeLongStream writes n short lines (about 60 bytes each), in order, or
// with neighbours swapped when unsorted.
func writeLongStream(tb testing.TB, n int, unsorted bool) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "long.jsonl")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		off := i * 100
		if unsorted && i%2 == 0 {
			off += 150
		}
		fmt.Fprintf(w, `{"offset_us":%d,"endpoint":"h","method":"GET","url":"/h/%d"}`+"\n", off, i%1000)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// heapInuse returns the heap in use after a collection.
func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func TestOpenStreamMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 12 MB file")
	}
	const n = 200_000
	path := writeLongStream(t, n, false)
	before := heapInuse()
	open, info, err := OpenStream(path, false)
	if err != nil {
		t.Fatal(err)
	}
	src, err := open()
	if err != nil {
		t.Fatal(err)
	}
	var peak uint64
	count, last := 0, time.Duration(-1)
	for {
		e, err := src.Next()
		if err != nil {
			break
		}
		if e.Offset < last {
			t.Fatalf("entry %d out of order", count)
		}
		last = e.Offset
		count++
		if count%50_000 == 0 {
			peak = max(peak, heapInuse())
		}
	}
	src.Close()
	if count != n || info.Count != n {
		t.Fatalf("read %d entries, info %d, want %d", count, info.Count, n)
	}
	if growth := int64(peak) - int64(before); growth > 20<<20 {
		t.Errorf("heap grew by %d MB reading %d lines", growth>>20, n)
	}
	t.Logf("heap before %d KB, peak while reading %d KB", before>>10, peak>>10)
}

// BenchmarkOpenStream1M checks and reads a 1M-line stream (about 60 MB),
// sorted and unsorted, and reports the heap in use while reading.
func BenchmarkOpenStream1M(b *testing.B) {
	for _, unsorted := range []bool{false, true} {
		name := "sorted"
		if unsorted {
			name = "unsorted"
		}
		b.Run(name, func(b *testing.B) {
			path := writeLongStream(b, 1_000_000, unsorted)
			st, _ := os.Stat(path)
			b.SetBytes(st.Size())
			b.ReportAllocs()
			var peak, base uint64
			for b.Loop() {
				base = heapInuse()
				open, info, err := OpenStream(path, false)
				if err != nil {
					b.Fatal(err)
				}
				src, err := open()
				if err != nil {
					b.Fatal(err)
				}
				var n int64
				for ; ; n++ {
					if _, err := src.Next(); err != nil {
						break
					}
					if n%250_000 == 0 {
						var ms runtime.MemStats
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
					}
				}
				src.Close()
				if n != info.Count {
					b.Fatalf("read %d of %d", n, info.Count)
				}
			}
			b.ReportMetric(float64(base)/(1<<20), "base-heap-MB")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}
