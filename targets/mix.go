package targets

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Mix is a scenario compiled against a base URL: the weighted choice of
// endpoint and question, with every body prepared in advance. It is
// read-only after NewMix and safe for concurrent use; randomness comes from
// the caller's generator.
type Mix struct {
	reqs  []*request
	cum   []int // cumulative weights
	total int
	// stampOf[i] is the index, in a Stamp, of the headers endpoint i sends
	// with a token: endpoints with the same static headers share one, so a
	// session holds one map per distinct header set, not one per endpoint.
	// -1 for endpoints without auth.
	stampOf []int
	stamps  []http.Header // the static headers of each shared set
}

// NewMix compiles the active endpoints of sc against baseURL. A scenario
// with journeys compiles too, each endpoint a journey uses at weight 1, so
// that callers can index its endpoints; its requests are filled by
// Journeys.Target, which knows their variables.
func NewMix(sc *Scenario, baseURL string) (*Mix, error) {
	m := &Mix{}
	active := sc.Active()
	// Two endpoints that share a route, or a path with variables, get a
	// fragment, which never reaches the server, to tell their results
	// apart.
	urls := routeURLs(active, baseURL)
	for i, e := range active {
		r, err := compile(baseURL, e, sc.Queries)
		if err != nil {
			return nil, err
		}
		r.url = urls[i]
		if len(sc.Journeys) > 0 {
			e.Weight = 1
		}
		m.total += e.Weight
		m.reqs = append(m.reqs, r)
		m.cum = append(m.cum, m.total)
	}
	if m.total == 0 {
		return nil, fmt.Errorf("scenario %q: no endpoint has a weight > 0", sc.Name)
	}
	m.groupStamps()
	return m, nil
}

// groupStamps sorts the endpoints that send a token into sets with equal
// static headers, in one pass: a scenario imported from 100,000 vegeta
// targets compared every endpoint with every earlier one on each token
// change (10^10 map comparisons, minutes of a stalled generator).
func (m *Mix) groupStamps() {
	m.stampOf = make([]int, len(m.reqs))
	index := map[string]int{}
	var key strings.Builder
	for i, r := range m.reqs {
		m.stampOf[i] = -1
		if !r.endpoint.Auth {
			continue
		}
		key.Reset()
		for _, k := range slices.Sorted(maps.Keys(r.header)) {
			key.WriteString(k)
			for _, v := range r.header[k] {
				key.WriteByte(0)
				key.WriteString(v)
			}
			key.WriteByte(1)
		}
		g, ok := index[key.String()]
		if !ok {
			g = len(m.stamps)
			index[key.String()] = g
			m.stamps = append(m.stamps, r.header)
		}
		m.stampOf[i] = g
	}
}

// Pick draws an endpoint index by weight and a body index for it.
func (m *Mix) Pick(rng *rand.Rand) (endpoint, body int) {
	x := rng.IntN(m.total)
	endpoint = sort.Search(len(m.cum), func(i int) bool { return m.cum[i] > x })
	if n := len(m.reqs[endpoint].bodies); n > 1 {
		body = rng.IntN(n)
	}
	return endpoint, body
}

// Endpoint returns the endpoint at index i of the mix.
func (m *Mix) Endpoint(i int) Endpoint { return m.reqs[i].endpoint }

// Len is the number of endpoints in the mix.
func (m *Mix) Len() int { return len(m.reqs) }

// Fill writes the request for endpoint i with body b into tgt. The header
// map and body are shared and must be treated as read-only (vegeta copies
// them into each request). auth supplies the headers with the token, or
// nil for anonymous requests.
func (m *Mix) Fill(tgt *vegeta.Target, i, b int, auth *Stamp) {
	r := m.reqs[i]
	tgt.Method, tgt.URL, tgt.Body, tgt.Header = r.endpoint.Method, r.url, nil, r.header
	if len(r.bodies) > 0 {
		tgt.Body = r.bodies[b]
	}
	if r.endpoint.Auth && auth != nil {
		tgt.Header = auth.headers[m.stampOf[i]]
	}
}

// Stamp is the set of per-endpoint headers carrying one token, built once
// per token (Mix.Stamp, cached by auth.Stamper) so that the hot path
// allocates nothing.
type Stamp struct {
	headers []http.Header
}

// Stamp returns the headers that carry token on the endpoints of m that
// send one. Endpoints with the same static headers share one map
// (Mix.stampOf), and all share one "Bearer …" string: a user holds a few
// hundred bytes, not a copy per endpoint (it matters at 10,000 users).
func (m *Mix) Stamp(token string) *Stamp {
	s := &Stamp{headers: make([]http.Header, len(m.stamps))}
	bearer := []string{"Bearer " + token}
	for g, static := range m.stamps {
		h := make(http.Header, len(static)+1)
		for k, v := range static {
			h[k] = v // shared read-only slices
		}
		h["Authorization"] = bearer
		s.headers[g] = h
	}
	return s
}
