package render

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/results/compare"
	"github.com/ragload/ragload/results/journey"
)

// journeysSide is a run of n journeys, one started every 60s/n, written
// to a run directory as journeysRun's are and loaded as a side: three in
// four are a conversation (start_chat, a think time of median 1 s times
// think, a follow_up), the others an upload journey (upload, then a
// query). Every failEvery-th upload journey (none when 0) fails on a
// value the upload did not return, with HTTP 200: the endpoints' rows do
// not see it. Latencies are lognormal (sigma 0.3).
func journeysSide(t *testing.T, label string, n int, think float64, failEvery int, seed uint64, o compare.Options) *compare.Side {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	ms := func(median float64) time.Duration {
		return time.Duration(median * math.Exp(0.3*rng.NormFloat64()) * float64(time.Millisecond))
	}
	eps := []results.EndpointInfo{
		{Key: "start_chat", Name: "start_chat", Method: "POST", Path: "/chat", Weight: 1},
		{Key: "follow_up", Name: "follow_up", Method: "POST", Path: "/chat/messages", Weight: 1},
		{Key: "upload", Name: "upload", Method: "POST", Path: "/upload", Weight: 1},
		{Key: "query", Name: "query", Method: "POST", Path: "/query", Weight: 1},
	}
	m := &results.Manifest{
		Schema: results.ManifestSchema, Tool: "ragload test", Name: label, Mode: "attack", Target: "http://api.test",
		Plan: results.Plan{Description: "constant 10/s for 1m0s", Kind: "constant", Duration: results.Duration(time.Minute)},
		Scenario: results.ScenarioInfo{Name: "rag", Endpoints: eps, Journeys: []results.JourneyInfo{
			{Name: "conversation", Weight: 3, Steps: []string{"start_chat", "follow_up"}},
			{Name: "upload", Weight: 1, Steps: []string{"upload", "query"}},
		}},
		Status: results.StatusComplete, Started: t0, SendEnded: t0.Add(time.Minute), Ended: t0.Add(time.Minute + 5*time.Second),
		Results: []string{results.ResultsFile},
	}
	var rs []*vegeta.Result
	step := func(name string, inst uint64, i int, url string, at time.Time, latency time.Duration) *vegeta.Result {
		r := &vegeta.Result{Attack: label, Code: 200, Method: "POST", URL: "http://api.test" + url, Timestamp: at, Latency: latency, BytesIn: 100, BytesOut: 20}
		journey.SetMark(r, name, inst, i)
		rs = append(rs, r)
		return r
	}
	uploads := 0
	for i := range n {
		at, inst := t0.Add(time.Duration(i)*time.Minute/time.Duration(n)), uint64(i+1)
		if i%4 != 3 {
			first := step("conversation", inst, 0, "/chat", at, ms(100))
			journey.SetEnd(step("conversation", inst, 1, "/chat/messages", first.End().Add(ms(1000*think)), ms(200)), "")
			continue
		}
		uploads++
		first := step("upload", inst, 0, "/upload", at, ms(300))
		if failEvery > 0 && uploads%failEvery == 0 {
			journey.SetEnd(first, "step 1 (upload): no id in the response")
			continue
		}
		journey.SetEnd(step("upload", inst, 1, "/query", first.End().Add(ms(200)), ms(250)), "")
	}
	slices.SortStableFunc(rs, func(a, b *vegeta.Result) int { return a.End().Compare(b.End()) })
	for i, r := range rs {
		r.Seq = uint64(i)
	}
	m.Sent, m.Completed = uint64(len(rs)), uint64(len(rs))
	return loadSide(t, label, m, rs, o)
}

// journeysComparison compares a run of journeys with one whose
// conversations think 40% longer and whose upload journeys fail 1 in 10
// (every endpoint holding).
func journeysComparison(t *testing.T) *compare.Comparison {
	t.Helper()
	o := compare.Options{Resamples: 200, Seed: 3}
	return compare.Runs(journeysSide(t, "runs/base", 600, 1, 0, 1, o), journeysSide(t, "runs/new", 600, 1.4, 10, 2, o), o)
}

// TestCompareJourneysGolden pins every format of a comparison with
// journeys byte for byte (go test ./results/render -update rewrites them).
func TestCompareJourneysGolden(t *testing.T) {
	comparisonGolden(t, journeysComparison(t))
}

// TestCompareJourneys: whatever the golden files say, every format shows
// the journeys after the endpoints, and the verdict's reasons are the
// journeys' (the endpoints held); equal runs of journeys are no
// regression; JSON has the journeys' rows under "journeys", and no such
// key without journeys.
func TestCompareJourneys(t *testing.T) {
	c := journeysComparison(t)
	out := map[string]string{}
	for _, f := range CompareFormats {
		var buf bytes.Buffer
		if err := Comparison(&buf, f, c); err != nil {
			t.Fatal(err)
		}
		out[f] = buf.String()
	}
	want := map[string][]string{
		FormatText:     {"│   Journey    │  Metric   │", "│ conversation │ started", "│ upload       │ started", "because journey conversation: p95 rose", "because journey upload: failures rose from 0.00% to 10.00%"},
		FormatMarkdown: {"| Journey | Metric |", "| **conversation** | started |", "- journey conversation: p95 rose", "- journey upload: failures rose from 0.00% to 10.00%"},
	}
	for f, ws := range want {
		s := out[f]
		if i, j := strings.Index(s, "start_chat"), strings.Index(s, "Journey"); i < 0 || j < i {
			t.Errorf("%s: endpoints at %d, journeys at %d; want the journeys after:\n%s", f, i, j, s)
		}
		for _, w := range ws {
			if !strings.Contains(s, w) {
				t.Errorf("%s lacks %q:\n%s", f, w, s)
			}
		}
		if !strings.Contains(s, "REGRESSION") {
			t.Errorf("%s: no REGRESSION:\n%s", f, s)
		}
	}
	for _, r := range c.Reasons {
		if !strings.HasPrefix(r, "journey ") {
			t.Errorf("reason %q: the endpoints held, only journeys regressed", r)
		}
	}
	var doc struct {
		Regression bool          `json:"regression"`
		Rows       []compare.Row `json:"rows"`
		Journeys   []compare.Row `json:"journeys"`
	}
	if err := json.Unmarshal([]byte(out[FormatJSON]), &doc); err != nil || !doc.Regression || len(doc.Rows) != 5 || len(doc.Journeys) != 2 ||
		doc.Journeys[0].Name != "conversation" || doc.Journeys[1].Changes[2].Metric != "failures" || !doc.Journeys[1].Changes[2].Worse {
		t.Errorf("json: %v, %+v", err, doc)
	}

	o := compare.Options{Resamples: 200, Seed: 3}
	same := compare.Runs(journeysSide(t, "runs/base", 600, 1, 10, 1, o), journeysSide(t, "runs/same", 600, 1, 10, 2, o), o)
	if same.Regression || len(same.Journeys) != 2 {
		t.Errorf("equal runs of journeys: regression %v (%q), %d journey rows", same.Regression, same.Reasons, len(same.Journeys))
	}
	var buf bytes.Buffer
	plain := compare.Runs(syntheticSide(t, "runs/base", 200, 1, 1, o), syntheticSide(t, "runs/new", 200, 1, 2, o), o)
	if err := Comparison(&buf, FormatJSON, plain); err != nil || strings.Contains(buf.String(), `"journeys"`) {
		t.Errorf("json without journeys: %v\n%s", err, buf.String())
	}
}
