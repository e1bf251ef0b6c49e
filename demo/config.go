package demo

import (
	"math"
	"time"
)

// Defaults applied by New to zero-valued Config fields.
const (
	// DefaultWorkers is the default size of the worker pool.
	DefaultWorkers = 32
	// DefaultSigma is the default lognormal shape of service times.
	DefaultSigma = 0.5
	// DefaultQueryLatency is the default median of POST /api/v1/query/.
	DefaultQueryLatency = 300 * time.Millisecond
	// DefaultEnhancedLatency is the default median of POST /api/v1/query/enhanced.
	DefaultEnhancedLatency = 600 * time.Millisecond
	// DefaultDocumentsLatency is the default median of GET /api/v1/documents/.
	DefaultDocumentsLatency = 30 * time.Millisecond
	// DefaultLoginLatency is the default median of POST /api/v1/auth/login.
	DefaultLoginLatency = 20 * time.Millisecond
	// DefaultRegisterLatency is the default median of POST /api/v1/auth/register.
	DefaultRegisterLatency = 30 * time.Millisecond
	// DefaultUploadLatency is the default median of POST /api/v1/documents/upload.
	DefaultUploadLatency = 100 * time.Millisecond
	// DefaultHealthLatency is the default median of GET /health.
	DefaultHealthLatency = 1 * time.Millisecond
	// DefaultStreamFirstToken is the default median time from a
	// POST /api/v1/query/stream request getting its worker slot to its first
	// token event.
	DefaultStreamFirstToken = 200 * time.Millisecond
	// DefaultStreamTokenRate is the default number of token events per
	// second of POST /api/v1/query/stream after the first.
	DefaultStreamTokenRate = 50.0
	// DefaultIndexDelay is the default time from an upload to its document
	// being ready (indexed).
	DefaultIndexDelay = 2 * time.Second
	// DefaultChatTurnCost is the default share of the query latency that
	// each earlier turn of a conversation adds to a follow-up's.
	DefaultChatTurnCost = 0.25
	// DefaultTokenTTL is the default lifetime of access tokens.
	DefaultTokenTTL = 15 * time.Minute
	// DefaultMaxUploadBytes is the default cap on one uploaded file (32 MiB).
	DefaultMaxUploadBytes = 32 << 20
	// DefaultUsername is the user pre-registered when Config.Users is nil;
	// it matches ragload's LOAD_TEST_EMAIL default.
	DefaultUsername = "loadtest@example.com"
	// DefaultPassword is DefaultUsername's password; it matches ragload's
	// LOAD_TEST_PASSWORD default.
	DefaultPassword = "loadtestpassword"
)

