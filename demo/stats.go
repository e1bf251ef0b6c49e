package demo

import (
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
)

// routeID identifies a route for counters and latencies.
type routeID int

const (
	routeHealth routeID = iota
	routeRegister
	routeLogin
	routeQuery
	routeEnhanced
	routeDocuments
	routeUpload
	routeStream
	routeChat
	routeFollowUp
	routeDocStatus
	routeOther
	numRoutes
)

// routeNames are the keys used in Stats maps.
var routeNames = [numRoutes]string{
	routeHealth:    "health",
	routeRegister:  "register",
	routeLogin:     "login",
	routeQuery:     "query",
	routeEnhanced:  "enhanced",
	routeDocuments: "documents",
	routeUpload:    "upload",
	routeStream:    "stream",
	routeChat:      "chat",
	routeFollowUp:  "follow_up",
	routeDocStatus: "doc_status",
	routeOther:     "other",
}

// Stats is a point-in-time snapshot of a Server's counters.
type Stats struct {
	// Requests counts requests per route name: "health", "register",
	// "login", "query", "enhanced", "documents", "upload", "stream",
	// "chat" (POST /api/v1/chat/), "follow_up" (POST
	// /api/v1/chat/{id}/messages), "doc_status" (GET
	// /api/v1/documents/{id}), and "other" (unknown paths and wrong
	// methods). Every name is always
	// present. Requests dropped by their client while held by a stall are
	// not counted here (see Stalled).
	Requests map[string]int64
	// Authorized counts, per route name, requests that carried a valid
	// token (protected routes only).
	Authorized map[string]int64
	// Unauthorized counts 401 responses on protected routes.
	Unauthorized int64
	// RateLimited counts 429 responses.
	RateLimited int64
	// Overloaded counts 503 responses caused by QueueLimit, and uploads
	// refused because 100,000 documents were indexing at once.
	Overloaded int64
	// Logins counts successful logins.
	Logins int64
	// LoginFailures counts logins rejected for bad credentials (401).
	LoginFailures int64
	// Registrations counts successfully created users.
	Registrations int64
	// Uploads counts successfully stored documents.
	Uploads int64
	// StatusPolls counts GET /api/v1/documents/{id} answered with the
	// status of a known document (200).
	StatusPolls int64
	// QueriesBeforeReady counts queries (query, enhanced and stream) whose
	// text names an uploaded document ("doc-<n>") that was still indexing
	// when the query arrived: a client that did not wait for readiness.
	// QueriesUnknownDoc counts those naming an id the server does not know
	// (never issued, or forgotten). A query naming several ids counts at
	// most once in each. Only queries with a valid body are judged; they
	// are answered normally.
	QueriesBeforeReady, QueriesUnknownDoc int64
	// Conversations counts conversations started (POST /api/v1/chat/),
	// FollowUps the follow-ups accepted into a conversation of their
	// user (POST /api/v1/chat/{id}/messages). Both count when accepted,
	// before the service time: a client that leaves during it is counted.
	Conversations, FollowUps int64
	// FollowUpsForeign counts follow-ups refused with 403 because the
	// conversation belongs to another user; FollowUpsUnknown those refused
	// with 404 because the id was never issued or has been forgotten.
	FollowUpsForeign, FollowUpsUnknown int64
	// InFlight is the number of requests currently holding a worker slot.
	InFlight int64
	// Queued is the number of requests currently waiting for a slot.
	Queued int64
	// MaxInFlight is the peak number of requests holding a slot at once.
	MaxInFlight int64
	// Stalled counts requests held by the stall fault (Config.StallEvery,
	// Config.StallFor), including those whose client left meanwhile.
	Stalled int64
	// Faults counts the requests struck by Config.Faults, by kind
	// ("status", "rate-limit", "unauthorized", "slow", "reset", "close",
	// "trickle", "degrade"; every kind is always present). Those answered
	// by a status, 429 or 401 fault count in Requests too, and in
	// RateLimited and Unauthorized. "degrade" counts the degraded answers
	// sent (200 with the fallback, streams cut short), which count in
	// Requests too.
	Faults map[string]int64
}

// counters holds the live, mostly lock-free counters behind Stats.
type counters struct {
	requests      [numRoutes]atomic.Int64
	authorized    [numRoutes]atomic.Int64
	unauthorized  atomic.Int64
	rateLimited   atomic.Int64
	overloaded    atomic.Int64
	logins        atomic.Int64
	loginFailures atomic.Int64
	registrations atomic.Int64
	uploads       atomic.Int64
	statusPolls   atomic.Int64
	beforeReady   atomic.Int64
	unknownDoc    atomic.Int64
	conversations atomic.Int64
	followUps     atomic.Int64
	foreign       atomic.Int64
	unknownConv   atomic.Int64
	stalled       atomic.Int64
	faults        faultCounters

	loginsMu sync.Mutex
	loginsBy map[string]int64
	chatsBy  map[string]*ChatCounts // guarded by loginsMu
}

