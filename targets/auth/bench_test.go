package auth

import (
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/targets"
)

// BenchmarkTargeter is the cost of building one target on the hot path:
// weighted choice, prepared body, token stamp. It must not allocate.
// "mix" is the default scenario with two logged-in accounts (all three);
// "static" one GET without a login (the choice alone), the route of
// scripts/bench.sh's max-rate comparison with vegeta.
func BenchmarkTargeter(b *testing.B) {
	mix, err := targets.NewMix(targets.Default(), "http://127.0.0.1:8000")
	if err != nil {
		b.Fatal(err)
	}
	pool := NewPool(nil, "http://127.0.0.1:8000", targets.Default().Auth, []Credential{{"a", "b"}, {"c", "d"}})
	for _, s := range pool.Sessions() {
		s.token.Store(&Token{Value: "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.sig", Obtained: time.Now()})
	}
	static := targets.Default()
	static.Endpoints = []targets.Endpoint{{Key: "static", Name: "static", Method: "GET", Path: "/health.json", Weight: 1}}
	staticMix, err := targets.NewMix(static, "http://127.0.0.1:8000")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		tr   vegeta.Targeter
	}{
		{"mix", NewTargeter(mix, pool, 1)},
		{"static", NewTargeter(staticMix, nil, 1)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var tgt vegeta.Target
			b.ReportAllocs()
			for b.Loop() {
				if err := c.tr(&tgt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
