package replay

import (
	"net/http"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/targets"
)

// TestMatcherBuildsBodiesAsTargets checks that access-log entries get the
// bodies and headers that the targets package sends for the same endpoint.
func TestMatcherBuildsBodiesAsTargets(t *testing.T) {
	sc := targets.Default()
	sc.Endpoints = append(sc.Endpoints,
		targets.Endpoint{Key: "raw", Name: "raw", Method: "POST", Path: "/raw", Weight: 1, Body: "q=" + targets.QueryPlaceholder,
			Header: map[string]string{"content-type": "text/plain"}},
		targets.Endpoint{Key: "fixed", Name: "fixed", Method: "PUT", Path: "/fixed?v=1", Weight: 1, JSON: map[string]any{"a": []any{1, "b"}}},
	)
	mix, err := targets.NewMix(sc, "http://h")
	if err != nil {
		t.Fatal(err)
	}
	m, err := newMatcher(sc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range mix.Len() {
		e := mix.Endpoint(i)
		rt := m.route(e.Method, e.Path)
		if rt == nil {
			t.Fatalf("%s: no route", e.Name)
		}
		for b, body := range rt.bodies {
			var tgt vegeta.Target
			mix.Fill(&tgt, i, b, nil)
			if string(tgt.Body) != string(body) {
				t.Errorf("%s body %d: %s, targets sends %s", e.Name, b, body, tgt.Body)
			}
			equal(t, e.Name+" header", rt.header, nilIfEmpty(tgt.Header))
		}
		if want := map[bool]int{true: len(sc.Queries), false: 1}[strings.Contains(e.Name, "query") || e.Key == "raw"]; e.Method != "GET" && len(rt.bodies) != want {
			t.Errorf("%s: %d bodies, want %d", e.Name, len(rt.bodies), want)
		}
	}
}

func nilIfEmpty(h http.Header) http.Header {
	if len(h) == 0 {
		return nil
	}
	return h
}

func TestMatcherNeedsQueries(t *testing.T) {
	sc := targets.Default()
	sc.Queries = nil
	if _, err := newMatcher(sc); err == nil || !strings.Contains(err.Error(), "question pool is empty") {
		t.Errorf("got %v", err)
	}
	path := writeFile(t, "a.log", `1.2.3.4 - - [01/Mar/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 1`+"\n")
	if _, _, err := FromAccessLog(path, sc, 1, false); err == nil {
		t.Error("FromAccessLog: no error")
	}
}
