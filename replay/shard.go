package replay

import "fmt"

// Sharded keeps the entries of one shard of a stream spread over count
// generators: those whose index (from 0) is index mod count. The offsets
// are kept, so shards started together replay the stream's timing between
// them.
func Sharded(open Opener, info Info, index, count int) (Opener, Info, error) {
	if count <= 1 {
		return open, info, nil
	}
	if index < 0 || index >= count {
		return nil, info, fmt.Errorf("shard %d/%d: want 0 ≤ index < count", index, count)
	}
	n := info.Count / int64(count)
	if int64(index) < info.Count%int64(count) {
		n++
	}
	info.Count = n
	return func() (Source, error) {
		src, err := open()
		if err != nil {
			return nil, err
		}
		return &shardSource{Source: src, index: int64(index), count: int64(count)}, nil
	}, info, nil
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
		if i%s.count == s.index {
			return e, nil
		}
	}
}
