package targets

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestMask: every form of every secret is masked, whole, and nothing else.
func TestMask(t *testing.T) {
	const pw = `p&ss w/rd+<"é">`
	js, _ := json.Marshal(pw)
	forms := []string{pw, url.QueryEscape(pw), url.PathEscape(pw), strings.ToLower(url.QueryEscape(pw)),
		strings.Trim(string(js), `"`), `p&ss w/rd+<\"é\">`}
	for _, f := range forms {
		msg := "before " + f + " after"
		if got := Mask(msg, "other", pw); got != "before *** after" {
			t.Errorf("Mask(%q) = %q, want it masked", msg, got)
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
}

func TestSecretHeader(t *testing.T) {
	for _, h := range []string{"Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Api-Key", "X-API-KEY",
		"X-Auth-Token", "X-Access-Token", "X-Csrf-Token", "X-Amz-Security-Token", "X-Client-Secret", "X-Password", "Apikey", "X-Api_Key",
		"Private-Token", "X-Credentials"} {
		if !SecretHeader(h) {
			t.Errorf("SecretHeader(%q) = false", h)
		}
	}
	for _, h := range []string{"Content-Type", "Accept", "X-Request-Id", "User-Agent", "X-Idempotency-Key", "X-Vegeta-Seq", ""} {
		if SecretHeader(h) {
			t.Errorf("SecretHeader(%q) = true", h)
		}
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
	base := strings.Replace(refusedURL(t), "http://", "http://admin:url-S3cret@", 1)
	p := NewPool(http.DefaultClient, base, Default().Auth, []Credential{{"u", "pw"}})
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
