package results

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// exactQuantile is the q-th percentile of vals by the nearest-rank rule the
// HDR histogram uses.
func exactQuantile(t *testing.T, vals []time.Duration, q float64) time.Duration {
	t.Helper()
	s := slices.Clone(vals)
	slices.Sort(s)
	rank := int(q/100*float64(len(s)) + 0.5)
	return s[max(rank, 1)-1]
}

// within fails unless got is within 0.1% of want (3 significant digits).
func within(t *testing.T, what string, got, want time.Duration) {
	t.Helper()
	if math.Abs(float64(got-want)) > 0.001*float64(want) {
		t.Errorf("%s = %v, want %v ± 0.1%%", what, got, want)
	}
}

// checkPercentiles compares p with the exact distribution of vals.
func checkPercentiles(t *testing.T, what string, p Percentiles, vals []time.Duration) {
	t.Helper()
	if p.Count != uint64(len(vals)) {
		t.Errorf("%s: Count = %d, want %d", what, p.Count, len(vals))
	}
	for _, c := range []struct {
		name string
		got  time.Duration
		q    float64
	}{{"p50", p.P50, 50}, {"p90", p.P90, 90}, {"p95", p.P95, 95}, {"p99", p.P99, 99}} {
		within(t, what+" "+c.name, c.got, exactQuantile(t, vals, c.q))
	}
	var sum time.Duration
	for _, v := range vals {
		sum += v
	}
	within(t, what+" mean", p.Mean, sum/time.Duration(len(vals)))
	if want := slices.Min(vals); p.Min != want {
		t.Errorf("%s: Min = %v, want exactly %v", what, p.Min, want)
	}
	if want := slices.Max(vals); p.Max != want {
		t.Errorf("%s: Max = %v, want exactly %v", what, p.Max, want)
	}
}

