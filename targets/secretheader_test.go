package targets

import "testing"

// TestSecretHeader: the headers real APIs take keys, tokens, sessions and
// signatures in are secret; the ordinary ones, and the keys that name a
// request (Idempotency-Key) or a connection (Sec-WebSocket-Key), are not.
func TestSecretHeader(t *testing.T) {
	for _, h := range []string{"Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Api-Key", "X-API-KEY",
		"X-Auth-Token", "X-Access-Token", "X-Csrf-Token", "X-Amz-Security-Token", "X-Client-Secret", "X-Password", "Apikey", "X-Api_Key",
		"Private-Token", "X-Credentials",
		// Azure API Management, Azure Functions, Google, RapidAPI, GitHub
		// and Twilio webhooks, sessions, WSO2.
		"Ocp-Apim-Subscription-Key", "X-Functions-Key", "X-Goog-Api-Key", "X-RapidAPI-Key", "x-rapidapi-key", "X-Hub-Signature-256",
		"X-Twilio-Signature", "X-Signature", "X-Session-Id", "Session", "X-Jwt-Assertion", "X-Subscription-Id", "Key", "X-Key",
		"X_Custom_Key", "Client-Key"} {
		if !SecretHeader(h) {
			t.Errorf("SecretHeader(%q) = false", h)
		}
	}
	for _, h := range []string{"Content-Type", "Accept", "Accept-Encoding", "X-Request-Id", "X-Correlation-Id", "Traceparent", "User-Agent",
		"Idempotency-Key", "X-Idempotency-Key", "idempotency_key", "Sec-WebSocket-Key", "X-Vegeta-Seq", "Keep-Alive", "X-Monkey", "Keys",
		"X-Key-Id", "If-None-Match", "X-Forwarded-For", "-", "key-", ""} {
		if SecretHeader(h) {
			t.Errorf("SecretHeader(%q) = true", h)
		}
	}
}
