package attack

import (
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/checks"
	"github.com/ragload/ragload/targets"
)

// TestCheckExcerptMasksSecretHeaders: an API that echoes a secret header
// (named by secret_headers, or recognised as one) in an answer a check
// rejects must not put its value in the excerpt, which lands in
// results.bin, summary.json and every report; with a pool or without.
func TestCheckExcerptMasksSecretHeaders(t *testing.T) {
	sc, err := targets.Parse("sec.yaml", []byte(`replace_endpoints: true
secret_headers: [X-Tenant]
endpoints:
  - key: q
    path: /q
    headers: {X-Tenant: tenant-TOPSECRET, X-Api-Key: "Key sk-live-APIKEY"}
    checks:
      - body_not_contains: "tenant="
`))
	if err != nil {
		t.Fatal(err)
	}
	base := newResponseChecks(sc, "http://127.0.0.1:1")
	pool := func(s string) string { return strings.ReplaceAll(s, "pw-POOL", "***") }
	for name, c := range map[string]*responseChecks{"no pool": base.withMask(nil), "pool": base.withMask(pool)} {
		set := c.of("GET", "http://127.0.0.1:1/q#q")
		r := &vegeta.Result{Code: 200, Method: "GET", URL: "http://127.0.0.1:1/q#q"}
		c.judge(set, r, []byte(`tenant=tenant-TOPSECRET k=sk-live-APIKEY pw-POOL`), nil)
		failed, excerpt := checks.Recorded(r)
		if len(failed) != 1 {
			t.Fatalf("%s: failed %v, want the one check", name, failed)
		}
		if strings.Contains(excerpt, "TOPSECRET") || strings.Contains(excerpt, "APIKEY") {
			t.Errorf("%s: excerpt %q holds a secret header's value", name, excerpt)
		}
		if name == "pool" && strings.Contains(excerpt, "pw-POOL") {
			t.Errorf("%s: excerpt %q lost the pool's mask", name, excerpt)
		}
	}
}
