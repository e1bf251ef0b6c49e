package targets

import (
	"math/rand/v2"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

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
