package targets

import (
	"math/rand/v2"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BenchmarkTargeter is the cost of building one target on the hot path:
// weighted choice, prepared body, token stamp. It must not allocate.
// "mix" is the default scenario with two logged-in accounts (all three);
// "static" one GET without a login (the choice alone), the route of
// scripts/bench.sh's max-rate comparison with vegeta.
func BenchmarkTargeter(b *testing.B) {
	mix, err := NewMix(Default(), "http://127.0.0.1:8000")
	if err != nil {
		b.Fatal(err)
	}
	pool := NewPool(nil, "http://127.0.0.1:8000", Default().Auth, []Credential{{"a", "b"}, {"c", "d"}})
	for _, s := range pool.Sessions() {
		s.token.Store(&Token{Value: "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.sig", Obtained: time.Now()})
	}
	static := Default()
	static.Endpoints = []Endpoint{{Key: "static", Name: "static", Method: "GET", Path: "/health.json", Weight: 1}}
	staticMix, err := NewMix(static, "http://127.0.0.1:8000")
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

// BenchmarkJourneyTarget is the cost of filling one step of a journey (it
// runs per step per user): a step with three variables (one in the path,
// two in the JSON body), a question and a token. "static" is a step
// without variables, whose prepared body is shared.
func BenchmarkJourneyTarget(b *testing.B) {
	sc, err := Parse("bench.yaml", []byte(`endpoints:
  - key: start
    method: POST
    path: /api/v1/chat/
    auth: true
    json: {message: "{{query}}"}
  - key: follow
    method: POST
    path: /api/v1/chat/{{cid}}/messages
    auth: true
    json: {message: "{{query}} (about {{doc}})", turn: "{{turn}}", max_results: 5}
journeys:
  - name: conversation
    steps:
      - endpoint: start
        save: {cid: conversation_id, doc: doc_id, turn: turn}
      - endpoint: follow
`))
	if err != nil {
		b.Fatal(err)
	}
	js, err := NewJourneys(sc, "http://127.0.0.1:8000")
	if err != nil {
		b.Fatal(err)
	}
	vars := Vars{"cid": "c-123456", "doc": "doc-42", "turn": "3"}
	rng := rand.New(rand.NewPCG(1, 2))
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.sig"
	for _, c := range []struct {
		name string
		step int
	}{{"3vars", 1}, {"static", 0}} {
		b.Run(c.name, func(b *testing.B) {
			var tgt vegeta.Target
			b.ReportAllocs()
			for b.Loop() {
				if err := js.Target(&tgt, 0, c.step, vars, rng, token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
