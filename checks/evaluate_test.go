package checks

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// ragAnswer is a typical answer of a RAG query endpoint, about 1 KB.
var ragAnswer = []byte(`{"query":"How do I rotate the signing keys?","answer":"Signing keys are rotated by creating a new key, publishing it next to the old one in the JWKS document, switching the issuer to sign with the new key, and removing the old key once every token it signed has expired. The rotation runbook lists the commands for each step and the dashboards to watch while the new key takes over.","sources":[{"document_id":"doc_0192","title":"Key rotation runbook","chunk":"Create the new key with the key service, then publish it alongside the current key.","score":0.912},{"document_id":"doc_0077","title":"Token lifetimes","chunk":"Access tokens live 15 minutes; refresh tokens 30 days.","score":0.844},{"document_id":"doc_0310","title":"JWKS endpoint","chunk":"The JWKS document lists every key a verifier should accept.","score":0.801}],"model":"rag-demo-1","usage":{"prompt_tokens":812,"completion_tokens":74},"latency_ms":412}`)

// degraded is the demo's degraded answer: 200, no sources, a fallback.
var degraded = []byte(`{"query":"How do I rotate the signing keys?","answer":"I couldn't find that in the documents.","sources":[]}`)

func TestEvaluateIssueExample(t *testing.T) {
	s := issueSet(t)
	if got := s.Names(); !slices.Equal(got, []string{"status 2xx", "answer not empty", "sources ≥ 1 item", `body lacks "I couldn't find"`}) {
		t.Errorf("names %q", got)
	}
	for _, tc := range []struct {
		name    string
		r       Response
		failed  []int
		excerpt string
	}{
		{"good", Response{Code: 200, Body: ragAnswer}, nil, ""},
		{"degraded", Response{Code: 200, Body: degraded}, []int{2, 3}, "[]"},
		{"503", Response{Code: 503, Body: []byte(`{"detail":"Service Unavailable"}`)}, []int{0, 1, 2}, "503"},
		{"empty answer", Response{Code: 201, Body: []byte(`{"answer":"  ","sources":[{}]}`)}, nil, ""},
		{"null answer", Response{Code: 200, Body: []byte(`{"answer":null,"sources":[{}]}`)}, []int{1}, "null"},
		{"no answer", Response{Code: 200, Body: []byte(`{"sources":[1]}`)}, []int{1}, `{"sources":[1]}`},
		{"not a list", Response{Code: 200, Body: []byte(`{"answer":"a","sources":{"a":1}}`)}, []int{2}, `{"a":1}`},
		{"html", Response{Code: 200, Body: []byte("<html>\n<body>I couldn't find it</body></html>")}, []int{1, 2, 3}, "<html> <body>I couldn't find it</body></…"},
		{"cut", Response{Code: 200, Body: ragAnswer[:500]}, []int{1, 2}, string(ragAnswer[:40]) + "…"},
		{"lacks", Response{Code: 200, Body: []byte(`{"answer":"Sorry, I couldn't find that in the documents.","sources":[{"id":1}]}`)}, []int{3}, `I couldn't find that in the documents.",…`},
	} {
		o := s.Evaluate(&tc.r, nil)
		if !slices.Equal(o.Failed, tc.failed) || o.Excerpt != tc.excerpt || o.OK() != (tc.failed == nil) {
			t.Errorf("%s: failed %v excerpt %q ok %v; want %v %q", tc.name, o.Failed, o.Excerpt, o.OK(), tc.failed, tc.excerpt)
		}
	}
}

