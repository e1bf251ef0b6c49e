package replay

// Journeys in a stream: the requests of one journey instance (a session)
// say what their step saved and which saved values they used, so that a
// replay can send them in order and put the values its own server issues
// in place of the recorded ones.

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/ragload/ragload/targets"
)

// SessionJourney is the journey of a session: what comes before its first
// "/" ("conversation" of "conversation/17"); journey names hold no "/".
func SessionJourney(session string) string {
	name, _, _ := strings.Cut(session, "/")
	return name
}

// SecretSource reports whether a save's From names a source that may hold
// a secret: a header StripSecrets drops (with extra, the scenario's secret
// headers), or a JSON path whose name says so (access_token,
// data.api_key). Such a save is recorded without its value.
func SecretSource(from string, extra ...string) bool {
	if name, ok := strings.CutPrefix(from, "header:"); ok {
		return len(StripSecrets(map[string][]string{name: nil}, extra...)) == 0
	}
	return targets.SecretHeader(from)
}

// StripSecretSaves returns saves without the values of those whose source
// looks secret (SecretSource). saves itself is not modified; it is returned
// as is when there is nothing to strip.
func StripSecretSaves(saves []Save, extra ...string) []Save {
	i := slices.IndexFunc(saves, func(s Save) bool { return s.Value != "" && SecretSource(s.From, extra...) })
	if i < 0 {
		return saves
	}
	out := slices.Clone(saves)
	for j := i; j < len(out); j++ {
		if SecretSource(out[j].From, extra...) {
			out[j].Value = ""
		}
	}
	return out
}

// Route is the entry's path without its query, with the recorded values
// it used (Uses) as {{name}} placeholders: the follow-ups of every
// conversation share the route /api/v1/chat/{{cid}}/messages, as they
// share the scenario's endpoint.
func (e *Entry) Route() string {
	path := stripQuery(e.URL)
	if len(e.Uses) == 0 {
		return path
	}
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(e.Uses)) {
		if v := e.Uses[k]; v != "" {
			pairs = append(pairs, v, "{{"+k+"}}")
			if esc := url.PathEscape(v); esc != v {
				pairs = append(pairs, esc, "{{"+k+"}}")
			}
		}
	}
	return replaceTokens(path, pairs)
}

// Substitute returns a copy of e whose recorded values of Uses are
// replaced by the session's current ones in vars, wherever they occur
// exactly as a journey writes them (targets.Journeys.Target): in the URL
// escaped as a path segment before the "?" and as a query value after
// it, in the body as inside a JSON string when the body is JSON (else as
// they are), in the header values as they are.
// Uses then holds the values put in. A variable e uses that vars lacks is a
// *targets.MissingVarError; an empty recorded value is left alone (it
// cannot be found). e's Header and Body are not modified.
func (e *Entry) Substitute(vars map[string]string) (Entry, error) {
	out := *e
	if len(e.Uses) == 0 {
		return out, nil
	}
	out.Uses = make(map[string]string, len(e.Uses))
	jsonBody := json.Valid(e.Body)
	var pathPairs, queryPairs, bodyPairs, rawPairs []string
	for _, k := range slices.Sorted(maps.Keys(e.Uses)) {
		old := e.Uses[k]
		now, ok := vars[k]
		if !ok {
			return Entry{}, &targets.MissingVarError{Var: k}
		}
		out.Uses[k] = now
		if old == "" || old == now {
			continue
		}
		rawPairs = append(rawPairs, old, now)
		pathPairs = appendPairs(pathPairs, old, now, url.PathEscape)
		queryPairs = appendPairs(queryPairs, old, now, url.QueryEscape)
		if jsonBody {
			bodyPairs = appendPairs(bodyPairs, old, now, jsonInner)
		} else {
			bodyPairs = append(bodyPairs, old, now)
		}
	}
	if len(rawPairs) == 0 {
		return out, nil
	}
	path, query, hasQuery := strings.Cut(e.URL, "?")
	out.URL = replaceTokens(path, pathPairs)
	if hasQuery {
		out.URL += "?" + replaceTokens(query, queryPairs)
	}
	if len(e.Body) > 0 {
		out.Body = []byte(replaceTokens(string(e.Body), bodyPairs))
	}
	if len(e.Header) > 0 {
		out.Header = make(map[string][]string, len(e.Header))
		for k, vs := range e.Header {
			nv := make([]string, len(vs))
			for i, v := range vs {
				nv[i] = replaceTokens(v, rawPairs)
			}
			out.Header[k] = nv
		}
	}
	return out, nil
}

// appendPairs appends to pairs the replacement of old by now as esc
// writes them.
func appendPairs(pairs []string, old, now string, esc func(string) string) []string {
	return append(pairs, esc(old), esc(now))
}

// jsonInner is s as the inside of a JSON string (without the quotes), as
// the journeys' JSON bodies write it.
func jsonInner(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// replaceTokens replaces in s each old of pairs (old, new, old, new, …)
// by its new, left to right, the longest old first where several match,
// but only where old stands as a token of its own: a letter or digit at
// its edge must not touch another one. A recorded id 1 is thus replaced in
// /chat/1/messages, not in /api/v1 nor in "top 10 for 2021".
func replaceTokens(s string, pairs []string) string {
	if len(pairs) == 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		best := -1
		for p := 0; p+1 < len(pairs); p += 2 {
			old := pairs[p]
			if old != "" && strings.HasPrefix(s[i:], old) && (best < 0 || len(old) > len(pairs[best])) &&
				!(isWordByte(old[0]) && i > 0 && isWordByte(s[i-1])) &&
				!(isWordByte(old[len(old)-1]) && i+len(old) < len(s) && isWordByte(s[i+len(old)])) {
				best = p
			}
		}
		if best < 0 {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(pairs[best+1])
		i += len(pairs[best])
	}
	return b.String()
}

// isWordByte reports whether c is an ASCII letter or digit.
func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
