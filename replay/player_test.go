package replay

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// schedule is plan.Schedule plus Forget, which replay must not import.
type schedule interface {
	vegeta.Pacer
	Due(n uint64) (time.Duration, bool)
	Forget(n uint64)
	Count() uint64
	Duration() time.Duration
}

var _ schedule = (*Player)(nil)

const ms = time.Millisecond

func playerEntries() []Entry {
	return []Entry{
		{Offset: 0, Endpoint: "/health", Method: "GET", URL: "/health"},
		{Offset: 100 * ms, Endpoint: "/query (basic)", Method: "POST", URL: "/api/v1/query/?x=1", Auth: true,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"query":"a"}`)},
		{Offset: 100 * ms, Endpoint: "/documents (list)", Method: "GET", URL: "/api/v1/documents/", Auth: true},
		{Offset: 300 * ms, Endpoint: "/health", Method: "GET", URL: "/health"},
	}
}

func TestPlayerPacesAndTargets(t *testing.T) {
	in := playerEntries()
	open, info, err := Scaled(sliceOpener(nil, in...), infoOf(in), 2, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlayer(open, info)
	equal(t, "count", p.Count(), uint64(4))
	equal(t, "duration", p.Duration(), 150*ms)

	// A fake clock: vegeta calls Pace once per request with the hits so far.
	steps := []struct {
		elapsed  time.Duration
		wantWait time.Duration
	}{
		{0, 0},
		{1 * ms, 49 * ms},
		{50 * ms, 0},
		{70 * ms, 80 * ms},
	}
	for n, st := range steps {
		wait, stop := p.Pace(st.elapsed, uint64(n))
		if stop || wait != st.wantWait {
			t.Errorf("Pace(%s, %d) = %s, %v; want %s, false", st.elapsed, n, wait, stop, st.wantWait)
		}
	}
	if _, stop := p.Pace(200*ms, 4); !stop {
		t.Error("Pace after the last entry: no stop")
	}
	for n, want := range []time.Duration{0, 50 * ms, 50 * ms, 150 * ms} {
		if got, ok := p.Due(uint64(n)); !ok || got != want {
			t.Errorf("Due(%d) = %s, %v; want %s", n, got, ok, want)
		}
	}
	if _, ok := p.Due(4); ok {
		t.Error("Due(4) known past the end")
	}

	var stamped []string
	tr := p.Targeter("http://api:8000/", func(h http.Header) {
		stamped = append(stamped, h.Get("Content-Type"))
		h.Set("Authorization", "Bearer tok")
	})
	var got []string
	for range 4 {
		var tgt vegeta.Target
		if err := tr(&tgt); err != nil {
			t.Fatal(err)
		}
		got = append(got, tgt.Method+" "+tgt.URL+" "+string(tgt.Body)+" "+tgt.Header.Get("Authorization"))
	}
	equal(t, "targets", got, []string{
		"GET http://api:8000/health  ",
		`POST http://api:8000/api/v1/query/?x=1 {"query":"a"} Bearer tok`,
		"GET http://api:8000/api/v1/documents/  Bearer tok",
		"GET http://api:8000/health  ",
	})
	equal(t, "stamped", stamped, []string{"application/json", ""})
	equal(t, "entry headers untouched", in[1].Header, http.Header{"Content-Type": {"application/json"}})
	var tgt vegeta.Target
	if err := tr(&tgt); !errors.Is(err, ErrNotScheduled) {
		t.Errorf("targeter past the queue: got %v, want ErrNotScheduled", err)
	}

	for n := range uint64(4) {
		p.Forget(n)
	}
	if _, ok := p.Due(1); ok || len(p.dues) != 0 {
		t.Errorf("after Forget: %d due times kept", len(p.dues))
	}
	if p.Err() != nil {
		t.Errorf("Err = %v", p.Err())
	}
}

