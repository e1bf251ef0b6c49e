package replay

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/ragload/ragload/internal/input"
	"github.com/ragload/ragload/targets"
)

// FromAccessLog checks an access log in one streaming pass and returns an
// Opener that replays it. The format is detected from the first non-blank
// line: a JSON object means JSON lines (see parseJSONLog: a timestamp in
// time, timestamp, ts or @timestamp; method; path, uri, url or request),
// anything else the nginx/Apache common or combined format:
//
//	127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "ref" "ua"
//
// Offsets count from the earliest time (the first line's, in a sorted log);
// an unsorted log is sorted as OpenStream does. When every timestamp is a
// whole second (always so in the combined format), the k requests of one
// second are spread evenly across it, at s + i/k seconds: the per-second
// counts are kept without the artificial once-a-second bursts.
//
// Access logs carry no bodies. A request whose method and path (without
// query) match an endpoint of sc gets that endpoint's name, auth flag,
// headers and body, built as targets builds it, with a question drawn from
// sc.Queries by a generator seeded with seed (so every loop and every run
// with the same seed sends the same questions). Any other request is named
// "METHOD /path" and sent without body, headers or token. sc may be nil.
// Errors name the file and line, and quote at most an excerpt of it. The
// log's size has no cap, but a line longer than MaxLogLine is an error,
// with or without skipBad.
func FromAccessLog(path string, sc *targets.Scenario, seed uint64, skipBad bool) (Opener, Info, error) {
	format, parse, err := detectLogFormat(path)
	if err != nil {
		return nil, Info{}, err // names the file
	}
	m, err := newMatcher(sc)
	if err != nil {
		return nil, Info{}, fmt.Errorf("scenario %s: %w", input.Quote(sc.Name), err)
	}
	var eps endpointSet
	coarse := true
	s, err := scan(path, logLines, skipBad, func(line []byte) (int64, error) {
		r, err := parse(line)
		if err != nil {
			return 0, err
		}
		rt := m.route(r.method, r.target)
		if rt != nil {
			eps.add(rt.name, r.method, r.target, rt.auth)
		} else {
			eps.add("", r.method, r.target, false)
		}
		coarse = coarse && r.key%int64(time.Second) == 0
		return r.key, nil
	})
	if err != nil {
		return nil, Info{}, err
	}
	if s.count == 0 {
		return nil, Info{}, &targets.FileError{File: path, Err: errors.New("no requests in the access log")}
	}
	info := Info{
		Format: format, Count: s.count, Duration: time.Duration(s.max - s.min), Endpoints: eps.list,
		Digest: s.digest, Skipped: s.skipped, BadLine: s.badLine, Sorted: s.sorted,
	}
	if coarse {
		info.Duration += spread(s.atMax-1, s.atMax)
	}
	var idx []indexEntry
	if !s.sorted {
		key := func(line []byte) (int64, error) { r, err := parse(line); return r.key, err }
		if idx, err = buildIndex(path, logLines, key, s.count); err != nil {
			return nil, Info{}, err
		}
	}
	open := func() (Source, error) {
		in, err := openLines(path, logLines, idx)
		if err != nil {
			return nil, err
		}
		return &logSource{
			path: path, in: in, parse: parse, skipBad: skipBad, want: s.count,
			base: s.min, coarse: coarse, m: m,
			rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		}, nil
	}
	return open, info, nil
}

// spread is the offset of the i-th of k requests stamped with one second.
func spread(i, k int64) time.Duration {
	if k <= 1 {
		return 0
	}
	return time.Duration(i * int64(time.Second) / k)
}

// detectLogFormat reads the first non-blank line of path.
func detectLogFormat(path string) (string, func([]byte) (logRecord, error), error) {
	f, err := openFile(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	line, num, _, err := newLineReader(f, logLines).next()
	switch {
	case errors.Is(err, io.EOF):
		return "", nil, &targets.FileError{File: path, Err: errors.New("the file is empty")}
	case err != nil:
		return "", nil, lineError(path, num, -1, err)
	}
	for _, c := range line {
		if c == '{' {
			return formatJSONL, parseJSONLog, nil
		}
		if c != ' ' && c != '\t' {
			break
		}
	}
	return formatCombined, parseCombined, nil
}

// logSource turns the records of a checked access log into entries.
type logSource struct {
	path    string
	in      lines
	parse   func([]byte) (logRecord, error)
	skipBad bool
	want, n int64
	base    int64 // Unix ns of offset 0
	coarse  bool  // spread the requests of each second
	m       *matcher
	rng     *rand.Rand

	prev  int64       // key of the last record read
	group []logRecord // records sharing one timestamp (coarse), or one
	gi    int         // next of group to hand out
	ahead *logRecord  // read past the group's end
}

func (s *logSource) Next() (Entry, error) {
	if s.gi >= len(s.group) {
		if err := s.fill(); err != nil {
			return Entry{}, err
		}
	}
	r, i := s.group[s.gi], s.gi
	s.gi++
	e := s.m.entry(r.method, r.target, s.rng)
	e.Offset = time.Duration(r.key - s.base)
	if s.coarse {
		e.Offset += spread(int64(i), int64(len(s.group)))
	}
	return e, nil
}

// fill reads the next group: the records with the next timestamp when
// they are whole seconds, else the next record.
func (s *logSource) fill() error {
	s.group, s.gi = s.group[:0], 0
	if s.ahead != nil {
		s.group = append(s.group, *s.ahead)
		s.ahead = nil
	} else {
		r, err := s.read()
		if err != nil {
			return err
		}
		s.group = append(s.group, r)
	}
	for s.coarse {
		r, err := s.read()
		if errors.Is(err, io.EOF) {
			return nil // the end shows at the next fill
		}
		if err != nil {
			return err
		}
		if r.key != s.group[0].key {
			s.ahead = &r
			return nil
		}
		s.group = append(s.group, r)
	}
	return nil
}

// read returns the next good record.
func (s *logSource) read() (logRecord, error) {
	for {
		line, num, pos, err := s.in.next()
		if errors.Is(err, io.EOF) {
			if s.n != s.want {
				return logRecord{}, &targets.FileError{File: s.path, Err: fmt.Errorf("%d requests, %d when checked: the file changed", s.n, s.want)}
			}
			return logRecord{}, io.EOF
		}
		if err != nil {
			return logRecord{}, lineError(s.path, num, pos, err)
		}
		r, err := s.parse(line)
		if err != nil {
			if s.skipBad && num > 0 {
				continue // counted by the first pass
			}
			return logRecord{}, lineError(s.path, num, pos, err)
		}
		if s.n > 0 && r.key < s.prev {
			return logRecord{}, lineError(s.path, num, pos, &fieldError{"time", errors.New("out of order: the file changed since it was checked")})
		}
		s.prev = r.key
		s.n++
		return r, nil
	}
}

func (s *logSource) Close() error { return s.in.Close() }
