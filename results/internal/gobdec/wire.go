package gobdec

import "math"

// gobBuf reads gob's encodings from a message, from b[i:]; bad is set,
// and stays set, at the first malformed one.
type gobBuf struct {
	b   []byte
	i   int
	bad bool
}

// left is how many bytes are left to read.
func (p *gobBuf) left() int { return len(p.b) - p.i }

// uint reads an unsigned integer: a byte below 0x80 is the value; else
// the byte's negation is how many big-endian bytes follow.
func (p *gobBuf) uint() uint64 {
	if p.i < len(p.b) && p.b[p.i] < 0x80 { // most are: inlined
		p.i++
		return uint64(p.b[p.i-1])
	}
	return p.uintSlow()
}

//go:noinline (so that uint inlines)
func (p *gobBuf) uintSlow() uint64 {
	if p.bad || p.left() == 0 {
		p.bad = true
		return 0
	}
	k := -int(int8(p.b[p.i]))
	if k > 8 || p.left() < 1+k {
		p.bad = true
		return 0
	}
	var x uint64
	for _, c := range p.b[p.i+1 : p.i+1+k] {
		x = x<<8 | uint64(c)
	}
	p.i += 1 + k
	return x
}

// int reads a signed integer: an unsigned one whose low bit is the sign.
func (p *gobBuf) int() int64 {
	x := p.uint()
	if x&1 != 0 {
		return ^int64(x >> 1)
	}
	return int64(x >> 1)
}

// id reads a type id: an int32 (encoding/gob refuses larger ones in type
// definitions, and truncates them in messages).
func (p *gobBuf) id() int64 {
	x := p.int()
	if x < math.MinInt32 || x > math.MaxInt32 {
		p.bad = true
	}
	return x
}

// bytes reads a byte count and that many bytes (a string, a []byte or a
// GobEncoder's encoding).
func (p *gobBuf) bytes() []byte {
	n := p.uint()
	if n > uint64(p.left()) || p.bad {
		p.bad = true
		return nil
	}
	b := p.b[p.i : p.i+int(n)]
	p.i += int(n)
	return b
}

// fields reads a struct: for each field present it calls fn with the
// field's number, which reads the field's value. A struct ends with a zero
// delta or at the end of the message.
func (p *gobBuf) fields(fn func(field int) bool) bool {
	field := -1
	for p.left() > 0 {
		d := p.uint()
		if p.bad || d > 1<<16 {
			return false
		}
		if d == 0 {
			return true
		}
		field += int(d)
		if !fn(field) || p.bad {
			return false
		}
	}
	return true
}

// wireType reads encoding/gob's wireType: a struct of one pointer field
// per kind, each a struct that starts with a CommonType.
func (p *gobBuf) wireType() (*gobType, bool) {
	var t *gobType
	ok := p.fields(func(kind int) bool {
		if t != nil || kind > wireTextMarshaler {
			return false
		}
		t = &gobType{kind: kind}
		return p.fields(func(f int) bool {
			switch {
			case f == 0: // CommonType{Name string; Id typeId}
				return p.fields(func(f int) bool {
					switch f {
					case 0:
						p.bytes()
					case 1:
						p.id()
					default:
						return false
					}
					return true
				})
			case kind == wireStruct && f == 1: // Field []fieldType{Name string; Id typeId}
				n := p.uint()
				if n > uint64(p.left()) {
					return false
				}
				for range n {
					if p.left() == 0 { // as encoding/gob: each element needs a byte
						return false
					}
					var ft gobField
					if !p.fields(func(f int) bool {
						switch f {
						case 0:
							ft.name = string(p.bytes())
						case 1:
							ft.id = p.id()
						default:
							return false
						}
						return true
					}) {
						return false
					}
					t.fields = append(t.fields, ft)
				}
			case kind == wireMap && f == 1:
				t.key = p.id()
			case (kind == wireMap && f == 2) || ((kind == wireSlice || kind == wireArray) && f == 1):
				t.elem = p.id()
			case kind == wireArray && f == 2:
				p.int()
			default:
				return false
			}
			return true
		})
	})
	return t, ok && t != nil
}
