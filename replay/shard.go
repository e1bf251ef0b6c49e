package replay

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
)

// Sharded keeps the entries of one shard of a stream spread over count
// generators: those whose index (from 0) is index mod count, except that
// the entries of a session (a recorded journey) stay together: they go to
// the shard of a hash of the session. The offsets are kept, so shards
// started together replay the stream's timing between them. A stream with
// sessions is read once to count the shard's entries.
func Sharded(open Opener, info Info, index, count int) (Opener, Info, error) {
	if count <= 1 {
		return open, info, nil
	}
	if index < 0 || index >= count {
		return nil, info, fmt.Errorf("shard %d/%d: want 0 ≤ index < count", index, count)
	}
	shard := func() (Source, error) {
		src, err := open()
		if err != nil {
			return nil, err
		}
		return &shardSource{Source: src, index: int64(index), count: int64(count)}, nil
	}
	if info.Sessions == 0 {
		n := info.Count / int64(count)
		if int64(index) < info.Count%int64(count) {
			n++
		}
		info.Count = n
		return shard, info, nil
	}
	src, err := shard()
	if err != nil {
		return nil, info, err
	}
	defer src.Close()
	info.Count, info.Sessions = 0, 0
	for {
		e, err := src.Next()
		if errors.Is(err, io.EOF) {
			return shard, info, nil
		}
		if err != nil {
			return nil, info, err
		}
		info.Count++
		if e.Session != "" {
			info.Sessions++
		}
	}
}

type shardSource struct {
	Source
	index, count, next int64
}

func (s *shardSource) Next() (Entry, error) {
	for {
		e, err := s.Source.Next()
		if err != nil {
			return e, err
		}
		i := s.next
		s.next++
		if e.Session != "" {
			h := fnv.New64a()
			h.Write([]byte(e.Session))
			i = int64(h.Sum64() % uint64(s.count))
		}
		if i%s.count == s.index {
			return e, nil
		}
	}
}
