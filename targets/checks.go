package targets

// Response checks per endpoint (checks:) and the scenario's objectives
// (slo:): how they read from a scenario file, and what of them goes into
// the manifest.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/results"
)

// SLO is the objectives a request must meet to count in goodput (as well
// as passing its endpoint's checks). A zero field is not an objective.
// TTFT and TPOT (time per output token after the first) judge streamed
// responses only.
type SLO struct {
	Latency, TTFT, TPOT time.Duration
}

// IsZero reports whether s sets no objective.
func (s SLO) IsZero() bool { return s == SLO{} }

// SLOInfo is s as the manifest stores it; nil when it sets nothing.
func (s SLO) SLOInfo() *results.SLO {
	if s.IsZero() {
		return nil
	}
	return &results.SLO{Latency: results.Duration(s.Latency), TTFT: results.Duration(s.TTFT), TPOT: results.Duration(s.TPOT)}
}

// ChecksInfo is what the manifest stores of the active endpoints' checks
// (results.ScenarioInfo.Checks): their display names by endpoint name;
// nil when no active endpoint has checks.
func (s *Scenario) ChecksInfo() map[string][]string {
	var out map[string][]string
	for _, e := range s.Active() {
		if len(e.Checks) == 0 {
			continue
		}
		if out == nil {
			out = map[string][]string{}
		}
		out[e.Name] = e.Checks.Names()
	}
	return out
}

// checkKeys are the keys a check may have, in the order messages list
// them.
var checkKeys = slices.Concat(checks.Kinds, checks.JSONPredicates, []string{"name"})

// checks reads an endpoint's checks: a list of mappings, each one check.
// A listed checks: replaces the inherited ones.
func (p *parser) checks(n *yaml.Node, path string, e *Endpoint) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, path, "expected a list of checks such as - status: 2xx, got %s", kindName(n))
	}
	if len(n.Content) > checks.MaxChecks {
		return p.errf(n.Content[checks.MaxChecks], fmt.Sprintf("%s[%d]", path, checks.MaxChecks), "too many checks: %d, at most %d per endpoint", len(n.Content), checks.MaxChecks)
	}
	set := make(checks.Set, 0, len(n.Content))
	named := map[string]int{} // display name -> index
	for i, item := range n.Content {
		f := fmt.Sprintf("%s[%d]", path, i)
		c, err := p.check(item, f)
		if err != nil {
			return err
		}
		if prev, dup := named[c.Name()]; dup {
			at := item
			if v := mapValue(item, "name"); v != nil {
				at = v
			}
			return p.errf(at, f+".name", "%s is the name of %s[%d] too; give one a name: of its own", input.Quote(c.Name()), path, prev)
		}
		named[c.Name()] = i
		set = append(set, c)
	}
	e.Checks = set
	return nil
}