// Config configures a demo Server. The zero value is valid: every zero field
// takes the documented default. For latency fields a negative value means
// "no delay at all" (zero would select the default).
type Config struct {
	// Workers is the number of concurrent request slots (default 32).
	Workers int
	// QueueLimit is the maximum number of requests waiting for a slot;
	// further requests get 503 immediately. 0 (default) or negative means
	// unlimited.
	QueueLimit int

	// Sigma is the lognormal shape shared by all service times (default
	// 0.5). A negative value means 0: every sample equals its median.
	Sigma float64
	// LatencyScale multiplies every service time (default 1; values <= 0
	// select the default). Use a negative latency for "no delay".
	LatencyScale float64
	// Seed seeds the service-time sampler for reproducible runs; 0 (default)
	// uses the process-wide random source.
	Seed uint64

	// QueryLatency is the median service time of POST /api/v1/query/
	// (default 300ms; negative = 0).
	QueryLatency time.Duration
	// EnhancedLatency is the median of POST /api/v1/query/enhanced
	// (default 600ms; negative = 0).
	EnhancedLatency time.Duration
	// DocumentsLatency is the median of GET /api/v1/documents/ and of
	// GET /api/v1/documents/{id} (default 30ms; negative = 0).
	DocumentsLatency time.Duration
	// LoginLatency is the median of POST /api/v1/auth/login
	// (default 20ms; negative = 0).
	LoginLatency time.Duration
	// RegisterLatency is the median of POST /api/v1/auth/register
	// (default 30ms; negative = 0).
	RegisterLatency time.Duration
	// UploadLatency is the median of POST /api/v1/documents/upload
	// (default 100ms; negative = 0).
	UploadLatency time.Duration
	// HealthLatency is the median of GET /health, which bypasses the worker
	// pool (default 1ms; negative = 0).
	HealthLatency time.Duration

	// StreamFirstToken is the median time from a POST /api/v1/query/stream
	// request being granted its worker slot to its first token event
	// (default 200ms; negative = 0). Like the other service times it is
	// sampled with Sigma (Sigma < 0 makes it exact) and multiplied by
	// LatencyScale.
	StreamFirstToken time.Duration
	// StreamTokenRate is the number of token events per second after the
	// first (default 50): token i (from 0) is sent at
	// slot grant + first-token time + i/StreamTokenRate. It is exact:
	// neither Sigma nor LatencyScale applies. A negative or infinite value
	// sends all tokens at once.
	StreamTokenRate float64
	// StreamTokens caps the number of token events per stream; 0 (default)
	// or negative streams every word of the answer. At least one token is
	// always sent. Answers are roughly 40-60 words long.
	StreamTokens int
	// StreamKeepAlive, when positive, makes the stream write a comment
	// ": keep-alive" and an empty "data: " event every StreamKeepAlive
	// (counted from slot grant) while the first token is pending. Default 0
	// (negative = 0): none. Neither is a token.
	StreamKeepAlive time.Duration

	// StallEvery and StallFor inject periodic server-wide pauses, like
	// stop-the-world garbage collection: a request arriving within
	// [k*StallEvery, k*StallEvery+StallFor) of the server's creation
	// (k = 0, 1, 2, ...; see Server.Created) is held until that window
	// ends, then handled normally; requests arriving outside a window are
	// not delayed. Held requests are counted in Stats.Stalled. Either
	// field 0 (default) or negative turns stalls off. The windows are not
	// affected by LatencyScale.
	StallEvery time.Duration
	// StallFor is the length of each stall window; see StallEvery.
	StallFor time.Duration

	// Faults: injected failures, to see how a client copes. (Short-lived
	// tokens, TokenTTL, are the other way to a 401 storm; StallEvery the
	// way to a server-wide pause.)

	// Faults is a schedule of injected failures: 5xx bursts, 429 storms,
	// token revocations (401), responses slower than a client's timeout,
	// connections reset or closed mid-body, bodies that trickle, answers
	// that degrade beyond a load (see Fault and ParseFault). Each strikes the requests that arrive inside its
	// windows, measured from Server.Created like the stall windows; where
	// the windows of several faults overlap, the first fault in the list
	// that applies strikes. The login and register routes are never struck.
	// Struck requests are counted in Stats.Faults. Default nil: none.
	Faults []Fault

	// UserRateLimit is the sustained requests per second allowed per
	// authenticated user (keyed by the token subject); 0 (default) disables
	// rate limiting. Excess requests get 429 with Retry-After.
	UserRateLimit float64
	// UserBurst is the token-bucket size for UserRateLimit (default
	// max(1, ceil(UserRateLimit))).
	UserBurst int

	// Secret is the HS256 signing key for access tokens; empty (default)
	// means 32 random bytes generated by New.
	Secret []byte
	// TokenTTL is the lifetime of issued access tokens (default 15m). The
	// token's exp claim has one-second resolution.
	TokenTTL time.Duration

	// Users maps pre-registered usernames to plaintext passwords (stored
	// hashed). nil (default) pre-registers DefaultUsername/DefaultPassword;
	// an empty non-nil map registers nobody.
	Users map[string]string

	// IndexDelay is the time from an upload being accepted to its
	// document being ready: GET /api/v1/documents/{id} says "indexing"
	// until then, "ready" after (default 2s; negative = 0, ready at once).
	// It is exact: neither Sigma nor LatencyScale applies.
	IndexDelay time.Duration

	// ChatTurnCost is the share of QueryLatency that each earlier turn of
	// a conversation adds to the median service time of a follow-up: turn
	// k (the first message is turn 1) takes
	// QueryLatency * (1 + ChatTurnCost*(k-1)), sampled with Sigma and
	// multiplied by LatencyScale like the other service times (default
	// 0.25; negative = 0, every turn as fast as a query).
	ChatTurnCost float64

	// MaxUploadBytes caps the size of one uploaded file; larger uploads get
	// 413 (default 32 MiB). Uploaded content is counted, never stored.
	MaxUploadBytes int64

	// RecordTokens keeps every issued access token so tests can check that
	// none leaked into output files (see Server.IssuedTokens). Default off.
	RecordTokens bool

	// Logf, when non-nil, receives request-handling errors (never
	// passwords or tokens). Default nil: silent.
	Logf func(format string, args ...any)
}

