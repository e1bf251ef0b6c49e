package gobdec

import (
	"bufio"
	"errors"
	"io"
	"math"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Reader decodes vegeta's gob stream of *vegeta.Result without
// encoding/gob, which spends most of a report's time in reflection and in a
// dozen allocations per result. It reads the stream's type definitions,
// checks that the Result they describe is one it knows field by field, and
// then decodes each record straight from the read buffer, interning the
// strings that repeat (attack, method, URL, error messages, header names).
//
// It accepts only what encoding/gob decodes to the same Result, and calls
// anything else unsupported: the caller then decodes the file again with
// encoding/gob from the start (skipping the results already delivered), so
// that damage is reported exactly as before and unusual streams still read.
// The one damage it reports itself is the usual one, a stream cut short, as
// encoding/gob does: io.ErrUnexpectedEOF after the last whole record.
//
// The wire format is documented in encoding/gob's doc.go: a stream of
// messages, each a byte count and a type id; a negative id defines that type
// (a wireType, itself gob-encoded), a positive one is a value of it.
type Reader struct {
	br     *bufio.Reader
	off    int64 // bytes of the stream consumed (whole messages)
	size   int   // bytes of the current message, with its count
	peeked int   // bytes of it still in br (peeked, not read)

	types  map[int64]*gobType // the stream's type definitions
	result int64              // the type id of its records, once the first came
	fields []resultField      // by wire field number of that type
	intern map[string]string
	recent [fieldHeaders + 1]recentStrings // the last strings of each field (header names at fieldHeaders)
	big    []byte                          // messages larger than br's buffer
}

// recentStrings are the last distinct strings a field held: the few
// endpoints of a run repeat, and comparing a string or two costs less than
// a map lookup.
type recentStrings struct {
	s    [4]string
	next int
}

// errUnsupported means a stream (or a record of it) that Reader leaves to
// encoding/gob.
var errUnsupported = errors.New("not a stream Reader decodes")

// gob's predefined type ids (encoding/gob type.go).
const (
	gobInt        = 2
	gobUint       = 3
	gobBytes      = 5
	gobString     = 6
	gobFirstUser  = 64
	maxGobMessage = 16 << 20 // larger messages go to encoding/gob (which reads them in chunks)
	maxInterned   = 4096     // distinct strings interned per file
)

// gobType is the part of a wireType Reader looks at.
type gobType struct {
	kind      int // one of the wire* constants
	fields    []gobField
	key, elem int64
}

// Kinds of wireType, by field number of encoding/gob's wireType.
const (
	wireArray = iota
	wireSlice
	wireStruct
	wireMap
	wireGobEncoder
	wireBinaryMarshaler
	wireTextMarshaler
)

type gobField struct {
	name string
	id   int64
}

// resultField is a field of vegeta.Result.
type resultField uint8

const (
	fieldAttack resultField = iota
	fieldSeq
	fieldCode
	fieldTimestamp
	fieldLatency
	fieldBytesOut
	fieldBytesIn
	fieldError
	fieldBody
	fieldMethod
	fieldURL
	fieldHeaders
)

// resultFields are vegeta.Result's fields by name, with the wire type of
// each that encoding/gob accepts (0 for those checked apart).
var resultFields = map[string]struct {
	field resultField
	wire  int64
}{
	"Attack": {fieldAttack, gobString}, "Seq": {fieldSeq, gobUint}, "Code": {fieldCode, gobUint},
	"Timestamp": {fieldTimestamp, 0}, "Latency": {fieldLatency, gobInt}, "BytesOut": {fieldBytesOut, gobUint},
	"BytesIn": {fieldBytesIn, gobUint}, "Error": {fieldError, gobString}, "Body": {fieldBody, gobBytes},
	"Method": {fieldMethod, gobString}, "URL": {fieldURL, gobString}, "Headers": {fieldHeaders, 0},
}

// NewReader returns a Reader of the gob stream in br.
func NewReader(br *bufio.Reader) *Reader {
	return &Reader{br: br, types: map[int64]*gobType{}, intern: map[string]string{}}
}

// Offset is how many bytes of the stream the records decoded so far, and
// the type definitions before them, take: where a clean read ends.
func (g *Reader) Offset() int64 { return g.off }

// Next decodes the next record into r, which must be zero but for an
// empty Headers map (which it fills). It returns io.EOF at a clean end,
// io.ErrUnexpectedEOF for a stream cut short, and errUnsupported for
// anything it leaves to encoding/gob; in all these cases r is undefined.
func (g *Reader) Next(r *vegeta.Result) error {
	for {
		msg, err := g.message()
		if err == io.EOF && g.off > 0 && g.result == 0 {
			return errUnsupported // type definitions and no record: encoding/gob says cut short
		}
		if err != nil {
			return err
		}
		p := gobBuf{b: msg}
		id := p.id()
		switch {
		case p.bad:
			return errUnsupported
		case id < 0: // a type definition, before the first record only
			if g.result != 0 || -id < gobFirstUser || g.types[-id] != nil {
				return errUnsupported
			}
			t, ok := p.wireType()
			if !ok || p.left() > 0 {
				return errUnsupported
			}
			g.types[-id] = t
		case g.result == 0 && !g.compile(id):
			return errUnsupported
		case id != g.result:
			return errUnsupported
		default:
			if !g.record(&p, r) {
				return errUnsupported
			}
			g.consume()
			return nil
		}
		g.consume()
	}
}

// message returns the payload of the next message, valid until consume.
func (g *Reader) message() ([]byte, error) {
	c, err := g.br.ReadByte()
	if err == io.EOF {
		return nil, io.EOF // between messages: the end
	} else if err != nil {
		return nil, err
	}
	count, width := uint64(c), 1
	if c > 0x7f {
		k := -int(int8(c))
		if k > 8 {
			return nil, errUnsupported
		}
		var b [8]byte
		if _, err := io.ReadFull(g.br, b[:k]); err != nil {
			return nil, cutShort(err)
		}
		count = 0
		for _, c := range b[:k] {
			count = count<<8 | uint64(c)
		}
		width += k
	}
	if count > maxGobMessage {
		return nil, errUnsupported
	}
	n := int(count)
	g.size = width + n
	if n <= g.br.Size() {
		b, err := g.br.Peek(n)
		if err != nil {
			return nil, cutShort(err)
		}
		g.peeked = n
		return b, nil
	}
	if cap(g.big) < n {
		g.big = make([]byte, n)
	}
	g.big = g.big[:n]
	if _, err := io.ReadFull(g.br, g.big); err != nil {
		return nil, cutShort(err)
	}
	g.peeked = 0
	return g.big, nil
}

// consume moves past the message that message returned.
func (g *Reader) consume() {
	g.br.Discard(g.peeked) // buffered: cannot fail
	g.peeked = 0
	g.off += int64(g.size)
}

// cutShort is the error of a stream that ends inside a message.
func cutShort(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// compile takes id, the type of the first record, as the records' type:
// a struct whose every field is one of Result's with the wire type
// encoding/gob decodes into it.
func (g *Reader) compile(id int64) bool {
	t := g.types[id]
	if t == nil || t.kind != wireStruct || len(t.fields) == 0 {
		return false
	}
	seen := map[resultField]bool{}
	for _, f := range t.fields {
		rf, ok := resultFields[f.name]
		if !ok || seen[rf.field] {
			return false
		}
		seen[rf.field] = true
		switch rf.field {
		case fieldTimestamp:
			if w := g.types[f.id]; w == nil || w.kind != wireGobEncoder {
				return false
			}
		case fieldHeaders: // map[string][]string
			m := g.types[f.id]
			if m == nil || m.kind != wireMap || m.key != gobString {
				return false
			}
			if s := g.types[m.elem]; s == nil || s.kind != wireSlice || s.elem != gobString {
				return false
			}
		default:
			if f.id != rf.wire {
				return false
			}
		}
		g.fields = append(g.fields, rf.field)
	}
	g.result = id
	return true
}

// record decodes a record's fields into r.
func (g *Reader) record(p *gobBuf, r *vegeta.Result) bool {
	field := -1
	for p.left() > 0 {
		d := p.uint()
		if p.bad || d > uint64(len(g.fields)) {
			return false
		}
		if d == 0 { // the end of the struct
			break
		}
		if field >= len(g.fields)-int(d) {
			return false
		}
		field += int(d)
		switch g.fields[field] {
		case fieldAttack:
			r.Attack = g.string(p, fieldAttack)
		case fieldSeq:
			r.Seq = p.uint()
		case fieldCode:
			c := p.uint()
			if c > math.MaxUint16 {
				return false
			}
			r.Code = uint16(c)
		case fieldTimestamp:
			b := p.bytes()
			if p.bad || r.Timestamp.UnmarshalBinary(b) != nil {
				return false
			}
		case fieldLatency:
			r.Latency = time.Duration(p.int())
		case fieldBytesOut:
			r.BytesOut = p.uint()
		case fieldBytesIn:
			r.BytesIn = p.uint()
		case fieldError:
			r.Error = g.string(p, fieldError)
		case fieldBody:
			if b := p.bytes(); len(b) > 0 {
				r.Body = append([]byte(nil), b...)
			}
		case fieldMethod:
			r.Method = g.string(p, fieldMethod)
		case fieldURL:
			r.URL = g.string(p, fieldURL)
		case fieldHeaders:
			if !g.headers(p, r) {
				return false
			}
		}
		if p.bad {
			return false
		}
	}
	return true
}

// headers decodes a map[string][]string into r.Headers.
func (g *Reader) headers(p *gobBuf, r *vegeta.Result) bool {
	n := p.uint()
	if p.bad || n > uint64(p.left()) {
		return false
	}
	if r.Headers == nil {
		r.Headers = make(map[string][]string, n)
	}
	for range n {
		k := g.string(p, fieldHeaders)
		c := p.uint()
		if p.bad || c > uint64(p.left()) {
			return false
		}
		var vs []string // encoding/gob leaves an empty slice nil
		if c > 0 {
			vs = make([]string, c)
			for i := range vs {
				if p.left() == 0 {
					return false
				}
				vs[i] = string(p.bytes())
			}
		}
		if p.bad {
			return false
		}
		r.Headers[k] = vs
	}
	return true
}

// string decodes a string of field f, interned while the table has room.
func (g *Reader) string(p *gobBuf, f resultField) string {
	b := p.bytes()
	if len(b) == 0 {
		return ""
	}
	rs := &g.recent[f]
	for _, s := range rs.s {
		if s == string(b) {
			return s
		}
	}
	s, ok := g.intern[string(b)]
	if !ok {
		s = string(b)
		if len(g.intern) < maxInterned {
			g.intern[s] = s
		}
	}
	rs.s[rs.next] = s
	rs.next = (rs.next + 1) % len(rs.s)
	return s
}
