package targets

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/ragload/ragload/internal/input"
)

// CheckBaseURL checks that raw is the base URL of an API: http or https,
// with a host. A value without a scheme ("127.0.0.1:8000",
// "localhost:8000/api") is told what to write instead, http:// added.
// Messages quote an excerpt of the value with any userinfo (a password, a
// token) replaced by xxxxx.
func CheckBaseURL(raw string) error {
	u, err := url.Parse(raw)
	shown := hideUserinfo(raw)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
			// Endpoint paths are joined to the base: a query would end up in
			// the middle of every URL (and a token in it on screen and in
			// run.json). Not quoted: it may hold a secret.
			return fmt.Errorf("%s…: a base URL takes no query (?…) or fragment (#…): give the scheme, host and path prefix only", input.Quote(u.Scheme+"://"+hideUserinfo(u.Host)))
		}
		return nil
	}
	if !strings.Contains(raw, "://") && raw != "" {
		if v, err := url.Parse("http://" + raw); err == nil && v.Host != "" {
			return fmt.Errorf("%s has no scheme: want %s (or https://…)", input.Quote(shown), input.Quote("http://"+shown))
		}
	}
	return fmt.Errorf("%s: want http://host[:port] or https://host[:port]", input.Quote(shown))
}

// hideUserinfo replaces the userinfo of a URL, with or without a scheme,
// by xxxxx.
func hideUserinfo(s string) string {
	rest := s
	prefix := ""
	if scheme, r, ok := strings.Cut(s, "://"); ok {
		prefix, rest = scheme+"://", r
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return prefix + "xxxxx" + rest[at:]
	}
	return s
}
