package targets

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Token is an access token in hand.
type Token struct {
	Value    string
	Obtained time.Time
	// Expires is the JWT exp claim, or now+expires_in from the login
	// response; zero when neither says (then only a 401 triggers a refresh).
	Expires time.Time
	// ClockOffset is the server's clock minus ours, from the response's
	// Date header (to about half a second); ok is false without one.
	ClockOffset   time.Duration
	ClockOffsetOK bool
}

// LoginError is a failed login. Its message names the user and the URL,
// never the password (it is masked even where the server echoes it).
type LoginError struct {
	User   string
	URL    string
	Status string // HTTP status line; empty on a transport error
	Code   int    // HTTP status code; 0 on a transport error
	Detail string
	Err    error
}

func (e *LoginError) Error() string {
	msg := fmt.Sprintf("login as %q at %s", e.User, e.URL)
	switch {
	case e.Err != nil:
		msg += ": " + e.Err.Error()
		if errors.Is(e.Err, syscall.ECONNREFUSED) {
			msg += " (is the server running?)"
		}
	case e.Status != "":
		msg += ": " + e.Status
		if e.Detail != "" {
			msg += ": " + e.Detail
		}
	default:
		msg += ": " + e.Detail
	}
	return msg
}

func (e *LoginError) Unwrap() error { return e.Err }

// login posts the form login once and returns the token.
func login(ctx context.Context, client *http.Client, loginURL string, a Auth, c Credential) (*Token, error) {
	code := 0
	fail := func(status, detail string, err error) error {
		if c.Password != "" {
			detail = strings.ReplaceAll(detail, c.Password, "***")
		}
		return &LoginError{User: c.Username, URL: loginURL, Status: status, Code: code, Detail: detail, Err: err}
	}
	form := url.Values{a.UsernameField: {c.Username}, a.PasswordField: {c.Password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, loginURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fail("", "", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	sent := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in our message already
		}
		return nil, fail("", "", err)
	}
	defer resp.Body.Close()
	code = resp.StatusCode
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fail(resp.Status, "", fmt.Errorf("read response: %w", err))
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		detail := string(body)
		if c.Password != "" { // mask before snippet cuts the password in two
			detail = strings.ReplaceAll(detail, c.Password, "***")
		}
		return nil, fail(resp.Status, snippet([]byte(detail)), nil)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fail(resp.Status, "response is not JSON", nil)
	}
	v, ok := lookup(doc, a.TokenField).(string)
	if !ok || v == "" {
		return nil, fail(resp.Status, fmt.Sprintf("response has no string field %q (fields: %s)", a.TokenField, strings.Join(keys(doc), ", ")), nil)
	}
	now := time.Now()
	t := &Token{Value: v, Obtained: now, Expires: jwtExpiry(v)}
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		// Date has whole seconds: its middle is half a second later.
		mid := sent.Add(now.Sub(sent) / 2)
		t.ClockOffset, t.ClockOffsetOK = date.Add(500*time.Millisecond).Sub(mid), true
	}
	if t.Expires.IsZero() {
		if secs, ok := doc["expires_in"].(float64); ok && secs > 0 {
			t.Expires = now.Add(time.Duration(secs * float64(time.Second)))
		}
	}
	return t, nil
}

// lookup follows a dotted path through nested JSON objects.
func lookup(doc map[string]any, path string) any {
	var cur any = doc
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// jwtExpiry reads the exp claim of a JWT without verifying it (the client
// only needs to know when to log in again); zero if t is not a JWT.
func jwtExpiry(t string) time.Time {
	parts := strings.Split(t, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp <= 0 {
		return time.Time{}
	}
	sec := int64(claims.Exp)
	return time.Unix(sec, int64((claims.Exp-float64(sec))*1e9))
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
