package attack

import (
	"context"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets/auth"
)

// Warm checks the setup, logs in once and opens one HTTP client for every
// job that copies the setup afterwards (a sweep's steps): they share the
// login and keep the connections warm. stop ends the tokens' refresh.
// Interrupted while logging in, it returns the login's error with ctx
// done.
func (s *Setup) Warm(ctx context.Context) (stop func(), err error) {
	if _, err := s.check(); err != nil {
		return nil, err
	}
	var auth results.Manifest
	pool, err := s.login(ctx, &auth, s.Credentials)
	if err != nil {
		return nil, err
	}
	s.loggedIn = &loggedIn{pool: pool, auth: auth.Auth}
	authCtx, stopAuth := context.WithCancel(context.Background())
	if pool != nil {
		go pool.Run(authCtx)
	}
	client, streams := s.Options.streamingClient()
	s.Options.shared = &sharedClient{client: client, streams: streams}
	return stopAuth, nil
}

// loggedIn is a pool logged in by Warm and the auth record that goes
// with it.
type loggedIn struct {
	pool *auth.Pool // nil when requests go without a token
	auth results.AuthInfo
}