func TestPlayerSourceErrorStops(t *testing.T) {
	boom := errors.New("boom")
	es := at(0, ms, 2*ms, 3*ms)
	open := func() (Source, error) { return &sliceSource{es: es[:2], err: boom}, nil }
	p := NewPlayer(open, infoOf(es))
	for n := range uint64(2) {
		if _, stop := p.Pace(0, n); stop {
			t.Fatalf("stopped at %d", n)
		}
	}
	if _, stop := p.Pace(0, 2); !stop {
		t.Error("no stop at the source error")
	}
	if !errors.Is(p.Err(), boom) {
		t.Errorf("Err = %v, want boom", p.Err())
	}
	if _, stop := p.Pace(0, 3); !stop {
		t.Error("Pace went on after the error")
	}

	p = NewPlayer(func() (Source, error) { return nil, boom }, infoOf(es))
	if _, stop := p.Pace(0, 0); !stop || !errors.Is(p.Err(), boom) {
		t.Errorf("open error: stop %v, Err %v", stop, p.Err())
	}
}

func TestPlayerStopsAtCountAndClose(t *testing.T) {
	es := at(0, ms, 2*ms)
	info := infoOf(es)
	info.Count = 2 // fewer than the source holds
	p := NewPlayer(sliceOpener(nil, es...), info)
	p.Pace(0, 0)
	p.Pace(0, 1)
	if _, stop := p.Pace(0, 2); !stop || p.Err() != nil {
		t.Errorf("past Count: stop %v, Err %v", stop, p.Err())
	}

	p = NewPlayer(sliceOpener(nil, es...), infoOf(es))
	p.Pace(0, 0)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, stop := p.Pace(0, 1); !stop || p.Err() != nil {
		t.Errorf("after Close: stop %v, Err %v", stop, p.Err())
	}
}

func TestPlayerRate(t *testing.T) {
	var es []Entry
	for i := range 30 { // 10/s for 1 s, then 20 in the next 0.1 s
		off := time.Duration(i) * 100 * ms
		if i >= 10 {
			off = s + time.Duration(i-10)*5*ms
		}
		es = append(es, Entry{Offset: off, Method: "GET", URL: "/"})
	}
	p := NewPlayer(sliceOpener(nil, es...), infoOf(es))
	equal(t, "mean rate before start", p.Rate(0), 30/es[29].Offset.Seconds())
	for n := range uint64(30) {
		p.Pace(es[n].Offset, n)
	}
	equal(t, "rate in the quiet second", p.Rate(950*ms), 10.0)
	equal(t, "rate after the burst", p.Rate(s+100*ms), 20.0+8) // 0.2 s … 0.9 s and the burst
}

// TestPlayerAttack replays a stream through a real vegeta attack.
func TestPlayerAttack(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+string(body)+" "+r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer srv.Close()

	es := playerEntries()
	path := writeStream(t, es)
	open, info, err := OpenStream(path, false)
	if err != nil {
		t.Fatal(err)
	}
	open, info, err = Scaled(open, info, 10, 0, 2) // 8 requests within about 60 ms
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlayer(open, info)
	defer p.Close()
	tr := p.Targeter(srv.URL, func(h http.Header) { h.Set("Authorization", "Bearer tok") })
	atk := vegeta.NewAttacker()
	var seqs []uint64
	for r := range atk.Attack(tr, p, 0, "replay") {
		if r.Error != "" {
			t.Errorf("request %d: %s", r.Seq, r.Error)
		}
		if _, ok := p.Due(r.Seq); !ok {
			t.Errorf("request %d: no due time", r.Seq)
		}
		p.Forget(r.Seq)
		seqs = append(seqs, r.Seq)
	}
	if p.Err() != nil {
		t.Fatal(p.Err())
	}
	equal(t, "sent", len(seqs), 8)
	sort.Strings(seen)
	want := []string{
		"GET /api/v1/documents/  Bearer tok", "GET /api/v1/documents/  Bearer tok",
		"GET /health  ", "GET /health  ", "GET /health  ", "GET /health  ",
		`POST /api/v1/query/?x=1 {"query":"a"} Bearer tok`, `POST /api/v1/query/?x=1 {"query":"a"} Bearer tok`,
	}
	equal(t, "received", seen, want)
	if strings.Contains(strings.Join(seen, ""), "Vegeta") {
		t.Error("vegeta headers leaked")
	}
}
