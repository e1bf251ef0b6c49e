package results

import (
	"fmt"
	"slices"
)

// mergeable reports whether t.merge(o) gives exactly the Stats of t's
// results followed by o's. It does unless o dropped messages (past
// maxErrorKinds distinct ones) that t may have counted by name.
func (t *Stats) mergeable(o *Stats) bool { return t.Requests == 0 || o.OtherErrors == 0 }

// sameChecks reports whether counts are of the checks named, in order.
func sameChecks(counts []CheckCount, names []string) bool {
	return slices.EqualFunc(counts, names, func(c CheckCount, n string) bool { return c.Name == n })
}

// merge adds o to t as if o's results had been added after t's (see
// mergeable); with views, the distributions too. o must not be used after.
func (t *Stats) merge(o *Stats, withViews bool) {
	if o.Requests == 0 {
		return
	}
	if t.First.IsZero() || o.First.Before(t.First) {
		t.First = o.First
	}
	if o.Last.After(t.Last) {
		t.Last = o.Last
	}
	if o.LastEnd.After(t.LastEnd) {
		t.LastEnd = o.LastEnd
	}
	t.Requests += o.Requests
	t.Failures += o.Failures
	t.RateLimited += o.RateLimited
	t.Unauthorized += o.Unauthorized
	t.BytesIn += o.BytesIn
	t.BytesOut += o.BytesOut
	t.Scheduled += o.Scheduled
	t.Streamed += o.Streamed
	t.Tokens += o.Tokens
	t.Checked += o.Checked
	t.CheckFailed += o.CheckFailed
	t.Good += o.Good
	for i, c := range o.Checks { // the same checks (sameChecks)
		t.Checks[i].Failed += c.Failed
		if t.Checks[i].Excerpt == "" {
			t.Checks[i].Excerpt = c.Excerpt
		}
	}
	for c, n := range o.Codes {
		t.Codes[c] += n
	}
	for _, m := range o.errOrder {
		n := o.Errors[m]
		if _, ok := t.Errors[m]; ok {
			t.Errors[m] += n
		} else if len(t.Errors) < maxErrorKinds {
			t.Errors[m] = n
			t.errOrder = append(t.errOrder, m)
		} else {
			t.OtherErrors += n
		}
	}
	t.OtherErrors += o.OtherErrors
	// Only the number of distinct shapes shows, at most maxErrorKinds:
	// the union of the shapes kept gives it whatever their order.
	for _, e := range o.kinds.inOrder() {
		for shape := range e.seen {
			t.kinds.add(e.Kind, shape, e.First, 0)
		}
		t.kinds.byKind[e.Kind].Count += e.Count
	}
	if !withViews {
		return
	}
	for i, d := range o.views {
		switch {
		case d == nil:
		case t.views[i] == nil:
			t.views[i] = d
		default:
			t.views[i].merge(d)
		}
	}
}

// addSummary adds the results a summary describes, as if they had been
// read after those added so far. It returns false, having added nothing,
// when that would not give exactly what reading them gives (see
// Stats.mergeable).
func (a *Aggregator) addSummary(sum *summary) (bool, error) {
	total, err := sum.Total.stats()
	if err != nil {
		return false, err
	}
	eps := make([]*Stats, len(sum.Endpoints))
	seen := map[string]bool{}
	var n uint64
	for i := range sum.Endpoints {
		if eps[i], err = sum.Endpoints[i].stats(); err != nil {
			return false, err
		}
		e := eps[i]
		if seen[e.Name] || e.Requests == 0 || e.views[viewResponse] == nil || uint64(e.views[viewResponse].h.TotalCount()) != e.Requests {
			return false, fmt.Errorf("endpoint %q: repeated, or its latencies do not count its requests", e.Name)
		}
		seen[e.Name] = true
		if sum.Endpoints[i].Setup != a.setup[e.Name] {
			return false, nil // written before logins were kept out of the total: read the file
		}
		e.Setup = a.setup[e.Name]
		if !e.Setup {
			n += e.Requests
		}
	}
	if n != total.Requests {
		return false, fmt.Errorf("the endpoints count %d requests, the total %d", n, total.Requests)
	}
	js, err := sum.journeys()
	if err != nil {
		return false, err
	}
	if !a.total.mergeable(total) || !a.journeysMergeable(js) {
		return false, nil
	}
	for _, e := range eps {
		if t := a.byName[e.Name]; (t != nil && !t.mergeable(e)) || !sameChecks(e.Checks, a.checks[e.Name]) {
			return false, nil // another scenario's checks: read the file
		}
	}
	a.total.merge(total, false)
	a.count += sum.Count
	for _, e := range eps {
		a.stats(e.Name).merge(e, true)
	}
	a.mergeJourneys(js)
	a.merged = false
	return true, nil
}