func (c *counters) init() {
	c.loginsBy = map[string]int64{}
	c.chatsBy = map[string]*ChatCounts{}
}

// chat records a conversation started (followUp false) or a follow-up
// accepted by username.
func (c *counters) chat(username string, followUp bool) {
	c.loginsMu.Lock()
	n := c.chatsBy[username]
	if n == nil {
		n = &ChatCounts{}
		c.chatsBy[username] = n
	}
	if followUp {
		n.FollowUps++
	} else {
		n.Started++
	}
	c.loginsMu.Unlock()
	if followUp {
		c.followUps.Add(1)
	} else {
		c.conversations.Add(1)
	}
}

// loginOK records a successful login by username.
func (c *counters) loginOK(username string) {
	c.logins.Add(1)
	c.loginsMu.Lock()
	c.loginsBy[username]++
	c.loginsMu.Unlock()
}

// Stats returns a snapshot of the server's counters. Individual values are
// read atomically; the snapshot as a whole is not.
func (s *Server) Stats() Stats {
	c := &s.stats
	st := Stats{
		Requests:      make(map[string]int64, numRoutes),
		Authorized:    make(map[string]int64, numRoutes),
		Unauthorized:  c.unauthorized.Load(),
		RateLimited:   c.rateLimited.Load(),
		Overloaded:    c.overloaded.Load(),
		Logins:        c.logins.Load(),
		LoginFailures: c.loginFailures.Load(),
		Registrations: c.registrations.Load(),
		Uploads:       c.uploads.Load(),
		StatusPolls:   c.statusPolls.Load(),

		QueriesBeforeReady: c.beforeReady.Load(),
		QueriesUnknownDoc:  c.unknownDoc.Load(),
		Conversations:      c.conversations.Load(),
		FollowUps:          c.followUps.Load(),
		FollowUpsForeign:   c.foreign.Load(),
		FollowUpsUnknown:   c.unknownConv.Load(),

		InFlight:    s.pool.inFlight.Load(),
		Queued:      s.pool.waiting.Load(),
		MaxInFlight: s.pool.maxIn.Load(),
		Stalled:     c.stalled.Load(),
		Faults:      c.faults.snapshot(),
	}
	for id := range numRoutes {
		st.Requests[routeNames[id]] = c.requests[id].Load()
		st.Authorized[routeNames[id]] = c.authorized[id].Load()
	}
	return st
}

// LoginsBy returns how many successful logins username has made.
func (s *Server) LoginsBy(username string) int64 {
	s.stats.loginsMu.Lock()
	defer s.stats.loginsMu.Unlock()
	return s.stats.loginsBy[username]
}

// ChatCounts are one user's conversation counters (see Server.ChatsBy).
type ChatCounts struct {
	// Started counts the conversations the user started; FollowUps the
	// follow-ups accepted into the user's own conversations.
	Started, FollowUps int64
}

// ChatsBy returns username's conversation counters, so that a test can
// set them against what each of its users sent. Follow-ups refused (403,
// 404) are not in them.
func (s *Server) ChatsBy(username string) ChatCounts {
	s.stats.loginsMu.Lock()
	defer s.stats.loginsMu.Unlock()
	if n := s.stats.chatsBy[username]; n != nil {
		return *n
	}
	return ChatCounts{}
}

// StatsPath is where the server answers GET with its counters as JSON
// (statsJSON), so that a run's figures can be set against what the API
// saw: {"faults": {"degrade": 40, …}, "requests": {"query": 126, …}, …}.
// It holds no user name or token; it is never stalled, struck by a fault
// nor counted.
const StatsPath = "/stats"

// statsJSON is Stats as StatsPath serves it.
type statsJSON struct {
	Requests      map[string]int64 `json:"requests"`
	Authorized    map[string]int64 `json:"authorized"`
	Unauthorized  int64            `json:"unauthorized"`
	RateLimited   int64            `json:"rate_limited"`
	Overloaded    int64            `json:"overloaded"`
	Logins        int64            `json:"logins"`
	LoginFailures int64            `json:"login_failures"`
	Registrations int64            `json:"registrations"`
	Uploads       int64            `json:"uploads"`
	StatusPolls   int64            `json:"status_polls"`

	QueriesBeforeReady int64 `json:"queries_before_ready"`
	QueriesUnknownDoc  int64 `json:"queries_unknown_doc"`
	Conversations      int64 `json:"conversations"`
	FollowUps          int64 `json:"follow_ups"`
	FollowUpsForeign   int64 `json:"follow_ups_foreign"`
	FollowUpsUnknown   int64 `json:"follow_ups_unknown"`

	InFlight    int64            `json:"in_flight"`
	Queued      int64            `json:"queued"`
	MaxInFlight int64            `json:"max_in_flight"`
	Stalled     int64            `json:"stalled"`
	Faults      map[string]int64 `json:"faults"`
}

// serveStats writes s.Stats() as JSON.
func (s *Server) serveStats(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(statsJSON(s.Stats()))
}
