package targets

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"go.yaml.in/yaml/v3"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/results/threshold"
)

// parser walks the YAML tree by hand so that every error carries the line
// and the dotted field path (yaml's own decoder only knows lines). Its
// errors quote at most an excerpt of a value (input.Quote), never a whole
// one: the file may not be a scenario at all but a secret.
type parser struct {
	file string // in messages
	name string // the scenario for fsys, to resolve the files it names
	fsys *files
	// listed says where the file lists each endpoint, by key.
	listed map[string]listedEndpoint
}

func (p *parser) errf(n *yaml.Node, field, format string, args ...any) error {
	return &FileError{File: p.file, Line: n.Line, Field: field, Err: fmt.Errorf(format, args...)}
}

// fields iterates a mapping node, rejecting unknown keys.
func (p *parser) fields(n *yaml.Node, path string, known []string, fn func(key string, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n, path, "expected a mapping, got %s", kindName(n))
	}
	seen := map[string]int{} // key -> line
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := join(path, k.Value)
		if !slices.Contains(known, k.Value) {
			return p.errf(k, field, "unknown field (known: %s)", strings.Join(known, ", "))
		}
		if prev, dup := seen[k.Value]; dup {
			return p.errf(k, field, "set twice (first on line %d)", prev)
		}
		seen[k.Value] = k.Line
		if err := fn(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) scenario(n *yaml.Node, sc *Scenario) error {
	known := []string{"name", "auth", "queries", "queries_file", "replace_endpoints", "vegeta_targets", "vegeta_format", "endpoints", "journeys", "thresholds", "marks", "secret_headers", "slo"}
	if !isScenario(n, known) {
		return &FileError{File: p.file, Line: n.Line, Err: notScenario}
	}
	var endpoints, journeys, vegetaTargets, vegetaFormat *yaml.Node
	replace := false
	err := p.fields(n, "", known, func(k string, v *yaml.Node) error {
		switch k {
		case "name":
			return p.scalar(v, k, &sc.Name)
		case "auth":
			return p.auth(v, &sc.Auth)
		case "queries":
			return p.strings(v, k, &sc.Queries, nil)
		case "queries_file":
			var f string
			if err := p.scalar(v, k, &f); err != nil {
				return err
			}
			qs, err := loadQueries(p.fsys, p.fsys.resolve(p.name, f))
			if err != nil {
				return p.fileErr(v, k, f, err)
			}
			sc.Queries = qs
		case "replace_endpoints":
			return p.scalar(v, k, &replace)
		case "vegeta_targets":
			vegetaTargets = v
		case "vegeta_format":
			vegetaFormat = v
		case "endpoints":
			endpoints = v
		case "journeys":
			journeys = v
		case "thresholds":
			return p.strings(v, k, &sc.Thresholds, checkThreshold)
		case "marks":
			return p.strings(v, k, &sc.Marks, checkThreshold)
		case "secret_headers":
			return p.strings(v, k, &sc.SecretHeaders, nil)
		case "slo":
			return p.slo(v, &sc.SLO)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if replace {
		sc.Endpoints = nil
	}
	if vegetaTargets != nil || vegetaFormat != nil {
		if err := p.vegeta(vegetaTargets, vegetaFormat, sc); err != nil {
			return err
		}
	}
	if endpoints != nil {
		if err := p.endpoints(endpoints, sc); err != nil {
			return err
		}
	}
	if journeys != nil {
		if err := p.journeys(journeys, sc); err != nil {
			return err
		}
	}
	return p.outsideVars(sc)
}

// vegeta replaces the endpoints with those of a vegeta targets file
// (FromVegeta); endpoints listed in the scenario then merge onto them by key.
func (p *parser) vegeta(file, format *yaml.Node, sc *Scenario) error {
	var f, fm string
	if format != nil {
		if err := p.scalar(format, "vegeta_format", &fm); err != nil {
			return err
		}
		if fm != vegeta.HTTPTargetFormat && fm != vegeta.JSONTargetFormat {
			return p.errf(format, "vegeta_format", "%s isn't one of [%s]", input.Quote(fm), strings.Join(vegeta.TargetFormats, " "))
		}
		if file == nil {
			return p.errf(format, "vegeta_format", "applies only with vegeta_targets")
		}
	}
	if err := p.scalar(file, "vegeta_targets", &f); err != nil {
		return err
	}
	eps, notes, err := fromVegeta(p.fsys, p.fsys.resolve(p.name, f), fm)
	if err != nil {
		return p.fileErr(file, "vegeta_targets", f, err)
	}
	sc.Endpoints = eps
	sc.Notes = append(sc.Notes, notes...)
	return nil
}

func (p *parser) auth(n *yaml.Node, a *Auth) error {
	known := []string{"login_path", "username_field", "password_field", "token_field"}
	return p.fields(n, "auth", known, func(k string, v *yaml.Node) error {
		dst := map[string]*string{
			"login_path": &a.LoginPath, "username_field": &a.UsernameField,
			"password_field": &a.PasswordField, "token_field": &a.TokenField,
		}[k]
		return p.scalar(v, "auth."+k, dst)
	})
}

func (p *parser) endpoints(n *yaml.Node, sc *Scenario) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, "endpoints", "expected a list, got %s", kindName(n))
	}
	listed := map[string]int{} // key -> line
	for i, item := range n.Content {
		path := fmt.Sprintf("endpoints[%d]", i)
		key := mapValue(item, "key")
		if key == nil {
			return p.errf(item, path+".key", "missing (each endpoint needs a short key such as \"query\")")
		}
		if prev, dup := listed[key.Value]; dup {
			return p.errf(key, path+".key", "%s is listed twice (first on line %d)", input.Quote(key.Value), prev)
		}
		listed[key.Value] = key.Line
		if p.listed == nil {
			p.listed = map[string]listedEndpoint{}
		}
		p.listed[key.Value] = listedEndpoint{item, path}
		idx := -1
		for j := range sc.Endpoints {
			if sc.Endpoints[j].Key == key.Value {
				idx = j
			}
		}
		if idx < 0 {
			// A built-in key brings in the built-in endpoint, also when
			// replace_endpoints or vegeta_targets dropped it; any other is
			// new: name defaults to the key, method to GET, weight to 1.
			e, ok := builtIn(key.Value)
			if !ok {
				e = Endpoint{Key: key.Value, Name: key.Value, Method: "GET", Weight: 1}
				if mapValue(item, "path") == nil {
					return p.errf(key, path+".path", "missing: %s is not a built-in endpoint (%s), so it needs a path",
						input.Quote(key.Value), strings.Join(builtInKeys(), ", "))
				}
			}
			sc.Endpoints = append(sc.Endpoints, e)
			idx = len(sc.Endpoints) - 1
		}
		e := &sc.Endpoints[idx]
		if err := p.endpoint(item, path, e); err != nil {
			return err
		}
		if err := p.endpointChecks(item, path, e); err != nil {
			return err
		}
		if err := e.validate(); err != nil {
			return p.fieldErr(item, path, err)
		}
	}
	return nil
}