func TestEvaluateKinds(t *testing.T) {
	body := []byte(`{"model":"gpt-4o","n":3,"tags":["a","b"],"empty":{},"error":{"code":7},"s":""}`)
	for _, tc := range []struct {
		spec    Spec
		r       Response
		ok      bool
		excerpt string
	}{
		{Spec{Status: ptr("200")}, Response{Code: 200}, true, ""},
		{Spec{Status: ptr("200")}, Response{Code: 201}, false, "201"},
		{Spec{Status: ptr("4xx")}, Response{Code: 429}, true, ""},
		{Spec{Status: ptr("4xx")}, Response{Code: 0}, false, "0"},
		{Spec{JSON: ptr("model"), Matches: ptr("^gpt-4")}, Response{Body: body}, true, ""},
		{Spec{JSON: ptr("model"), Matches: ptr("^claude")}, Response{Body: body}, false, "gpt-4o"},
		{Spec{JSON: ptr("n"), Matches: ptr("^[0-9]+$")}, Response{Body: body}, true, ""},
		{Spec{JSON: ptr("nope"), Matches: ptr(".")}, Response{Body: []byte(`{}`)}, false, "{}"},
		{Spec{JSON: ptr("tags.1")}, Response{Body: body}, true, ""},
		{Spec{JSON: ptr("tags.2")}, Response{Body: []byte(`{"tags":[]}`)}, false, `{"tags":[]}`},
		{Spec{JSON: ptr("error"), Present: ptr(false)}, Response{Body: body}, false, `{"code":7}`},
		{Spec{JSON: ptr("warning"), Present: ptr(false)}, Response{Body: body}, true, ""},
		{Spec{JSON: ptr("empty"), NotEmpty: ptr(true)}, Response{Body: body}, false, "{}"},
		{Spec{JSON: ptr("s"), NotEmpty: ptr(true)}, Response{Body: body}, false, `""`},
		{Spec{JSON: ptr("n"), NotEmpty: ptr(true)}, Response{Body: body}, true, ""},
		{Spec{JSON: ptr("tags"), MinItems: ptr(2)}, Response{Body: body}, true, ""},
		{Spec{JSON: ptr("tags"), MinItems: ptr(3)}, Response{Body: body}, false, `["a","b"]`},
		{Spec{JSON: ptr("tags.#"), Matches: ptr("^2$")}, Response{Body: body}, true, ""},
		{Spec{BodyContains: ptr(`"model"`)}, Response{Body: body}, true, ""},
		{Spec{BodyContains: ptr("sources")}, Response{Body: []byte("short")}, false, "short"},
		{Spec{BodyNotContains: ptr("gpt")}, Response{Body: body}, false, `gpt-4o","n":3,"tags":["a","b"],"empty":{…`},
		{Spec{MaxBody: ptr("10")}, Response{Body: []byte("0123456789")}, true, ""},
		{Spec{MaxBody: ptr("10")}, Response{Body: []byte("0123456789x")}, false, "11 bytes"},
		{Spec{MaxBody: ptr("1MB")}, Response{Body: []byte("x"), Size: 5e6}, false, "5000000 bytes"},
		{Spec{StreamDone: ptr(true)}, Response{Stream: &Stream{Done: true, Tokens: 3}}, true, ""},
		{Spec{StreamDone: ptr(true)}, Response{Stream: &Stream{Tokens: 3}}, false, "no done event after 3 tokens"},
		{Spec{StreamDone: ptr(true)}, Response{}, false, "not streamed"},
		{Spec{MinTokens: ptr(5)}, Response{Stream: &Stream{Tokens: 5}}, true, ""},
		{Spec{MinTokens: ptr(5)}, Response{Stream: &Stream{Tokens: 1}}, false, "1 token"},
		{Spec{MinTokens: ptr(5)}, Response{}, false, "not streamed"},
	} {
		c, err := Compile(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		o := Set{c}.Evaluate(&tc.r, nil)
		if o.OK() != tc.ok || o.Excerpt != tc.excerpt {
			t.Errorf("%s on %q: ok %v excerpt %q; want %v %q", c.Name(), tc.r.Body, o.OK(), o.Excerpt, tc.ok, tc.excerpt)
		}
	}
}

// TestEvaluateMasksExcerpt: a secret the server echoes never reaches the
// excerpt, not even its first bytes when the excerpt's cut falls inside it.
func TestEvaluateMasksExcerpt(t *testing.T) {
	const secret = "s3cr3t-t0ken-0123456789abcdef"
	mask := func(s string) string { return strings.ReplaceAll(s, secret, "***") }
	c, _ := Compile(Spec{BodyNotContains: ptr("Sorry")})
	for _, pad := range []int{0, 10, 30, 34} {
		body := []byte("Sorry" + strings.Repeat(".", pad) + secret + " and more text after it")
		want := cut("Sorry"+strings.Repeat(".", pad)+"*** and more text after it", MaxExcerpt)
		o := Set{c}.Evaluate(&Response{Code: 200, Body: body}, mask)
		if o.OK() || o.Excerpt != want {
			t.Errorf("pad %d: excerpt %q, want %q", pad, o.Excerpt, want)
		}
		if unmasked := (Set{c}).Evaluate(&Response{Code: 200, Body: body}, nil); unmasked.Excerpt == want {
			t.Errorf("pad %d: without a mask the excerpt is %q too: the test proves nothing", pad, unmasked.Excerpt)
		}
	}
}

// TestEvaluateExcerptBounded: an excerpt is at most MaxExcerpt bytes of
// the value (and an ellipsis), valid UTF-8, on one line, and a copy.
func TestEvaluateExcerptBounded(t *testing.T) {
	c, _ := Compile(Spec{BodyContains: ptr("nowhere")})
	body := []byte(strings.Repeat("é\n\x00\xff", 100))
	o := Set{c}.Evaluate(&Response{Body: body}, nil)
	if len(o.Excerpt) > MaxExcerpt+len("…")+3*10 || !utf8.ValidString(o.Excerpt) || strings.ContainsAny(o.Excerpt, "\n\x00") {
		t.Errorf("excerpt %q (%d bytes)", o.Excerpt, len(o.Excerpt))
	}
	before := o.Excerpt
	for i := range body {
		body[i] = 'z'
	}
	if o.Excerpt != before {
		t.Errorf("the excerpt shares the body's memory: %q became %q", before, o.Excerpt)
	}
}

// TestEvaluatePassAllocs: a response that passes costs no allocation.
func TestEvaluatePassAllocs(t *testing.T) {
	s := issueSet(t)
	r := &Response{Code: 200, Body: ragAnswer}
	if n := testing.AllocsPerRun(100, func() { s.Evaluate(r, nil) }); n != 0 {
		t.Errorf("%v allocations per passing response, want 0", n)
	}
}

// BenchmarkEvaluate: the four checks of the issue's example on a 1 KB
// RAG answer, passing and failing.
func BenchmarkEvaluate(b *testing.B) {
	s := issueSet(b)
	for _, bc := range []struct {
		name string
		body []byte
	}{{fmt.Sprintf("pass-%dB", len(ragAnswer)), ragAnswer}, {fmt.Sprintf("degraded-%dB", len(degraded)), degraded}} {
		b.Run(bc.name, func(b *testing.B) {
			r := &Response{Code: 200, Body: bc.body}
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				s.Evaluate(r, nil)
			}
		})
	}
}

// TestEvaluateExcerptOfCutBody: a JSON body over the read cap is cut, so
// a JSON check fails on it; its excerpt must say so rather than show the
// start of a body whose answer is there ("answer not empty" failing on
// {"answer":"xxxx…).
func TestEvaluateExcerptOfCutBody(t *testing.T) {
	c, err := Compile(Spec{JSON: ptr("answer"), NotEmpty: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"answer":"` + strings.Repeat("x", 100) + `"}`)
	o := Set{c}.Evaluate(&Response{Code: 200, Body: body[:64], Size: int64(len(body))}, nil)
	if want := "not JSON: cut at 64 of 113 B"; len(o.Failed) != 1 || o.Excerpt != want {
		t.Errorf("failed %v, excerpt %q, want [0] and %q", o.Failed, o.Excerpt, want)
	}
	o = Set{c}.Evaluate(&Response{Code: 200, Body: []byte("<html>")}, nil)
	if o.Excerpt != "<html>" {
		t.Errorf("excerpt of a body that is not JSON %q, want the body", o.Excerpt)
	}
}
