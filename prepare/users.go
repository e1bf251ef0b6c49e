package prepare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/ragload/ragload/targets/auth"
)

// outcome is what a registration found.
type outcome int

const (
	notDone outcome = iota // not sent, or failed
	created
	existed
)

// prepareUsers registers the accounts and writes the credentials file.
func (p *preparer) prepareUsers(ctx context.Context, res *Result) error {
	cfg := p.cfg
	var old []auth.Credential
	if st, err := os.Stat(cfg.CredentialsFile); err == nil && st.Size() > 0 {
		if old, err = auth.LoadCredentials(cfg.CredentialsFile); err != nil {
			return err
		}
	}
	oldPass := make(map[string]string, len(old))
	for _, c := range old {
		oldPass[c.Username] = c.Password
	}
	creds := make([]auth.Credential, cfg.Users)
	listedBefore := 0
	for i := range creds {
		u := userName(cfg.UserPrefix, i+1, cfg.Users)
		pw, ok := oldPass[u]
		if ok {
			listedBefore++
		} else {
			pw = newPassword()
		}
		creds[i] = auth.Credential{Username: u, Password: pw}
	}
	if listedBefore == len(creds) { // a second run: the server likely has them all
		p.logf("checking %d users listed in %s at %s%s", cfg.Users, cfg.CredentialsFile, p.shown, cfg.RegisterPath)
	} else {
		p.logf("registering %d users at %s%s", cfg.Users, p.shown, cfg.RegisterPath)
	}
	outcomes, err := p.registerAll(ctx, creds)

	// An account that existed is usable if the file gave its password, or
	// if it logs in with the one we hold.
	usable := make([]bool, len(creds))
	var unknown []string
	var loginErr error
	for i, o := range outcomes {
		_, known := oldPass[creds[i].Username]
		switch {
		case o == created:
			res.Created++
			usable[i] = true
		case o == existed && known:
			res.Existing++
			usable[i] = true
		case o == existed && err == nil:
			if _, lerr := p.token(ctx, creds[i]); lerr != nil {
				var le *auth.LoginError
				if !errors.As(lerr, &le) || le.Err != nil { // not an answer of the server
					err = lerr
					break
				}
				unknown = append(unknown, strconv.Quote(creds[i].Username))
				if loginErr == nil {
					loginErr = lerr
				}
				continue
			}
			res.Existing++
			usable[i] = true
		}
	}
	if err == nil && len(unknown) > 0 {
		err = unknownAccounts(unknown, cfg.CredentialsFile, loginErr)
	}

	// The file lists the usable accounts, then the others it listed before:
	// dropping a password would leave an account nobody can log in to. After
	// an error it is written only to keep the passwords of new accounts.
	var lines []auth.Credential
	listed := map[string]bool{}
	for i, c := range creds {
		if usable[i] {
			res.Credentials = append(res.Credentials, c)
		}
		if _, known := oldPass[c.Username]; usable[i] || known {
			lines = append(lines, c)
			listed[c.Username] = true
		}
	}
	for _, c := range old {
		if !listed[c.Username] {
			lines = append(lines, c)
		}
	}
	if err == nil || res.Created > 0 {
		if werr := auth.WriteCredentials(cfg.CredentialsFile, lines); werr != nil {
			return errors.Join(err, werr)
		}
		res.CredentialsFile, res.FileUsers = cfg.CredentialsFile, len(lines)
	}
	return err
}

func unknownAccounts(users []string, file string, loginErr error) error {
	list := strings.Join(users, ", ")
	if len(users) > 5 {
		list = strings.Join(users[:5], ", ") + fmt.Sprintf(" and %d more", len(users)-5)
	}
	what := "the account " + list + " already exists"
	if len(users) > 1 {
		what = fmt.Sprintf("%d accounts already exist (%s)", len(users), list)
	}
	why := loginErr.Error()
	if le := (*auth.LoginError)(nil); errors.As(loginErr, &le) && le.Status != "" {
		why = le.Status
	}
	return fmt.Errorf("%s on the server with a password that is not in %s (logging in with ours: %s): "+
		"add the password to the file, delete the account, or choose another --user-prefix", what, file, why)
}

// registerAll registers creds, registerParallel at a time. The first error
// stops sending new requests; those in flight finish. A nil error means
// every outcome is created or existed.
func (p *preparer) registerAll(ctx context.Context, creds []auth.Credential) ([]outcome, error) {
	out := make([]outcome, len(creds))
	reqCtx, cancel := inFlightContext(ctx)
	defer cancel()
	var (
		mu          sync.Mutex
		first       error
		done, found int // found: accounts the server already had
	)
	step := max(1, len(creds)/10)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(registerParallel, len(creds)) {
		wg.Go(func() {
			for i := range jobs {
				o, err := p.register(reqCtx, creds[i])
				mu.Lock()
				out[i] = o
				if err != nil && first == nil {
					first = err
				}
				if err == nil {
					if o == existed {
						found++
					}
					if done++; done%step == 0 || done == len(creds) {
						p.logf("%s", registerProgress(done, found, len(creds)))
					}
				}
				mu.Unlock()
			}
		})
	}
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
send:
	for i := range creds {
		if failed() || ctx.Err() != nil {
			break
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			break send
		}
	}
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		return out, interrupted(ctx)
	}
	return out, first
}

// registerProgress says how far the registrations got: "registered 3/5
// users" while every account was new, "checked 5/5 users (0 new, 5 already
// existed)" once the server already had some (a second run registers
// nothing).
func registerProgress(done, existed, n int) string {
	if existed == 0 {
		return fmt.Sprintf("registered %d/%d users", done, n)
	}
	return fmt.Sprintf("checked %d/%d users (%d new, %d already existed)", done, n, done-existed, existed)
}

// register posts one registration.
func (p *preparer) register(ctx context.Context, c auth.Credential) (outcome, error) {
	body, err := json.Marshal(map[string]string{"username": c.Username, "email": c.Username, "password": c.Password})
	if err != nil {
		return notDone, fmt.Errorf("register %q: %w", c.Username, err)
	}
	u := p.base + p.cfg.RegisterPath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return notDone, fmt.Errorf("register %q: %w", c.Username, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return notDone, p.unreachable(fmt.Sprintf("register %q at %s", c.Username, p.shown+p.cfg.RegisterPath), err)
	}
	defer resp.Body.Close()
	b := readBody(resp, 64<<10)
	switch code := resp.StatusCode; {
	case code == http.StatusOK || code == http.StatusCreated:
		return created, nil
	case code == http.StatusBadRequest || code == http.StatusConflict:
		if s := strings.ToLower(string(b)); strings.Contains(s, "exist") || strings.Contains(s, "already") {
			return existed, nil
		}
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		return notDone, p.routeError(http.MethodPost, p.cfg.RegisterPath, resp.Status, "--register-path")
	}
	return notDone, fmt.Errorf("the server rejected the registration of %q at %s: %s%s", c.Username, p.shown+p.cfg.RegisterPath, resp.Status, detail(b, c.Password))
}
