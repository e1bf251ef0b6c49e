package targets

// The YAML node helpers of the scenario parser: typed scalars, lists of
// strings, kinds and field paths for messages.

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ragload/ragload/internal/input"
)

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
