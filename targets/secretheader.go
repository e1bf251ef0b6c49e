package targets

import (
	"slices"
	"strings"
)

// SecretHeader reports whether a request header of this name may carry a
// credential. The rule, case-insensitive: a name that contains "auth"
// (Authorization, Proxy-Authorization, X-Auth-Token, X-Auth-Key),
// "cookie" (Cookie, Set-Cookie), "token" (X-Access-Token, X-Csrf-Token,
// X-Amz-Security-Token), "secret", "passw", "credential", "api-key",
// "apikey" or "api_key" (X-Api-Key, Api-Key, X-Goog-Api-Key), "session"
// (X-Session-Id), "signature" (X-Signature, X-Hub-Signature-256),
// "subscription" or "jwt" (X-Jwt-Assertion); or a name that is "Key" or
// ends in "-key" or "_key" (Ocp-Apim-Subscription-Key, X-Functions-Key,
// X-RapidAPI-Key), except Idempotency-Key and Sec-WebSocket-Key, which
// name a request, not a caller. Recordings drop such headers, and a
// redirect to another host loses them.
func SecretHeader(name string) bool {
	for _, w := range secretWords {
		if containsFold(name, w) {
			return true
		}
	}
	return hasKeySuffix(name, "key") && !slices.ContainsFunc(notSecretKeys, func(k string) bool { return hasKeySuffix(name, k) })
}

// hasKeySuffix reports whether name is suffix or ends in "-" or "_" and
// then suffix, in any case, "-" and "_" alike.
func hasKeySuffix(name, suffix string) bool {
	n := len(name) - len(suffix) - 1
	if n < -1 || (n >= 0 && name[n] != '-' && name[n] != '_') {
		return false
	}
	for i := range len(suffix) {
		c, w := name[n+1+i], suffix[i]
		if c == '_' {
			c = '-'
		}
		if c != w && !(c >= 'A' && c <= 'Z' && c+'a'-'A' == w) {
			return false
		}
	}
	return true
}

// notSecretKeys are the "-key" headers that name a request or a
// connection, not a caller.
var notSecretKeys = []string{"idempotency-key", "websocket-key"}

// containsFold reports whether s contains the lower-case ASCII word w,
// in any case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

var secretWords = []string{"auth", "cookie", "token", "secret", "passw", "credential", "api-key", "apikey", "api_key", "session", "signature", "subscription", "jwt"}