// builtIn returns the built-in endpoint whose key is k.
func builtIn(k string) (Endpoint, bool) {
	for _, e := range Default().Endpoints {
		if e.Key == k {
			return e, true
		}
	}
	return Endpoint{}, false
}

// builtInKeys are the keys of the built-in endpoints, in their order.
func builtInKeys() []string {
	var keys []string
	for _, e := range Default().Endpoints {
		keys = append(keys, e.Key)
	}
	return keys
}

func (p *parser) endpoint(n *yaml.Node, path string, e *Endpoint) error {
	known := []string{"key", "name", "method", "path", "weight", "auth", "json", "body", "upload", "headers", "stream", "checks"}
	return p.fields(n, path, known, func(k string, v *yaml.Node) error {
		f := path + "." + k
		switch k {
		case "key":
			return p.scalar(v, f, &e.Key)
		case "name":
			return p.scalar(v, f, &e.Name)
		case "method":
			if err := p.scalar(v, f, &e.Method); err != nil {
				return err
			}
			e.Method = strings.ToUpper(e.Method)
		case "path":
			return p.scalar(v, f, &e.Path)
		case "weight":
			return p.scalar(v, f, &e.Weight)
		case "auth":
			return p.scalar(v, f, &e.Auth)
		case "json": // replaces an inherited body, but not one set next to it
			if mapValue(n, "body") == nil {
				e.Body = ""
			}
			e.Bodies, e.Upload = nil, nil
			if err := p.decode(v, f, &e.JSON); err != nil {
				return err
			}
			if _, err := json.Marshal(e.JSON); err != nil { // .nan, or a mapping with keys that are not strings
				return p.errf(v, f, "cannot be sent as JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
			}
		case "body":
			if mapValue(n, "json") == nil {
				e.JSON = nil
			}
			e.Bodies, e.Upload = nil, nil
			return p.scalar(v, f, &e.Body)
		case "upload":
			return p.upload(n, v, f, e)
		case "headers":
			e.Header = nil
			return p.decode(v, f, &e.Header)
		case "stream":
			return p.scalar(v, f, &e.Stream)
		case "checks":
			return p.checks(v, f, e)
		}
		return nil
	})
}

// checkThreshold validates a threshold or mark where it is written, so the
// error carries its line.
func checkThreshold(expr string) error {
	_, err := threshold.Parse(expr)
	return err
}
