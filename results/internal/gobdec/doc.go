// Package gobdec is the fast path of results.ReadFile: a decoder of
// vegeta's gob stream of *vegeta.Result that skips encoding/gob's
// reflection.
//
//	gobdec.go  Reader: type definitions, records, interned strings
//	wire.go    gobBuf: gob's integer, byte and field encodings
//
// A Reader hands anything it does not know to the caller (an error other
// than io.EOF and io.ErrUnexpectedEOF), which then decodes the file again
// with encoding/gob; results/gob_test.go checks the two agree.
package gobdec
