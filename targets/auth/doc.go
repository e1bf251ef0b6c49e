// Package auth logs the virtual users of a load test in and keeps their
// tokens, for the scenario's form login (targets.Auth).
//
// Credentials come from a CSV file (LoadCredentials, refused when others
// may read it) or the environment (CredentialFromEnv). A Pool holds one
// logged-in Session per credential and keeps its token fresh in the
// background, so that the Targeter built by NewTargeter never does network
// I/O: it picks a weighted endpoint and a question from a targets.Mix and a
// session, and stamps the token it already holds (a Stamper caches each
// session's targets.Stamp). Passwords and tokens never print: Credential,
// Token, Session and Pool format and log without them, and Mask takes
// them out of any message, in every encoding a server may echo them in.
//
// Where things live:
//
//	credentials.go  the credentials CSV (LoadCredentials, WriteCredentials), Credential
//	login.go        the form login, Token, redirect guards, LoginError, BodyExcerpt
//	pool.go         Pool and Session: logins, refreshes, 401s, Stats
//	targeter.go     NewTargeter and Stamper: the mix with the pool's tokens
//	redact.go       Mask and the printing of tokens without their value
package auth
