// Package demo implements a simulated RAG (retrieval-augmented generation)
// HTTP API used by ragload's quick start, tests and examples.
//
// The server mimics a typical FastAPI RAG backend:
//
//	GET  /health                  liveness probe (no auth, not pooled)
//	POST /api/v1/auth/register    create a user (JSON or form)
//	POST /api/v1/auth/login       OAuth2 password form -> HS256 JWT
//	POST /api/v1/query/           answer a question (Bearer auth)
//	POST /api/v1/query/enhanced   slower answer with reasoning (Bearer auth)
//	POST /api/v1/query/stream     the answer as server-sent events (Bearer auth)
//	GET  /api/v1/documents/       list documents (Bearer auth)
//	POST /api/v1/documents/upload multipart upload, metadata only (Bearer auth)
//	GET  /api/v1/documents/{id}   a document and its status: indexing or ready (Bearer auth)
//	POST /api/v1/chat/            start a conversation (Bearer auth)
//	POST /api/v1/chat/{id}/messages  a follow-up in it (Bearer auth)
//
// Errors use FastAPI's {"detail": "..."} shape: 401 with
// WWW-Authenticate: Bearer for bad credentials, 404/405 for unknown routes,
// 422 for invalid input, 429 when a per-user rate limit is exceeded and 503
// when the wait queue is full.
//
// # Conversations and indexing
//
// POST /api/v1/chat/ takes {"message": "..."} and answers 201
// {"conversation_id": "c-<n>", "answer": ..., "turn": 1}; the
// conversation belongs to the token's user. POST
// /api/v1/chat/{id}/messages answers 200 with the next turn's number,
// and takes longer as the conversation grows: turn k's median service time
// is the query's times 1 + Config.ChatTurnCost*(k-1). Another user's
// conversation gets 403, an unknown id 404 (both counted in Stats), a
// conversation past 10,000 turns 409. The server remembers the last
// million conversations (owner and turn count only); starting one more
// forgets the oldest.
//
// An upload answers {"id": "doc-<n>", "status": "indexing", ...}; the
// document is ready Config.IndexDelay later, as GET /api/v1/documents/{id}
// then says. A query whose text names a document id ("Summarise doc-8")
// that was still indexing when the query arrived is answered normally and
// counted in Stats.QueriesBeforeReady (an unknown id in
// Stats.QueriesUnknownDoc), so a test can assert that its clients waited.
//
// # Capacity model
//
// Every route except /health runs inside a fixed pool of Config.Workers
// slots. A request first waits for a free slot (the wait counts towards its
// response time), then holds the slot for a service time drawn from a
// lognormal distribution, median*exp(Sigma*Z), capped at 20x the median and
// multiplied by Config.LatencyScale. Offered load beyond
// Workers/mean-service-time therefore produces a genuine latency knee, which
// makes the server useful for exercising a load tester.
//
// # Streaming
//
// POST /api/v1/query/stream takes the same body as /api/v1/query/ and
// answers with OpenAI-Responses-style server-sent events, flushed one by
// one: a "response.created" control event as soon as the request has its
// slot, optional keep-alives (a ": keep-alive" comment and an empty
// "data: " event, Config.StreamKeepAlive), one
// "response.output_text.delta" event per answer word, then
// "response.completed" and "data: [DONE]". The first token follows the
// slot grant by a sample of Config.StreamFirstToken (exact with Sigma < 0);
// later tokens follow at exactly 1/Config.StreamTokenRate intervals, each
// scheduled against the start so errors do not accumulate. This gives
// time-to-first-token measurements a known truth.
//
// # Stalls
//
// Config.StallEvery and Config.StallFor pause the whole server
// periodically: requests arriving inside a window are held, before routing,
// until it ends, as in a stop-the-world GC pause. Open-loop load testers
// that correct for coordinated omission should see the pause in their
// latencies; closed-loop ones hide it.
//
// # Faults
//
// Config.Faults schedules injected failures in windows measured from
// Server.Created like the stalls: 5xx bursts, 429 storms with Retry-After,
// token revocations (401 until the client logs in again), responses held
// past a client's timeout, connections reset or closed mid-body (after half
// the body, or a few events of a stream), and bodies that trickle a few
// bytes at a time. ParseFault reads them as written on the command line
// ("503,every=10s,for=2s"). The login and register routes are spared, so a
// load test can start and renew its tokens; Stats.Faults counts what was
// struck.
//
// # Observability
//
// Server.Stats returns cheap counters (requests per route, 401/429/503
// counts, logins, peak concurrency, conversations and follow-ups, uploads,
// status polls, queries about documents not ready) so tests can check what
// a load run did, also as JSON at GET /stats; Server.IssuedTokens,
// Server.LoginsBy and Server.ChatsBy support leak, closed-loop and per-user
// checks. The package never prints or logs unless Config.Logf is set, and
// never logs passwords or tokens.
package demo