// shuffled returns 1..n milliseconds in a fixed random order.
func shuffled(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestAggregatorPercentilesUnscheduled(t *testing.T) {
	lat := shuffled(1000)
	agg := NewAggregator(nil)
	for i, l := range lat {
		agg.Add(res("GET", "http://h/x", 200, l, time.Duration(i)*time.Millisecond))
	}
	s := agg.Total()
	// Exact values first: 1..1000 ms has p50 500 ms, p99 990 ms.
	resp := s.Response()
	for _, c := range []struct {
		got, want time.Duration
	}{{resp.P50, 500 * time.Millisecond}, {resp.P90, 900 * time.Millisecond},
		{resp.P95, 950 * time.Millisecond}, {resp.P99, 990 * time.Millisecond}} {
		within(t, "response percentile", c.got, c.want)
	}
	checkPercentiles(t, "response", resp, lat)
	if resp.Max != time.Second {
		t.Errorf("Max = %v, want 1s", resp.Max)
	}
	if svc := s.Service(); svc != resp {
		t.Errorf("without lag headers Service %+v != Response %+v", svc, resp)
	}
	if lag := s.ScheduleLag(); lag.Count != 0 || lag != (Percentiles{}) {
		t.Errorf("ScheduleLag without lag headers = %+v, want zero", lag)
	}
	if s.Scheduled != 0 {
		t.Errorf("Scheduled = %d, want 0", s.Scheduled)
	}
	if got := s.Quantile(99.9, ViewResponse); math.Abs(float64(got-999*time.Millisecond)) > 0.001*float64(999*time.Millisecond) {
		t.Errorf("Quantile(99.9) = %v, want ~999ms", got)
	}
	// The per-endpoint stats see the same.
	eps := agg.Endpoints()
	if len(eps) != 1 || eps[0].Name != "GET /x" || eps[0].Response() != resp {
		t.Errorf("Endpoints() = %v", eps)
	}
}

func TestAggregatorPercentilesScheduled(t *testing.T) {
	lat := shuffled(1000)
	var lags, resp []time.Duration
	agg := NewAggregator(nil)
	for i, l := range lat {
		lag := time.Duration(i%10+1)*time.Millisecond + time.Duration(i%7)*time.Microsecond
		r := res("GET", "http://h/x", 200, l, time.Duration(i)*time.Millisecond)
		SetLag(r, lag)
		agg.Add(r)
		lags = append(lags, lag)
		resp = append(resp, l+lag)
	}
	s := agg.Total()
	checkPercentiles(t, "response", s.Response(), resp)
	checkPercentiles(t, "service", s.Service(), lat)
	checkPercentiles(t, "lag", s.ScheduleLag(), lags)
	if s.Scheduled != 1000 {
		t.Errorf("Scheduled = %d, want 1000", s.Scheduled)
	}
	if s.Response().P50 <= s.Service().P50 {
		t.Errorf("response p50 %v not above service p50 %v", s.Response().P50, s.Service().P50)
	}
	if got, want := s.Quantile(50, ViewLag), s.ScheduleLag().P50; got != want {
		t.Errorf("Quantile(50, lag) = %v, ScheduleLag().P50 = %v", got, want)
	}
	if got, want := s.Quantile(95, ViewService), s.Service().P95; got != want {
		t.Errorf("Quantile(95, service) = %v, Service().P95 = %v", got, want)
	}
}

func TestAggregatorMixedSchedule(t *testing.T) {
	agg := NewAggregator(nil)
	for i := range 10 {
		r := res("GET", "http://h/x", 200, 100*time.Millisecond, time.Duration(i)*time.Second)
		if i%2 == 0 {
			SetLag(r, 50*time.Millisecond)
		}
		agg.Add(r)
	}
	s := agg.Total()
	if s.Scheduled != 5 || s.ScheduleLag().Count != 5 || s.ScheduleLag().Max != 50*time.Millisecond {
		t.Errorf("Scheduled %d, lag %+v; want 5 lags of 50ms", s.Scheduled, s.ScheduleLag())
	}
	if s.Response().Max != 150*time.Millisecond || s.Service().Max != 100*time.Millisecond {
		t.Errorf("max response %v, service %v; want 150ms, 100ms", s.Response().Max, s.Service().Max)
	}
}

func TestAggregatorExactExtremes(t *testing.T) {
	// 200 ms and 1476 ms fall inside histogram buckets 64 µs wide: the
	// bucket edges would read 199.936 ms and 1476.095 ms.
	var rs []*vegeta.Result
	for i, l := range []time.Duration{300 * time.Millisecond, 200 * time.Millisecond, 1476 * time.Millisecond, 700 * time.Millisecond} {
		r := res("GET", "http://h/x", 200, l, time.Duration(i)*time.Second)
		SetLag(r, time.Duration(3-i)*time.Millisecond) // lags 3, 2, 1, 0 ms
		rs = append(rs, r)
	}
	rep := buildReport(t, nil, rs)
	s := rep.Total
	svc, resp, lag := s.Service(), s.Response(), s.ScheduleLag()
	if svc.Min != 200*time.Millisecond || svc.Max != 1476*time.Millisecond {
		t.Errorf("service min %v max %v, want 200ms, 1.476s", svc.Min, svc.Max)
	}
	if resp.Min != 202*time.Millisecond || resp.Max != 1477*time.Millisecond {
		t.Errorf("response min %v max %v, want 202ms, 1.477s", resp.Min, resp.Max)
	}
	if lag.Min != 0 || lag.Max != 3*time.Millisecond {
		t.Errorf("lag min %v max %v, want 0, 3ms", lag.Min, lag.Max)
	}
	// Percentiles never read outside [min, max].
	for _, p := range []Percentiles{svc, resp, lag} {
		for _, v := range []time.Duration{p.P50, p.P90, p.P95, p.P99} {
			if v < p.Min || v > p.Max {
				t.Errorf("percentile %v outside [%v, %v]", v, p.Min, p.Max)
			}
		}
	}
	if err := rep.Judge(mustRules(t, []string{"service_min>=200ms", "max<=1477ms", "p99<=1477ms", "lag_min<=0s"}, nil), 0); err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Verdict.Checks {
		if !c.Pass {
			t.Errorf("%s failed with %s", c.Expr, c.FormatActual())
		}
	}
}

func TestFailed(t *testing.T) {
	cases := []struct {
		code uint16
		err  string
		want bool
	}{
		{0, "dial tcp: connection refused", true},
		{0, "", true},
		{199, "", true},
		{200, "", false},
		{204, "", false},
		{302, "", false},
		{399, "", false},
		{400, "", true},
		{401, "", true},
		{429, "", true},
		{500, "", true},
		{200, "read: body too large", true},
	}
	for _, c := range cases {
		if got := Failed(&vegeta.Result{Code: c.code, Error: c.err}); got != c.want {
			t.Errorf("Failed(code %d, error %q) = %v, want %v", c.code, c.err, got, c.want)
		}
	}
}

func TestAggregatorFailures(t *testing.T) {
	cases := []struct {
		name                          string
		code                          uint16
		err                           string
		failures, rateLimited, unauth uint64
		message                       string // the Errors key, "" for none
	}{
		{"transport error", 0, "dial tcp: connection refused", 1, 0, 0, "dial tcp: connection refused"},
		{"server error", 500, "", 1, 0, 0, "500"},
		{"server error with text", 500, "500 Internal Server Error", 1, 0, 0, "500 Internal Server Error"},
		{"rate limited", 429, "", 1, 1, 0, "429"},
		{"unauthorized", 401, "", 1, 0, 1, "401"},
		{"ok with error", 200, "net/http: timeout awaiting body", 1, 0, 0, "net/http: timeout awaiting body"},
		{"redirect", 302, "", 0, 0, 0, ""},
		{"ok", 200, "", 0, 0, 0, ""},
	}
	total := NewAggregator(nil)
	for _, c := range cases {
		agg := NewAggregator(nil)
		r := res("GET", "http://h/x", c.code, time.Millisecond, 0)
		r.Error = c.err
		agg.Add(r)
		total.Add(r)
		s := agg.Total()
		if s.Failures != c.failures || s.RateLimited != c.rateLimited || s.Unauthorized != c.unauth {
			t.Errorf("%s: failures %d, 429s %d, 401s %d; want %d, %d, %d", c.name,
				s.Failures, s.RateLimited, s.Unauthorized, c.failures, c.rateLimited, c.unauth)
		}
		want := map[string]uint64{}
		if c.message != "" {
			want[c.message] = 1
		}
		if !reflect.DeepEqual(s.Errors, want) {
			t.Errorf("%s: Errors = %v, want %v", c.name, s.Errors, want)
		}
		if s.Codes[c.code] != 1 || s.Requests != 1 {
			t.Errorf("%s: Codes %v, Requests %d", c.name, s.Codes, s.Requests)
		}
	}
	s := total.Total()
	if s.Requests != 8 || s.Failures != 6 || s.RateLimited != 1 || s.Unauthorized != 1 {
		t.Errorf("total: requests %d failures %d 429s %d 401s %d; want 8, 6, 1, 1",
			s.Requests, s.Failures, s.RateLimited, s.Unauthorized)
	}
	if got := s.FailureRate(); got != 0.75 {
		t.Errorf("FailureRate = %v, want 0.75", got)
	}
	wantCodes := map[uint16]uint64{0: 1, 500: 2, 429: 1, 401: 1, 200: 2, 302: 1}
	if !reflect.DeepEqual(s.Codes, wantCodes) {
		t.Errorf("Codes = %v, want %v", s.Codes, wantCodes)
	}
	if (&Stats{}).FailureRate() != 0 {
		t.Error("FailureRate of no requests is not 0")
	}
}

func TestAggregatorErrorKindsBounded(t *testing.T) {
	agg := NewAggregator(nil)
	add := func(msg string) {
		r := res("GET", "http://h/x", 0, time.Millisecond, 0)
		r.Error = msg
		agg.Add(r)
	}
	for i := range 25 {
		add(fmt.Sprintf("error %02d", i))
	}
	add("error 00") // known: still counted by message
	add("error 24") // beyond the bound: counted as other
	for _, s := range []*Stats{agg.Total(), agg.Endpoints()[0]} {
		if len(s.Errors) != maxErrorKinds || s.OtherErrors != 6 || s.Failures != 27 {
			t.Errorf("%s: %d kinds, %d other, %d failures; want %d, 6, 27",
				s.Name, len(s.Errors), s.OtherErrors, s.Failures, maxErrorKinds)
		}
		if s.Errors["error 00"] != 2 || s.Errors["error 19"] != 1 {
			t.Errorf("%s: Errors = %v", s.Name, s.Errors)
		}
		if _, ok := s.Errors["error 20"]; ok {
			t.Errorf("%s: kept a 21st message", s.Name)
		}
	}
}

func TestTopErrors(t *testing.T) {
	s := newStats("x", "")
	s.Errors = map[string]uint64{"x": 3, "b": 2, "a": 2, "c": 5, "z": 1}
	want := []ErrorCount{{"c", 5}, {"x", 3}, {"a", 2}, {"b", 2}, {"z", 1}}
	if got := s.TopErrors(); !reflect.DeepEqual(got, want) {
		t.Errorf("TopErrors = %v, want %v", got, want)
	}
	if got := newStats("y", "").TopErrors(); got == nil || len(got) != 0 {
		t.Errorf("TopErrors of no errors = %#v, want empty non-nil", got)
	}
}

func TestAggregatorEndpointOrder(t *testing.T) {
	m := &Manifest{Scenario: ScenarioInfo{Endpoints: testEndpoints()}}
	agg := NewAggregator(m)
	for _, u := range []struct{ method, url string }{
		{"GET", "http://h/health"},
		{"GET", "http://h/unknown-b"},
		{"POST", "http://h/query#query"},
		{"GET", "http://h/unknown-a"},
		{"GET", "http://h/health"},
		{"GET", "http://h/unknown-b"},
	} {
		agg.Add(res(u.method, u.url, 200, time.Millisecond, 0))
	}
	var names, keys []string
	for _, s := range agg.Endpoints() {
		names = append(names, s.Name)
		keys = append(keys, s.Key)
	}
	// Manifest order (without the endpoint that saw nothing), then first appearance.
	wantNames := []string{"/query (basic)", "health", "GET /unknown-b", "GET /unknown-a"}
	wantKeys := []string{"query", "health", "", ""}
	if !reflect.DeepEqual(names, wantNames) || !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("Endpoints() = %q keys %q, want %q keys %q", names, keys, wantNames, wantKeys)
	}
	if n := agg.Endpoints()[1].Requests; n != 2 {
		t.Errorf("health requests = %d, want 2", n)
	}
	if agg.Total().Requests != 6 || agg.Total().Name != "TOTAL" {
		t.Errorf("total = %s %d", agg.Total().Name, agg.Total().Requests)
	}
}

