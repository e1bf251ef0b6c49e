// Package replay records request streams and replays them with their
// original timing.
//
// A Recorder writes the requests of a run to a stream file as results
// complete. OpenStream reads such a file back; FromAccessLog turns an
// nginx/Apache or JSON-lines access log into one, and FromVegeta a vegeta
// targets file at a constant rate. Each returns an Opener (a recording that
// can be read again, streaming) and its Info. Scaled changes the speed,
// cuts long pauses and loops; a Player then replays the result as the
// pacer and targeter of a vegeta attack, telling when each request was due
// so that schedule lag is measured as in any open-model plan.
//
// # Stream format
//
// One request per line, JSON, sorted by offset_us:
//
//	{"offset_us":12345,"endpoint":"/query (basic)","method":"POST","url":"/api/v1/query/?a=1","auth":true,"headers":{"Content-Type":["application/json"]},"body":"{\"query\":\"…\"}"}
//
//	offset_us    microseconds from the start of the recording, ≥ 0
//	endpoint     the logical name of the request; may be empty
//	method       the HTTP method, a valid token
//	url          path and query only, starting with "/": replay joins it to
//	             the URL of the run (--url), so a recording can be replayed
//	             against any host
//	auth         the original request carried credentials; they are never
//	             stored: replay sends its own token with such requests
//	headers      the request headers (an object of string arrays), without
//	             credentials: Authorization, Proxy-Authorization, Cookie and
//	             X-Vegeta-* are dropped, case-insensitively, when writing and
//	             again when reading; when writing, so are the headers whose
//	             name contains auth, cookie, token, secret, passw,
//	             credential, api-key, apikey or api_key (X-Api-Key,
//	             X-Auth-Token, Set-Cookie, ...) and those a scenario marks
//	             secret; omitted when empty
//	body         the body as a string when it is valid UTF-8; omitted when
//	             empty
//	body_base64  instead of body, the body in standard base64 when it is not
//	             valid UTF-8
//
// A request a journey sent (a scenario's journeys:) also has, all omitted
// otherwise:
//
//	session      the journey instance, "<journey>/<instance>"
//	             ("conversation/17"): the journey's name comes before the
//	             first "/"
//	step         the request's step in its journey, from 0 (< 32)
//	saves        what the step saved from its response, in order:
//	             [{"var":"cid","from":"conversation_id","value":"c-17"}];
//	             from is a JSON path or "header:Name"; the value is left
//	             out when from looks secret (a header left out above, or a
//	             name holding token, secret, auth, ...: SecretSource)
//	uses         the recorded values of earlier saves the request holds,
//	             by variable: {"cid":"c-17"}
//	end          on the journey's last request: "ok", or why it failed
//
// A stream without sessions replays as a pacer of vegeta's. One with
// sessions replays each session as a journey: it starts at its first
// entry's offset (where its schedule lag is measured, and where it may be
// dropped as any arrival); each later entry leaves at its offset or, when
// the previous one's response comes later, right after it. Each response
// gives the step's saves again (same from, as targets.Step.SaveFrom), and
// the session's later entries carry the new values in place of the
// recorded ones (Entry.Substitute: URL, body, headers). A session ends at
// its first failed request, failed check, or missing value to save or
// use, with the reason in its last result; its other entries are not
// sent. Each loop of Scaled plays new sessions ("conversation/17/2"), and
// Sharded keeps a session's entries in one shard. Endpoints are named by
// route with the used values as placeholders (Entry.Route:
// /api/v1/chat/{{cid}}/messages).
//
// Unknown fields are ignored, so later versions may add some. Blank lines
// are skipped. A file that is not sorted is still read: it is sorted
// through an index of 16 bytes a line (GoReplay, for one, writes slightly
// out-of-order files). Errors name the file, line and field, and quote at
// most an excerpt of the line (a long value is cut, with "…"):
//
//	stream.jsonl:12: url: "x" must start with /
package replay
