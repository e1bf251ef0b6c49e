package targets

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/results"
)

// issueScenario is the example of issue 20 without its thresholds (checks
// and goodput thresholds come with the aggregation).
const issueScenario = `endpoints:
  - key: query
    checks:                      # every check runs on every response
      - status: 2xx
      - json: answer             # a JSON path
        not_empty: true
      - json: sources
        min_items: 1
      - body_not_contains: "I couldn't find"
  - key: stream
    weight: 1
    checks:
      - stream_done: true
      - min_tokens: 5
        name: long enough
slo:
  latency: 2s
  ttft: 1s
  tpot: 100ms
`

func TestParseChecksAndSLO(t *testing.T) {
	sc := mustParse(t, issueScenario)
	q := endpointByKey(t, sc, "query")
	if got, want := q.Checks.Names(), []string{"status 2xx", "answer not empty", "sources ≥ 1 item", `body lacks "I couldn't find"`}; !slices.Equal(got, want) {
		t.Errorf("query checks %q, want %q", got, want)
	}
	if q.Path != "/api/v1/query/" || q.Weight != 5 {
		t.Errorf("checks changed the built-in query: %+v", q)
	}
	if got := endpointByKey(t, sc, "stream").Checks.Names(); !slices.Equal(got, []string{"stream done", "long enough"}) {
		t.Errorf("stream checks %q", got)
	}
	if want := (SLO{Latency: 2 * time.Second, TTFT: time.Second, TPOT: 100 * time.Millisecond}); sc.SLO != want {
		t.Errorf("SLO %+v, want %+v", sc.SLO, want)
	}
	if len(endpointByKey(t, sc, "enhanced").Checks) != 0 {
		t.Error("an endpoint without checks: got some")
	}

	// They work: the degraded answer fails the last two of query's checks.
	o := q.Checks.Evaluate(&checks.Response{Code: 200, Body: []byte(`{"answer":"I couldn't find that in the documents.","sources":[]}`)}, nil)
	if !slices.Equal(o.Failed, []int{2, 3}) {
		t.Errorf("degraded answer: failed %v, want [2 3]", o.Failed)
	}

	// What the manifest stores.
	info := results.ScenarioInfo{Checks: sc.ChecksInfo(), SLO: sc.SLO.SLOInfo()}
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	var back results.ScenarioInfo
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"/query (basic)": {"status 2xx", "answer not empty", "sources ≥ 1 item", `body lacks "I couldn't find"`},
		"/query/stream":  {"stream done", "long enough"},
	}
	if !reflect.DeepEqual(back.Checks, want) || back.SLO == nil || *back.SLO != (results.SLO{Latency: results.Duration(2 * time.Second), TTFT: results.Duration(time.Second), TPOT: results.Duration(100 * time.Millisecond)}) {
		t.Errorf("manifest round trip: %s", b)
	}
	if d := Default(); d.ChecksInfo() != nil || d.SLO.SLOInfo() != nil {
		t.Error("the default scenario has checks or an SLO")
	}
}

func TestParseChecksReplaceInherited(t *testing.T) {
	sc := mustParse(t, "endpoints:\n  - key: query\n    checks: [{status: 200}]\n  - key: query2\n    path: /q\n    checks: []\n")
	if got := endpointByKey(t, sc, "query").Checks.Names(); !slices.Equal(got, []string{"status 200"}) {
		t.Errorf("checks %q", got)
	}
	if len(endpointByKey(t, sc, "query2").Checks) != 0 {
		t.Error("checks: [] left checks")
	}
}

func TestParseChecksErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src   string
		line        int
		field, want string
	}{
		{"min_items not a number", "endpoints:\n  - key: query\n    checks:\n      - status: 2xx\n      - json: sources\n        min_items: x\n", 6,
			"endpoints[0].checks[1].min_items", `want an integer ≥ 1, got "x"`},
		{"min_items zero", "endpoints:\n  - key: query\n    checks:\n      - json: sources\n        min_items: 0\n", 5,
			"endpoints[0].checks[0].min_items", `want an integer ≥ 1, got "0"`},
		{"min_tokens float", "endpoints:\n  - key: stream\n    weight: 1\n    checks:\n      - min_tokens: 1.5\n", 5,
			"endpoints[0].checks[0].min_tokens", `want an integer ≥ 1, got "1.5"`},
		{"unknown kind", "endpoints:\n  - key: query\n    checks:\n      - status_code: 200\n", 4,
			"endpoints[0].checks[0].status_code", "unknown check (known: status, json, body_contains, body_not_contains, max_body, stream_done, min_tokens; with json: present, not_empty, min_items, matches; and name)"},
		{"two kinds", "endpoints:\n  - key: query\n    checks:\n      - status: 2xx\n        body_contains: x\n", 5,
			"endpoints[0].checks[0].body_contains", "one check per item; status is set too"},
		{"predicate without json", "endpoints:\n  - key: query\n    checks:\n      - not_empty: true\n", 4,
			"endpoints[0].checks[0].not_empty", "goes with json"},
		{"empty check", "endpoints:\n  - key: query\n    checks:\n      - name: x\n", 4,
			"endpoints[0].checks[0]", "empty check; want one of status, json"},
		{"bad status", "endpoints:\n  - key: query\n    checks:\n      - status: 2x\n", 4,
			"endpoints[0].checks[0].status", `want a code (200) or class (2xx), got "2x"`},
		{"bad regexp", "endpoints:\n  - key: query\n    checks:\n      - json: answer\n        matches: '('\n", 5,
			"endpoints[0].checks[0].matches", "error parsing regexp"},
		{"bad size", "endpoints:\n  - key: query\n    checks:\n      - max_body: lots\n", 4,
			"endpoints[0].checks[0].max_body", `got "lots"`},
		{"not a list", "endpoints:\n  - key: query\n    checks: {status: 200}\n", 3,
			"endpoints[0].checks", "expected a list of checks"},
		{"not a mapping", "endpoints:\n  - key: query\n    checks: [2xx]\n", 3,
			"endpoints[0].checks[0]", "expected a mapping"},
		{"set twice", "endpoints:\n  - key: query\n    checks:\n      - status: 200\n        status: 201\n", 5,
			"endpoints[0].checks[0].status", "set twice (first on line 4)"},
		{"same name", "endpoints:\n  - key: query\n    checks:\n      - status: 2xx\n      - status: 2XX\n", 5,
			"endpoints[0].checks[1].name", `"status 2xx" is the name of endpoints[0].checks[0] too`},
		{"stream check on a plain endpoint", "endpoints:\n  - key: query\n    checks:\n      - status: 2xx\n      - stream_done: true\n", 5,
			"endpoints[0].checks[1]", `"stream done" needs a streamed endpoint`},
		{"stream_done false", "endpoints:\n  - key: stream\n    checks:\n      - stream_done: false\n", 4,
			"endpoints[0].checks[0].stream_done", "false checks nothing"},
		{"slo not a duration", "slo:\n  latency: 2\n", 2, "slo.latency", `want a positive duration such as 2s or 150ms, got "2"`},
		{"slo negative", "slo:\n  tpot: -1ms\n", 2, "slo.tpot", "want a positive duration"},
		{"slo unknown", "slo:\n  p95: 1s\n", 2, "slo.p95", "unknown field (known: latency, ttft, tpot)"},
		{"name with an escape", "endpoints:\n  - key: query\n    checks:\n      - status: 2xx\n        name: \"ok\\e[31m\"\n", 5,
			"endpoints[0].checks[0].name", "holds the control character U+001B"},
		// Readers drop indexes from MaxChecks on (checks.Recorded): the
		// 1025th check would always count 0 failed.
		{"too many checks", "endpoints:\n  - key: query\n    checks:\n" + strings.Repeat("      - body_contains: x\n", checks.MaxChecks+1), 4 + checks.MaxChecks,
			fmt.Sprintf("endpoints[0].checks[%d]", checks.MaxChecks), "too many checks: 1025, at most 1024 per endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tc.src))
			checkFileError(t, err, "s.yaml", tc.line, tc.field, tc.want)
		})
	}
}

// TestValidateStreamChecks: a scenario built in code gets the same refusal.
func TestValidateStreamChecks(t *testing.T) {
	c, err := checks.Compile(checks.Spec{MinTokens: new(int)})
	if err == nil {
		t.Fatal("min_tokens 0 compiled")
	}
	n := 3
	c, err = checks.Compile(checks.Spec{MinTokens: &n})
	if err != nil {
		t.Fatal(err)
	}
	sc := Default()
	sc.Endpoints[0].Checks = checks.Set{c}
	if err := sc.Validate(); err == nil || err.Error() != `endpoints[0].checks[0]: "≥ 3 tokens" needs a streamed endpoint (stream: sse or chunked)` {
		t.Errorf("Validate() = %v", err)
	}
	sc.Endpoints[0].Stream = StreamSSE
	if err := sc.Validate(); err != nil {
		t.Errorf("on a streamed endpoint: %v", err)
	}
}