// withDefaults returns a copy of c with zero fields replaced by defaults and
// negative latencies clamped to zero.
func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.QueueLimit < 0 {
		c.QueueLimit = 0
	}
	switch {
	case c.Sigma == 0:
		c.Sigma = DefaultSigma
	case c.Sigma < 0:
		c.Sigma = 0
	}
	if c.LatencyScale <= 0 || math.IsNaN(c.LatencyScale) {
		c.LatencyScale = 1
	}
	c.QueryLatency = latencyDefault(c.QueryLatency, DefaultQueryLatency)
	c.EnhancedLatency = latencyDefault(c.EnhancedLatency, DefaultEnhancedLatency)
	c.DocumentsLatency = latencyDefault(c.DocumentsLatency, DefaultDocumentsLatency)
	c.LoginLatency = latencyDefault(c.LoginLatency, DefaultLoginLatency)
	c.RegisterLatency = latencyDefault(c.RegisterLatency, DefaultRegisterLatency)
	c.UploadLatency = latencyDefault(c.UploadLatency, DefaultUploadLatency)
	c.HealthLatency = latencyDefault(c.HealthLatency, DefaultHealthLatency)
	c.StreamFirstToken = latencyDefault(c.StreamFirstToken, DefaultStreamFirstToken)
	switch {
	case c.StreamTokenRate == 0 || math.IsNaN(c.StreamTokenRate):
		c.StreamTokenRate = DefaultStreamTokenRate
	case c.StreamTokenRate < 0:
		c.StreamTokenRate = math.Inf(1)
	}
	c.StreamTokens = max(c.StreamTokens, 0)
	c.StreamKeepAlive = max(c.StreamKeepAlive, 0)
	if c.StallEvery <= 0 || c.StallFor <= 0 {
		c.StallEvery, c.StallFor = 0, 0
	}
	c.Faults = faultsWithDefaults(c.Faults)
	if c.UserRateLimit < 0 || math.IsNaN(c.UserRateLimit) {
		c.UserRateLimit = 0
	}
	if c.UserBurst <= 0 {
		c.UserBurst = max(1, int(math.Ceil(c.UserRateLimit)))
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	if c.Users == nil {
		c.Users = map[string]string{DefaultUsername: DefaultPassword}
	}
	c.IndexDelay = latencyDefault(c.IndexDelay, DefaultIndexDelay)
	switch {
	case c.ChatTurnCost == 0 || math.IsNaN(c.ChatTurnCost):
		c.ChatTurnCost = DefaultChatTurnCost
	case c.ChatTurnCost < 0:
		c.ChatTurnCost = 0
	}
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = DefaultMaxUploadBytes
	}
	return c
}

// latencyDefault maps 0 to def and negative values to 0.
func latencyDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}
