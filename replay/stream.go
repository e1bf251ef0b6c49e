package replay

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ragload/ragload/targets"
)

// OpenStream checks a recorded stream file (the format of the package
// documentation) in one streaming pass and returns an Opener that reads it.
// A malformed line is an error naming the file, line and field; with
// skipBad it is counted in Info.Skipped and left out instead. A sorted file
// is read again line by line, so memory does not grow with its length; an
// unsorted one is read through a sorted index of its lines (Info.Sorted is
// then false). The file's size has no cap, but a line longer than
// MaxStreamLine is an error naming it, with or without skipBad; errors
// quote at most an excerpt of a line.
func OpenStream(path string, skipBad bool) (Opener, Info, error) {
	var eps endpointSet
	var js journeySet
	s, err := scan(path, streamLines, skipBad, func(line []byte) (int64, error) {
		e, err := decodeEntry(line)
		if err != nil {
			return 0, err
		}
		eps.add(e.Endpoint, e.Method, e.Route(), e.Auth)
		js.add(&e)
		return int64(e.Offset), nil
	})
	if err != nil {
		return nil, Info{}, err // names the file
	}
	if s.count == 0 {
		return nil, Info{}, &targets.FileError{File: path, Err: errors.New("no requests in the stream")}
	}
	info := Info{
		Format: "stream", Count: s.count, Duration: time.Duration(s.max), Endpoints: eps.list,
		Digest: s.digest, Skipped: s.skipped, BadLine: s.badLine, Sorted: s.sorted,
		Sessions: js.n, Journeys: js.list,
	}
	var idx []indexEntry
	if !s.sorted {
		if idx, err = buildIndex(path, streamLines, offsetKey, s.count); err != nil {
			return nil, Info{}, err
		}
	}
	open := func() (Source, error) {
		in, err := openLines(path, streamLines, idx)
		if err != nil {
			return nil, err
		}
		return &streamSource{path: path, in: in, skipBad: skipBad, want: s.count}, nil
	}
	return open, info, nil
}

// offsetKey is the sort key of a stream line. It rejects exactly what the
// first pass rejected, so the index holds the lines that pass kept.
func offsetKey(line []byte) (int64, error) {
	e, err := decodeEntry(line)
	return int64(e.Offset), err
}

// streamSource decodes the lines of a checked stream file.
type streamSource struct {
	path    string
	in      lines
	skipBad bool
	prev    time.Duration
	n, want int64
}

func (s *streamSource) Next() (Entry, error) {
	for {
		line, num, pos, err := s.in.next()
		if errors.Is(err, io.EOF) {
			if s.n != s.want {
				return Entry{}, &targets.FileError{File: s.path, Err: fmt.Errorf("%d requests, %d when checked: the file changed", s.n, s.want)}
			}
			return Entry{}, io.EOF
		}
		if err != nil {
			return Entry{}, lineError(s.path, num, pos, err)
		}
		e, err := decodeEntry(line)
		if err != nil {
			if s.skipBad && num > 0 {
				continue // counted by the first pass
			}
			return Entry{}, lineError(s.path, num, pos, err)
		}
		if e.Offset < s.prev {
			return Entry{}, lineError(s.path, num, pos, &fieldError{"offset_us", errors.New("out of order: the file changed since it was checked")})
		}
		s.prev = e.Offset
		s.n++
		return e, nil
	}
}

func (s *streamSource) Close() error { return s.in.Close() }
