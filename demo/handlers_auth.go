package demo

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"
)

// maxFormBytes caps request bodies of non-upload routes.
const maxFormBytes = 1 << 20

// handleHealth answers GET /health outside the worker pool.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request, _ string) {
	if !sleepCtx(r.Context(), s.sampler.sample(s.latency[routeHealth])) {
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"status": "healthy"})
}

// credentials reads username and password from a JSON body (accepting
// "email" when "username" is absent) or from form fields.
func credentials(w http.ResponseWriter, r *http.Request, allowJSON bool) (user, pass string, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "multipart/form-data":
		if err := r.ParseMultipartForm(maxFormBytes); err != nil {
			return "", "", errors.New("invalid form body")
		}
		return r.PostFormValue("username"), r.PostFormValue("password"), nil
	case mt == "application/x-www-form-urlencoded" || !allowJSON:
		if err := r.ParseForm(); err != nil {
			return "", "", errors.New("invalid form body")
		}
		return r.PostFormValue("username"), r.PostFormValue("password"), nil
	}
	var body struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return "", "", errors.New("invalid JSON body")
	}
	if body.Username == "" {
		body.Username = body.Email
	}
	return body.Username, body.Password, nil
}

// handleRegister answers POST /api/v1/auth/register.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request, _ string) {
	user, pass, err := credentials(w, r, true)
	if err != nil {
		writeDetail(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	user = strings.TrimSpace(user)
	if user == "" || pass == "" {
		writeDetail(w, http.StatusUnprocessableEntity, "username and password are required")
		return
	}
	if _, ok := s.work(r, routeRegister); !ok {
		return
	}
	id, err := s.users.add(user, pass)
	if errors.Is(err, errUserExists) {
		writeDetail(w, http.StatusBadRequest, "User already registered")
		return
	}
	s.stats.registrations.Add(1)
	s.writeJSON(w, http.StatusCreated, struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	}{id, user})
}

// loginResponse is the OAuth2 token response.
type loginResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// handleLogin answers POST /api/v1/auth/login (OAuth2 password form).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request, _ string) {
	user, pass, err := credentials(w, r, false)
	if err != nil {
		writeDetail(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if user == "" || pass == "" {
		writeDetail(w, http.StatusUnprocessableEntity, "username and password are required")
		return
	}
	if _, ok := s.work(r, routeLogin); !ok {
		return
	}
	if !s.users.check(user, pass) {
		s.stats.loginFailures.Add(1)
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeDetail(w, http.StatusUnauthorized, "Incorrect username or password")
		return
	}
	tok, err := s.tokens.issue(user, s.tokens.now())
	if err != nil {
		s.logf("demo: issue token: %v", err)
		writeDetail(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	s.recordToken(tok)
	s.stats.loginOK(user)
	s.writeJSON(w, http.StatusOK, loginResponse{
		AccessToken: tok,
		TokenType:   "bearer",
		ExpiresIn:   int64(s.cfg.TokenTTL / time.Second),
	})
}