func TestAggregatorTargetPathPrefix(t *testing.T) {
	// A target with a path prefix: the sender requests base + endpoint path.
	m := &Manifest{Target: "https://api.test/rag/v1/", Scenario: ScenarioInfo{Endpoints: testEndpoints()}}
	agg := NewAggregator(m)
	agg.Add(res("GET", "https://api.test/rag/v1/health", 200, time.Millisecond, 0))
	agg.Add(res("POST", "https://api.test/rag/v1/query#query_filtered", 200, time.Millisecond, 0))
	agg.Add(res("GET", "https://api.test/other", 200, time.Millisecond, 0))
	var names []string
	for _, s := range agg.Endpoints() {
		names = append(names, s.Name)
	}
	want := []string{"/query (filtered)", "health", "GET /other"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Endpoints() = %q, want %q", names, want)
	}
}

func TestAggregatorTotals(t *testing.T) {
	agg := NewAggregator(nil)
	a := res("GET", "http://h/a", 200, 300*time.Millisecond, 2*time.Second)
	a.BytesIn, a.BytesOut = 100, 10
	b := res("GET", "http://h/b", 200, 5*time.Second, time.Second) // earlier send, later end
	b.BytesIn, b.BytesOut = 1, 2
	agg.Add(a)
	agg.Add(b)
	s := agg.Total()
	if s.BytesIn != 101 || s.BytesOut != 12 {
		t.Errorf("bytes in %d out %d, want 101, 12", s.BytesIn, s.BytesOut)
	}
	if !s.First.Equal(t0.Add(time.Second)) || !s.Last.Equal(t0.Add(2*time.Second)) ||
		!s.LastEnd.Equal(t0.Add(6*time.Second)) {
		t.Errorf("First %v Last %v LastEnd %v", s.First, s.Last, s.LastEnd)
	}
}
