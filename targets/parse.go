package targets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"go.yaml.in/yaml/v3"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/results"
)

// parser walks the YAML tree by hand so that every error carries the line
// and the dotted field path (yaml's own decoder only knows lines). Its
// errors quote at most an excerpt of a value (input.Quote), never a whole
// one: the file may not be a scenario at all but a secret.
type parser struct {
	file string // in messages
	name string // the scenario for fsys, to resolve the files it names
	fsys *files
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
	known := []string{"name", "auth", "queries", "queries_file", "replace_endpoints", "vegeta_targets", "vegeta_format", "endpoints", "thresholds", "marks", "secret_headers"}
	if !isScenario(n, known) {
		return &FileError{File: p.file, Line: n.Line, Err: notScenario}
	}
	var endpoints, vegetaTargets, vegetaFormat *yaml.Node
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
		case "thresholds":
			return p.strings(v, k, &sc.Thresholds, checkThreshold)
		case "marks":
			return p.strings(v, k, &sc.Marks, checkThreshold)
		case "secret_headers":
			return p.strings(v, k, &sc.SecretHeaders, nil)
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
		return p.endpoints(endpoints, sc)
	}
	return nil
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
	known := []string{"key", "name", "method", "path", "weight", "auth", "json", "body", "headers", "stream"}
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
			e.Bodies = nil
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
			e.Bodies = nil
			return p.scalar(v, f, &e.Body)
		case "headers":
			e.Header = nil
			return p.decode(v, f, &e.Header)
		case "stream":
			return p.scalar(v, f, &e.Stream)
		}
		return nil
	})
}

// fieldErr places a validation error ("weight: ...") at the line of the
// field it names, or at the item when that field is absent.
func (p *parser) fieldErr(item *yaml.Node, path string, err error) error {
	field, msg, ok := strings.Cut(err.Error(), ": ")
	if !ok {
		return p.errf(item, path, "%w", err)
	}
	at := item
	if v := mapValue(item, field); v != nil {
		at = v
	}
	return p.errf(at, path+"."+field, "%s", msg)
}

func (p *parser) scalar(n *yaml.Node, field string, dst any) error {
	if n.Kind != yaml.ScalarNode {
		return p.errf(n, field, "expected a single value, got %s", kindName(n))
	}
	_, isInt := dst.(*int) // yaml would truncate 1.5 (or 0.5, to 0) silently
	if err := n.Decode(dst); err != nil || (isInt && n.ShortTag() != "!!int") {
		return p.errf(n, field, "%s is not a %s", input.Quote(n.Value), typeName(dst))
	}
	return nil
}

func (p *parser) decode(n *yaml.Node, field string, dst any) error {
	if err := n.Decode(dst); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			return p.errf(n, field, "%s", input.CutMessage(te.Errors[0]))
		}
		return p.errf(n, field, "%w", input.CutError(err))
	}
	return nil
}

func (p *parser) strings(n *yaml.Node, field string, dst *[]string, check func(string) error) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, field, "expected a list, got %s", kindName(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		var s string
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := p.scalar(item, f, &s); err != nil {
			return err
		}
		if check != nil {
			if err := check(s); err != nil {
				return p.errf(item, f, "%w", input.CutError(err))
			}
		}
		out = append(out, s)
	}
	*dst = out
	return nil
}

// checkThreshold validates a threshold or mark where it is written, so the
// error carries its line.
func checkThreshold(expr string) error {
	_, err := results.ParseThreshold(expr)
	return err
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return input.Quote(n.Value)
}

func typeName(v any) string {
	switch v.(type) {
	case *int:
		return "whole number"
	case *bool:
		return "boolean (true or false)"
	}
	return "string"
}

// join appends the key k (cut to an excerpt) to a dotted field path.
func join(path, k string) string {
	k = input.Excerpt(k)
	if path == "" {
		return k
	}
	return path + "." + k
}

// isScenario reports whether n, the top of a YAML file, looks like a
// scenario: a mapping that is empty or has at least one known field.
// Anything else (a string, as /etc/passwd parses, a list, a mapping of
// other keys such as a .env or a config of another tool) is not one.
func isScenario(n *yaml.Node, known []string) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		if slices.Contains(known, n.Content[i].Value) {
			return true
		}
	}
	return len(n.Content) == 0
}

// fileErr places the error of reading the file f, named by the field at n.
// A file LoadIn may not read is named by its excerpt, without a cause; one
// that cannot be opened by its excerpt and the cause (the open error would
// quote the whole path, a value of the scenario).
func (p *parser) fileErr(n *yaml.Node, field, f string, err error) error {
	var oe *outsideError
	var pe *fs.PathError
	var fe *FileError // a file f names (an @body file) was refused: fe says which
	switch {
	case errors.As(err, &fe):
	case errors.As(err, &oe):
		return p.errf(n, field, "%s: %w", input.Quote(f), oe)
	case errors.As(err, &pe):
		return p.errf(n, field, "%s: %w", input.Quote(f), pe.Err)
	}
	return p.errf(n, field, "%w", err)
}
