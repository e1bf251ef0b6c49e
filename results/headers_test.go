package results

import (
	"net/http"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestTrim(t *testing.T) {
	for _, keep := range []bool{false, true} {
		r := &vegeta.Result{
			Code:    200,
			Body:    []byte(`{"answer":42}`),
			Headers: http.Header{"Set-Cookie": {"session=secret"}, "Content-Type": {"application/json"}},
		}
		Trim(r, keep)
		if r.Headers != nil {
			t.Errorf("keepBody=%v: headers kept: %v", keep, r.Headers)
		}
		if keep && string(r.Body) != `{"answer":42}` {
			t.Errorf("keepBody=true: body = %q", r.Body)
		}
		if !keep && r.Body != nil {
			t.Errorf("keepBody=false: body kept: %q", r.Body)
		}
		if r.Code != 200 {
			t.Errorf("Trim changed the code to %d", r.Code)
		}
	}
}

// TestTrimRedactsErrorURLs: Go's transport errors quote the request's URL,
// userinfo and all; a stored result keeps the message without it. A result
// without an error, or an error without "@", costs no allocation.
func TestTrimRedactsErrorURLs(t *testing.T) {
	r := &vegeta.Result{Error: `Get "http://TOKEN-123@127.0.0.1:8000/health": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`}
	Trim(r, false)
	if want := `Get "http://xxxxx@127.0.0.1:8000/health": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`; r.Error != want {
		t.Errorf("Error = %q, want %q", r.Error, want)
	}
	for _, e := range []string{"", `Get "http://127.0.0.1:8000/health": EOF`} {
		r := &vegeta.Result{Error: e}
		if n := testing.AllocsPerRun(10, func() { Trim(r, false) }); n != 0 || r.Error != e {
			t.Errorf("Trim with error %q: %v allocations, error now %q", e, n, r.Error)
		}
	}
}

func TestTrimThenSetLag(t *testing.T) {
	r := &vegeta.Result{Headers: http.Header{"Set-Cookie": {"session=secret"}}}
	Trim(r, false)
	SetLag(r, 3*time.Millisecond)
	if len(r.Headers) != 1 || r.Headers.Get(LagHeader) != "3000" {
		t.Errorf("headers after Trim+SetLag = %v, want only %s: 3000", r.Headers, LagHeader)
	}
}

func TestSetLagKeepsOtherHeaders(t *testing.T) {
	r := &vegeta.Result{Headers: http.Header{"X-Other": {"1"}}}
	SetLag(r, time.Second)
	SetLag(r, 2*time.Second) // replaces, never appends
	if r.Headers.Get("X-Other") != "1" {
		t.Errorf("SetLag dropped another header: %v", r.Headers)
	}
	if v := r.Headers[LagHeader]; len(v) != 1 || v[0] != "2000000" {
		t.Errorf("%s = %q, want [2000000]", LagHeader, v)
	}
}

func TestSetLagLag(t *testing.T) {
	cases := []struct {
		set  time.Duration
		want time.Duration
	}{
		{0, 0},
		{-5 * time.Millisecond, 0}, // early sends count as on time
		{1500 * time.Nanosecond, time.Microsecond},
		{999 * time.Nanosecond, 0},
		{1234567 * time.Microsecond, 1234567 * time.Microsecond},
		{90*time.Minute + 7*time.Microsecond + 900, 90*time.Minute + 7*time.Microsecond},
	}
	for _, c := range cases {
		r := &vegeta.Result{}
		SetLag(r, c.set)
		got, ok := Lag(r)
		if !ok || got != c.want {
			t.Errorf("SetLag(%v): Lag = %v, %v; want %v, true", c.set, got, ok, c.want)
		}
	}
}

// TestLagOldHeader: files written before LagHeader was shortened carry
// the lag as X-Ragload-Lag, and still read.
func TestLagOldHeader(t *testing.T) {
	r := &vegeta.Result{Headers: http.Header{"X-Ragload-Lag": {"1500"}}}
	if got, ok := Lag(r); !ok || got != 1500*time.Microsecond {
		t.Errorf("Lag of an old result = %v, %v; want 1.5ms, true", got, ok)
	}
}

func TestLagMissingOrMalformed(t *testing.T) {
	cases := []struct {
		name    string
		headers http.Header
	}{
		{"nil headers", nil},
		{"no lag header", http.Header{"Content-Type": {"text/plain"}}},
		{"empty values", http.Header{LagHeader: {}}},
		{"not a number", http.Header{LagHeader: {"soon"}}},
		{"a duration", http.Header{LagHeader: {"3ms"}}},
		{"negative", http.Header{LagHeader: {"-5"}}},
		{"fraction", http.Header{LagHeader: {"1.5"}}},
		{"empty string", http.Header{LagHeader: {""}}},
		{"old name, malformed", http.Header{oldLagHeader: {"soon"}}},
	}
	for _, c := range cases {
		r := &vegeta.Result{Headers: c.headers}
		if got, ok := Lag(r); ok || got != 0 {
			t.Errorf("%s: Lag = %v, %v; want 0, false", c.name, got, ok)
		}
	}
}
