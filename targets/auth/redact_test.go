package auth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/targets"
)

// TestMask: every form of every secret is masked, whole, and nothing else.
// The forms are what real encoders write for the same password (Python's
// json.dumps, urllib.parse.quote and html.escape, JavaScript's
// encodeURIComponent, .NET's System.Text.Json, PHP's json_encode and
// htmlspecialchars), and mixes of them.
func TestMask(t *testing.T) {
	const pw = "naïve+P@ss w/rd<&>'\"!😀"
	goJSON, _ := json.Marshal(pw)
	for _, tc := range []struct{ name, form string }{
		{"raw", pw},
		{"Go form (QueryEscape)", url.QueryEscape(pw)},
		{"Go path (PathEscape)", url.PathEscape(pw)},
		{"lower-case hex", "na%c3%afve%2bP%40ss+w%2frd%3c%26%3e%27%22%21%f0%9f%98%80"},
		{"Go JSON (HTML-escaped)", strings.Trim(string(goJSON), `"`)},
		{"Go JSON without HTML escaping", `naïve+P@ss w/rd<&>'\"!😀`},
		{"Python json.dumps (ensure_ascii)", `na\u00efve+P@ss w/rd<&>'\"!\ud83d\ude00`},
		{".NET System.Text.Json", `na\u00EFve\u002BP@ss w/rd\u003C\u0026\u003E\u0027\u0022!\uD83D\uDE00`},
		{"PHP json_encode (escaped slash)", `na\u00efve+P@ss w\/rd<&>'\"!\ud83d\ude00`},
		{"Go JSON with escaped slash", `naïve+P@ss w\/rd<&>'\"!😀`},
		{"Python quote", "na%C3%AFve%2BP%40ss%20w/rd%3C%26%3E%27%22%21%F0%9F%98%80"},
		{"Python quote(safe='')", "na%C3%AFve%2BP%40ss%20w%2Frd%3C%26%3E%27%22%21%F0%9F%98%80"},
		{"Python quote_plus", "na%C3%AFve%2BP%40ss+w%2Frd%3C%26%3E%27%22%21%F0%9F%98%80"},
		{"encodeURIComponent", "na%C3%AFve%2BP%40ss%20w%2Frd%3C%26%3E'%22!%F0%9F%98%80"},
		{"mixed-case hex", "na%c3%AFve%2bP%40ss%20w%2frd%3c%26%3E%27%22%21%f0%9F%98%80"},
		{"Python html.escape", "naïve+P@ss w/rd&lt;&amp;&gt;&#x27;&quot;!😀"},
		{"PHP htmlspecialchars", "naïve+P@ss w/rd&lt;&amp;&gt;&#039;&quot;!😀"},
		{"HTML numeric", "na&#239;ve&#43;P&#x40;ss w/rd&#60;&#38;&#62;&#39;&#34;!&#x1F600;"},
		{"HTML &apos;", "naïve+P@ss w/rd&lt;&amp;&gt;&apos;&quot;!😀"},
	} {
		msg := "before " + tc.form + " after"
		if got := Mask(msg, "other", pw); got != "before *** after" {
			t.Errorf("%s: Mask(%q) = %q, want it masked", tc.name, msg, got)
		}
	}
	if got := Mask("tok-123 and pw", "", "tok-123", "pw"); got != "*** and ***" {
		t.Errorf("two secrets: %q", got)
	}
	if got := Mask("nothing to hide", "", ""); got != "nothing to hide" {
		t.Errorf("empty secrets: %q", got)
	}
	// A form that holds a shorter one is masked whole, not half.
	if got := Mask("a%2Bb", "a+b"); got != "***" {
		t.Errorf("Mask(a%%2Bb, a+b) = %q", got)
	}
	// Only what decodes to the secret is masked: a part of it, another
	// character, a literal escape the secret does not hold are kept.
	for _, keep := range []string{"naïve+P@ss", "na%C3%AFve%2BP%40ss%20w%2Frd%3C%26%3E%27%22%21%F0%9F%98%81",
		`na\u00efve+P@ss w/rd<&>'\"!\ud83d`, "naïve P@ss w/rd<&>'\"!😀", "&amp;&#;&#x;%zz\\u12"} {
		if got := Mask(keep, pw); got != keep {
			t.Errorf("Mask(%q) = %q, want it unchanged", keep, got)
		}
	}
	// A secret that holds escapes itself is masked as is and encoded.
	for _, form := range []string{`%41&amp;\u0041`, "%2541%26amp%3B%5Cu0041", `%41&amp;amp;\\u0041`} {
		if got := Mask("x "+form+" y", `%41&amp;\u0041`); got != "x *** y" {
			t.Errorf("a secret with escapes: Mask(%q) = %q", form, got)
		}
	}
}

// TestMaskCost: a megabyte without the secret costs one pass and no
// allocation but the list of secrets; with escapes that almost match, still
// a bounded amount.
func TestMaskCost(t *testing.T) {
	plain := strings.Repeat("abcdefgh", 1<<17)
	if n := testing.AllocsPerRun(2, func() { Mask(plain, "S3cret-Pa55!") }); n > 2 {
		t.Errorf("Mask of 1 MB without the secret: %v allocations", n)
	}
	hostile := strings.Repeat("%25%25%25%25", 1<<14) // ambiguous at every byte for a secret of '%'
	start := time.Now()
	if got := Mask(hostile, strings.Repeat("%", 64)+"x"); got != hostile {
		t.Error("masked a secret that is not there")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Mask of an ambiguous 160 kB took %v", d)
	}
}

func TestCleartextWarning(t *testing.T) {
	for _, base := range []string{"http://api.example.com", "http://10.0.0.8:8000/rag", "http://api.example.test:80", "http://localhost.example", "http://[2001:db8::1]"} {
		w := CleartextWarning(base)
		u, _ := url.Parse(base)
		if want := "credentials go over plain HTTP to " + u.Host + ", which is not loopback"; !strings.HasPrefix(w, want) {
			t.Errorf("CleartextWarning(%q) = %q, want %q…", base, w, want)
		}
	}
	for _, base := range []string{"https://api.example.com", "http://127.0.0.1:8000", "http://127.9.9.9", "http://localhost:8000", "http://LOCALHOST.",
		"http://rag.localhost", "http://[::1]:8000", "not a url\x7f"} {
		if w := CleartextWarning(base); w != "" {
			t.Errorf("CleartextWarning(%q) = %q, want none", base, w)
		}
	}
}

// TestPoolPrintsNoUserinfo: a pool prints its login URL, and its login
// errors name it, without the password of a base URL with userinfo.
func TestPoolPrintsNoUserinfo(t *testing.T) {
	base := strings.Replace(testtool.RefusedURL(t), "http://", "http://admin:url-S3cret@", 1)
	p := NewPool(http.DefaultClient, base, targets.Default().Auth, []Credential{{"u", "pw"}})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, p); strings.Contains(s, "url-S3cret") || !strings.Contains(s, "admin:xxxxx@127.0.0.1:") {
			t.Errorf("Sprintf(%s) = %s", verb, s)
		}
	}
	err := p.Login(t.Context())
	if err == nil || strings.Contains(err.Error(), "url-S3cret") || !strings.Contains(err.Error(), `login as "u" at http://admin:xxxxx@127.0.0.1:`) {
		t.Errorf("Login = %v, want a failure naming the URL without its password", err)
	}
}
