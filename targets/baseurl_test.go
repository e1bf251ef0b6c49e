package targets

import (
	"strings"
	"testing"
)

func TestCheckBaseURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"http://127.0.0.1:8000", ""},
		{"https://rag.example.com/api", ""},
		{"127.0.0.1:8000", `"127.0.0.1:8000" has no scheme: want "http://127.0.0.1:8000" (or https://…)`},
		{"localhost:8000/api", `"localhost:8000/api" has no scheme: want "http://localhost:8000/api" (or https://…)`},
		{"rag.example.com", `"rag.example.com" has no scheme: want "http://rag.example.com" (or https://…)`},
		{"ftp://example.com", `"ftp://example.com": want http://host[:port] or https://host[:port]`},
		{"http://", `"http://": want http://host[:port] or https://host[:port]`},
		{"", `"": want http://host[:port] or https://host[:port]`},
		// A password in the userinfo is never shown.
		{"bob:s3cret-pw@127.0.0.1:8000", `"xxxxx@127.0.0.1:8000" has no scheme: want "http://xxxxx@127.0.0.1:8000" (or https://…)`},
		{"ftp://bob:s3cret-pw@example.com/x@y", `"ftp://xxxxx@example.com/x@y": want`},
	} {
		err := CheckBaseURL(c.in)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v", c.in, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%q: %v, want %s", c.in, err, c.want)
		case err != nil && strings.Contains(err.Error(), "s3cret"):
			t.Errorf("%q: the error shows the password: %v", c.in, err)
		}
	}
}

// TestCheckBaseURLRefusesQuery: a base URL with a query (say a token) is
// refused without quoting the query: endpoint paths would be joined after
// it, and it would be shown on screen and stored in run.json.
func TestCheckBaseURLRefusesQuery(t *testing.T) {
	for _, raw := range []string{"http://127.0.0.1:8000/?token=s3cret-tok", "http://127.0.0.1:8000/api#s3cret-tok", "https://h?"} {
		err := CheckBaseURL(raw)
		if err == nil {
			t.Errorf("CheckBaseURL(%q) accepted a query or fragment", raw)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("CheckBaseURL(%q) = %v: quotes the secret", raw, err)
		}
	}
	if err := CheckBaseURL("http://127.0.0.1:8000/api"); err != nil {
		t.Errorf("a path prefix refused: %v", err)
	}
}
