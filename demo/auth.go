package demo

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// errUserExists is returned when registering a taken username.
var errUserExists = errors.New("user already registered")

// user is a registered account; the password is kept only as a salted hash.
type user struct {
	id   int64
	salt [16]byte
	hash [sha256.Size]byte
}

// userStore is a mutex-protected map of registered users.
type userStore struct {
	mu     sync.RWMutex
	users  map[string]*user
	nextID int64
}

func newUserStore() *userStore {
	return &userStore{users: map[string]*user{}, nextID: 1}
}

func hashPassword(salt [16]byte, password string) [sha256.Size]byte {
	h := sha256.New()
	h.Write(salt[:])
	h.Write([]byte(password))
	var out [sha256.Size]byte
	copy(out[:], h.Sum(nil))
	return out
}

// add registers username and returns its id, or errUserExists.
func (u *userStore) add(username, password string) (int64, error) {
	nu := &user{}
	rand.Read(nu.salt[:]) // crypto/rand.Read never fails (Go 1.24+)
	nu.hash = hashPassword(nu.salt, password)
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.users[username]; ok {
		return 0, fmt.Errorf("register %q: %w", username, errUserExists)
	}
	nu.id = u.nextID
	u.nextID++
	u.users[username] = nu
	return nu.id, nil
}

// check reports whether password is correct for username.
func (u *userStore) check(username, password string) bool {
	u.mu.RLock()
	usr, ok := u.users[username]
	u.mu.RUnlock()
	if !ok {
		return false
	}
	h := hashPassword(usr.salt, password)
	return subtle.ConstantTimeCompare(h[:], usr.hash[:]) == 1
}

// exists reports whether username is registered.
func (u *userStore) exists(username string) bool {
	u.mu.RLock()
	defer u.mu.RUnlock()
	_, ok := u.users[username]
	return ok
}

// id returns username's id, or 0 when it is not registered.
func (u *userStore) id(username string) int64 {
	u.mu.RLock()
	defer u.mu.RUnlock()
	if usr, ok := u.users[username]; ok {
		return usr.id
	}
	return 0
}

// jwtHeader is the fixed, pre-encoded HS256 JWT header.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// claims is the JWT payload.
type claims struct {
	Sub string `json:"sub"`
	Exp int64  `json:"exp"`
	Iat int64  `json:"iat"`
	Jti string `json:"jti"`
}

// signer issues and verifies HS256 access tokens.
type signer struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

func (s *signer) sign(signingInput string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(signingInput))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// issue creates a token for sub issued at iat.
func (s *signer) issue(sub string, iat time.Time) (string, error) {
	var jti [16]byte
	rand.Read(jti[:])
	p, err := json.Marshal(claims{
		Sub: sub,
		Exp: iat.Add(s.ttl).Unix(),
		Iat: iat.Unix(),
		Jti: hex.EncodeToString(jti[:]),
	})
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	in := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(p)
	return in + "." + s.sign(in), nil
}

// verify checks the signature, header and expiry of tok and returns its
// subject.
func (s *signer) verify(tok string) (string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", errors.New("malformed token")
	}
	in := parts[0] + "." + parts[1]
	if !hmac.Equal([]byte(parts[2]), []byte(s.sign(in))) {
		return "", errors.New("bad signature")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return "", fmt.Errorf("decode header: %w", err)
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return "", fmt.Errorf("parse header: %w", err)
	}
	if h.Alg != "HS256" {
		return "", fmt.Errorf("unexpected alg %q", h.Alg)
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("decode payload: %w", err)
	}
	var c claims
	if err := json.Unmarshal(pb, &c); err != nil {
		return "", fmt.Errorf("parse payload: %w", err)
	}
	if c.Sub == "" {
		return "", errors.New("missing subject")
	}
	if s.now().Unix() >= c.Exp {
		return "", errors.New("token expired")
	}
	return c.Sub, nil
}

// authenticate extracts and verifies the Bearer token of r and returns the
// username of an existing user.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	sub, err := s.tokens.verify(strings.TrimSpace(tok))
	if err != nil || !s.users.exists(sub) {
		return "", false
	}
	return sub, true
}

// recordToken remembers tok when Config.RecordTokens is set.
func (s *Server) recordToken(tok string) {
	if !s.cfg.RecordTokens {
		return
	}
	s.tokMu.Lock()
	s.issued = append(s.issued, tok)
	s.tokMu.Unlock()
}

// IssuedTokens returns a copy of every access token issued so far. It is
// empty unless Config.RecordTokens is set.
func (s *Server) IssuedTokens() []string {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	return append([]string(nil), s.issued...)
}
