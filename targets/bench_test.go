package targets

import (
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BenchmarkTargeter is the cost of building one target on the hot path:
// weighted choice, prepared body, token stamp. It must not allocate.
func BenchmarkTargeter(b *testing.B) {
	mix, err := NewMix(Default(), "http://127.0.0.1:8000")
	if err != nil {
		b.Fatal(err)
	}
	pool := NewPool(nil, "http://127.0.0.1:8000", Default().Auth, []Credential{{"a", "b"}, {"c", "d"}})
	for _, s := range pool.Sessions() {
		s.token.Store(&Token{Value: "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.sig", Obtained: time.Now()})
	}
	tr := NewTargeter(mix, pool, 1)
	var tgt vegeta.Target
	b.ReportAllocs()
	for b.Loop() {
		if err := tr(&tgt); err != nil {
			b.Fatal(err)
		}
	}
}
