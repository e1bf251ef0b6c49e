package targets

// The templates of journey steps compiled for sending: literal parts and
// variables, filled by appends with each variable escaped for where it
// stands (path, query, JSON string, raw).

import (
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"
)

// How a variable's value enters a request.
const (
	escRaw   = iota // verbatim: a raw body, a header value
	escPath         // url.PathEscape: a path segment
	escQuery        // url.QueryEscape: after the path's "?"
	escJSON         // inside a JSON string
)

// tpart is a piece of a compiled template.
type tpart struct {
	lit   string
	name  string // a variable; "" for a literal
	query bool   // the question
	esc   int
}

// template compiles s: variables escaped with esc; {{query}} is the
// question when query is true, else literal text (paths and headers).
func template(s string, esc int, query bool) []tpart {
	var out []tpart
	for _, sg := range splitTemplate(s) {
		switch {
		case sg.name == "":
			out = append(out, tpart{lit: sg.lit})
		case sg.name == queryVar && !query:
			out = append(out, tpart{lit: QueryPlaceholder})
		default:
			out = append(out, tpart{name: sg.name, query: sg.name == queryVar, esc: esc})
		}
	}
	return out
}

// urlTemplate compiles a URL whose path holds variables: escaped as path
// segments before the path's "?", as query components after it; nil when
// it holds none.
func urlTemplate(u string) []tpart {
	if !hasVars(u) {
		return nil
	}
	parts := template(u, escPath, false)
	inQuery := false
	for i := range parts {
		if parts[i].name != "" && inQuery {
			parts[i].esc = escQuery
		}
		inQuery = inQuery || strings.ContainsAny(parts[i].lit, "?#")
	}
	return parts
}

// jsonTemplate compiles a JSON body template: JSON as json.Marshal writes
// it (keys sorted), with the placeholders of string values (not keys) left
// as parts.
type jsonTemplate struct {
	parts []tpart
	lit   []byte
}

func (c *jsonTemplate) flush() {
	if len(c.lit) > 0 {
		c.parts = append(c.parts, tpart{lit: string(c.lit)})
		c.lit = c.lit[:0]
	}
}

func (c *jsonTemplate) done() []tpart {
	c.flush()
	return c.parts
}

// value appends v. Its values marshal (the parser and Prepare checked).
func (c *jsonTemplate) value(v any) {
	switch t := v.(type) {
	case string:
		if !strings.Contains(t, "{{") {
			c.marshal(t)
			return
		}
		c.lit = append(c.lit, '"')
		for _, sg := range splitTemplate(t) {
			if sg.name == "" {
				b, _ := json.Marshal(sg.lit)
				c.lit = append(c.lit, b[1:len(b)-1]...)
				continue
			}
			c.flush()
			c.parts = append(c.parts, tpart{name: sg.name, query: sg.name == queryVar, esc: escJSON})
		}
		c.lit = append(c.lit, '"')
	case map[string]any:
		c.lit = append(c.lit, '{')
		for i, k := range sortedKeys(t) {
			if i > 0 {
				c.lit = append(c.lit, ',')
			}
			c.marshal(k)
			c.lit = append(c.lit, ':')
			c.value(t[k])
		}
		c.lit = append(c.lit, '}')
	case []any:
		c.lit = append(c.lit, '[')
		for i, x := range t {
			if i > 0 {
				c.lit = append(c.lit, ',')
			}
			c.value(x)
		}
		c.lit = append(c.lit, ']')
	default:
		c.marshal(t)
	}
}

func (c *jsonTemplate) marshal(v any) {
	b, _ := json.Marshal(v)
	c.lit = append(c.lit, b...)
}

// render appends the template parts to dst, with vars' values and the
// question q.
func render(dst []byte, parts []tpart, vars Vars, q []byte) ([]byte, error) {
	for i := range parts {
		p := &parts[i]
		switch {
		case p.name == "":
			dst = append(dst, p.lit...)
		case p.query:
			dst = append(dst, q...)
		default:
			v, ok := vars[p.name]
			if !ok {
				return nil, &MissingVarError{Var: p.name}
			}
			switch p.esc {
			case escPath:
				dst = append(dst, url.PathEscape(v)...)
			case escQuery:
				dst = append(dst, url.QueryEscape(v)...)
			case escJSON:
				dst = appendJSONString(dst, v)
			default:
				dst = append(dst, v...)
			}
		}
	}
	return dst, nil
}

// appendJSONString appends s as the inside of a JSON string: quotes,
// backslashes and control characters escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029': // valid JSON, but not inside JavaScript
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
