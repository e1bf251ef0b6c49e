package replay

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lines decodes the lines of a recorded stream.
func decodeLines(t *testing.T, out string) []Entry {
	t.Helper()
	var es []Entry
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var e Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		es = append(es, e)
	}
	return es
}

func entryAt(ms int) Entry {
	return Entry{Offset: time.Duration(ms) * time.Millisecond, Endpoint: "/health", Method: "GET", URL: "/health"}
}

func TestRecorderOrdersOutOfOrderAdds(t *testing.T) {
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	steps := []struct {
		do        func() error
		wantCount int64
	}{
		{func() error { return r.Add(2, entryAt(2)) }, 0}, // waits for 0 and 1
		{func() error { return r.Add(0, entryAt(0)) }, 1},
		{func() error { r.Skip(1); return nil }, 2}, // unblocks 2
		{func() error { return r.Add(4, entryAt(4)) }, 2},
		{func() error { return r.Add(3, entryAt(3)) }, 4},
		{func() error { return r.Add(7, entryAt(7)) }, 4}, // 5 and 6 never come
		{func() error { return r.Add(9, entryAt(9)) }, 4},
		{r.Close, 6}, // writes 7 and 9 past the gap
	}
	for i, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := r.Count(); got != s.wantCount {
			t.Errorf("step %d: Count = %d, want %d", i, got, s.wantCount)
		}
	}
	equal(t, "offsets", offsets(decodeLines(t, buf.String())),
		[]time.Duration{0, 2 * time.Millisecond, 3 * time.Millisecond, 4 * time.Millisecond, 7 * time.Millisecond, 9 * time.Millisecond})
	if err := r.Add(10, entryAt(10)); err == nil {
		t.Error("Add after Close: no error")
	}
}

func TestRecorderStripsCredentials(t *testing.T) {
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	e := entryAt(0)
	e.Auth = true
	e.Header = http.Header{"Authorization": {"Bearer secret"}, "cookie": {"session=secret"},
		"Proxy-Authorization": {"Basic secret"}, "X-Vegeta-Seq": {"0"}, "Accept": {"application/json"}}
	if err := r.Add(0, e); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(buf.String()), "secret") || strings.Contains(buf.String(), "Vegeta") {
		t.Errorf("credentials recorded: %s", buf.String())
	}
	got := decodeLines(t, buf.String())[0]
	equal(t, "headers", got.Header, http.Header{"Accept": {"application/json"}})
	equal(t, "auth", got.Auth, true)
	if len(e.Header) != 5 {
		t.Error("Add modified the caller's header")
	}
}

// TestRecorderStripsSecretHeaders: the headers whose names say they carry
// a secret, and the ones marked secret, are not recorded either; a
// stream read back keeps a hand-written one (the user's own file).
func TestRecorderStripsSecretHeaders(t *testing.T) {
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	r.DropHeaders("x-tenant")
	e := entryAt(0)
	e.Header = http.Header{}
	for _, h := range []string{"X-Api-Key", "Api-Key", "X-Auth-Token", "X-Access-Token", "X-Csrf-Token", "X-Amz-Security-Token",
		"Set-Cookie", "X-Client-Secret", "X-Password", "X-Apikey", "X-Tenant"} {
		e.Header.Set(h, "secret-"+h)
	}
	e.Header.Set("X-Request-Id", "kept")
	if err := r.Add(0, e); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "secret") {
		t.Errorf("secret headers recorded: %s", buf.String())
	}
	equal(t, "headers", decodeLines(t, buf.String())[0].Header, http.Header{"X-Request-Id": {"kept"}})
	b, err := json.Marshal(e)
	if err != nil || strings.Contains(string(b), "secret-X-Api-Key") {
		t.Errorf("Entry.MarshalJSON = %s, %v: want no X-Api-Key", b, err)
	}
	var back Entry
	if err := json.Unmarshal([]byte(`{"offset_us":0,"method":"GET","url":"/","headers":{"X-Api-Key":["mine"]}}`), &back); err != nil {
		t.Fatal(err)
	}
	equal(t, "headers read", back.Header, http.Header{"X-Api-Key": {"mine"}})
}

func TestRecorderRejectsBadAndDuplicateEntries(t *testing.T) {
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	if err := r.Add(0, Entry{Method: "GET", URL: "no-slash"}); err == nil || !strings.Contains(err.Error(), `url: "no-slash" must start with /`) {
		t.Errorf("bad entry: got %v", err)
	}
	if err := r.Add(1, entryAt(1)); err != nil { // not blocked by the rejected 0
		t.Fatal(err)
	}
	if err := r.Add(1, entryAt(1)); err == nil {
		t.Error("duplicate of a written seq: no error")
	}
	if err := r.Add(3, entryAt(3)); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(3, entryAt(3)); err == nil {
		t.Error("duplicate of a buffered seq: no error")
	}
	if got := r.Count(); got != 1 {
		t.Errorf("Count = %d, want 1", got)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	const n = 2000
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	seqs := rand.New(rand.NewPCG(1, 2)).Perm(n)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				s := seqs[i]
				if s%10 == 9 {
					r.Skip(uint64(s))
					continue
				}
				if err := r.Add(uint64(s), entryAt(s)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got := r.Count(); got != n*9/10 {
		t.Errorf("Count before Close = %d, want %d (nothing left out of order)", got, n*9/10)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	es := decodeLines(t, buf.String())
	for i := 1; i < len(es); i++ {
		if es[i].Offset <= es[i-1].Offset {
			t.Fatalf("line %d out of order: %s after %s", i+1, es[i].Offset, es[i-1].Offset)
		}
	}
}
