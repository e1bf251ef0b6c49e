package attack

import (
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// responseChecks runs the scenario's response checks on each response as
// it is read: it finds a request's endpoint as the report will (by method
// and path, or by the "#key" fragment of endpoints that share them) and
// marks a result that failed some (checks.Record). Safe for concurrent
// use: it is read-only once built.
type responseChecks struct {
	byRoute map[string]map[string]checks.Set // method -> path (base path included) -> checks
	byKey   map[string]checks.Set            // key -> checks
	// mask masks the run's secrets in excerpts (the pool's and the
	// secret headers' values); nil when there are none.
	mask func(string) string
	// secrets are the values of the scenario's secret headers
	// (Scenario.SecretValues), masked whether or not there is a pool.
	secrets []string
}

// newResponseChecks returns the checks of sc's active endpoints, whose
// requests go to target; nil when none has checks.
func newResponseChecks(sc *targets.Scenario, target string) *responseChecks {
	var c *responseChecks
	base := basePath(target)
	for _, e := range sc.Active() {
		if len(e.Checks) == 0 {
			continue
		}
		if c == nil {
			c = &responseChecks{byRoute: map[string]map[string]checks.Set{}, byKey: map[string]checks.Set{}}
		}
		if c.byRoute[e.Method] == nil {
			c.byRoute[e.Method] = map[string]checks.Set{}
		}
		c.byRoute[e.Method][base+e.Path] = e.Checks
		c.byKey[e.Key] = e.Checks
	}
	if c != nil {
		c.secrets = sc.SecretValues()
		if len(c.secrets) > 0 {
			c.mask = c.maskSecrets
		}
	}
	return c
}

// maskSecrets masks the secret headers' values in s.
func (c *responseChecks) maskSecrets(s string) string { return auth.Mask(s, c.secrets...) }

// withMask returns c masking excerpts with mask (c may be nil).
func (c *responseChecks) withMask(mask func(string) string) *responseChecks {
	if c == nil {
		return nil
	}
	m := *c
	switch {
	case mask == nil:
		// keep c's mask of the secret headers, if any
	case len(c.secrets) == 0:
		m.mask = mask
	default:
		m.mask = func(s string) string { return mask(m.maskSecrets(s)) }
	}
	return &m
}

// of returns the checks of a request (nil when its endpoint has none or
// c is nil). It does not allocate.
func (c *responseChecks) of(method, url string) checks.Set {
	if c == nil {
		return nil
	}
	path := results.RequestURI(url)
	if i := strings.IndexByte(path, '#'); i >= 0 {
		if set, ok := c.byKey[path[i+1:]]; ok {
			return set
		}
		path = path[:i]
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return c.byRoute[method][path]
}

// judge runs the checks of r's endpoint on r, whose body as read (up to
// MaxBody) is body and stream facts are stream (nil when it did not
// stream), and records the ones that failed in r's headers: call it after
// results.Trim. A failed request (results.Failed) is not checked: it
// counts as a failure, not as a failed check.
func (c *responseChecks) judge(set checks.Set, r *vegeta.Result, body []byte, stream *checks.Stream) {
	if len(set) == 0 || results.Failed(r) {
		return
	}
	o := set.Evaluate(&checks.Response{Code: int(r.Code), Body: body, Size: int64(r.BytesIn), Stream: stream}, c.mask)
	checks.Record(r, o.Failed, o.Excerpt)
}

// maskOf is the pool's Mask; nil without a pool.
func maskOf(pool *auth.Pool) func(string) string {
	if pool == nil {
		return nil
	}
	return pool.Mask
}