// check reads one check into a checks.Spec and compiles it; errors name
// the field that is wrong, at its line.
func (p *parser) check(n *yaml.Node, path string) (checks.Check, error) {
	var none checks.Check
	if n.Kind != yaml.MappingNode {
		return none, p.errf(n, path, "expected a mapping such as {status: 2xx} or {json: answer, not_empty: true}, got %s", kindName(n))
	}
	var s checks.Spec
	str := func(v *yaml.Node, f string, dst **string) error {
		var x string
		if err := p.scalar(v, f, &x); err != nil {
			return err
		}
		*dst = &x
		return nil
	}
	boolean := func(v *yaml.Node, f string, dst **bool) error {
		var x bool
		if err := p.scalar(v, f, &x); err != nil {
			return err
		}
		*dst = &x
		return nil
	}
	count := func(v *yaml.Node, f string, dst **int) error {
		var x int
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || v.Decode(&x) != nil || x < 1 {
			return p.errf(v, f, "want an integer ≥ 1, got %s", kindName(v))
		}
		*dst = &x
		return nil
	}
	seen := map[string]int{} // key -> line
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := join(path, k.Value)
		if !slices.Contains(checkKeys, k.Value) {
			return none, p.errf(k, f, "unknown check (known: %s; with json: %s; and name)",
				strings.Join(checks.Kinds, ", "), strings.Join(checks.JSONPredicates, ", "))
		}
		if prev, dup := seen[k.Value]; dup {
			return none, p.errf(k, f, "set twice (first on line %d)", prev)
		}
		seen[k.Value] = k.Line
		var err error
		switch k.Value {
		case "name":
			err = p.scalar(v, f, &s.Name)
		case "status":
			err = str(v, f, &s.Status)
		case "json":
			err = str(v, f, &s.JSON)
		case "present":
			err = boolean(v, f, &s.Present)
		case "not_empty":
			err = boolean(v, f, &s.NotEmpty)
		case "min_items":
			err = count(v, f, &s.MinItems)
		case "matches":
			err = str(v, f, &s.Matches)
		case "body_contains":
			err = str(v, f, &s.BodyContains)
		case "body_not_contains":
			err = str(v, f, &s.BodyNotContains)
		case "max_body":
			err = str(v, f, &s.MaxBody)
		case "stream_done":
			err = boolean(v, f, &s.StreamDone)
		case "min_tokens":
			err = count(v, f, &s.MinTokens)
		}
		if err != nil {
			return none, err
		}
	}
	c, err := checks.Compile(s)
	if err != nil {
		return none, p.fieldErr(n, path, err)
	}
	return c, nil
}

// validateChecks refuses stream checks on an endpoint that does not stream.
func (e Endpoint) validateChecks() error {
	if e.Stream != "" {
		return nil
	}
	for i := range e.Checks {
		if e.Checks[i].Stream() {
			return fmt.Errorf("checks[%d]: %s needs a streamed endpoint (stream: sse or chunked)", i, input.Quote(e.Checks[i].Name()))
		}
	}
	return nil
}

// slo reads the top-level slo: block.
func (p *parser) slo(n *yaml.Node, s *SLO) error {
	known := []string{"latency", "ttft", "tpot"}
	return p.fields(n, "slo", known, func(k string, v *yaml.Node) error {
		f := "slo." + k
		var txt string
		if err := p.scalar(v, f, &txt); err != nil {
			return err
		}
		d, err := time.ParseDuration(txt)
		if err != nil || d <= 0 {
			return p.errf(v, f, "want a positive duration such as 2s or 150ms, got %s", input.Quote(txt))
		}
		*map[string]*time.Duration{"latency": &s.Latency, "ttft": &s.TTFT, "tpot": &s.TPOT}[k] = d
		return nil
	})
}

// endpointChecks is validateChecks at the line of the offending check (or
// of the endpoint, when its checks are inherited).
func (p *parser) endpointChecks(item *yaml.Node, path string, e *Endpoint) error {
	for i := range e.Checks {
		if e.Stream != "" || !e.Checks[i].Stream() {
			continue
		}
		at, f := item, path+".checks"
		if list := mapValue(item, "checks"); list != nil && list.Kind == yaml.SequenceNode && i < len(list.Content) {
			at, f = list.Content[i], fmt.Sprintf("%s.checks[%d]", path, i)
		}
		return p.errf(at, f, "%s needs a streamed endpoint (stream: sse or chunked)", input.Quote(e.Checks[i].Name()))
	}
	return nil
}

// SecretValues returns the values of the headers the active endpoints send
// that carry secrets (SecretHeader, or named by secret_headers), and of
// each the part after an auth scheme ("Bearer sk-…" gives "sk-…" too), so
// that excerpts of responses that echo them can mask them as they mask the
// pool's passwords and tokens; nil when there are none.
func (s *Scenario) SecretValues() []string {
	var out []string
	for _, e := range s.Active() {
		for k, v := range e.Header {
			if v == "" || !(SecretHeader(k) || slices.ContainsFunc(s.SecretHeaders, func(x string) bool { return strings.EqualFold(x, k) })) {
				continue
			}
			out = append(out, v)
			if _, rest, ok := strings.Cut(strings.TrimSpace(v), " "); ok && strings.TrimSpace(rest) != "" {
				out = append(out, strings.TrimSpace(rest))
			}
		}
	}
	return out
}
