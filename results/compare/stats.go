package compare

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"golang.org/x/perf/benchmath"
)

// test is the Mann-Whitney U test of two latency samples, benchstat's
// "assume nothing" comparison.
func (c *Comparison) test(a, b *reservoir) benchmath.Comparison {
	th := &benchmath.Thresholds{CompareAlpha: c.Options.Alpha}
	if a == nil || b == nil || len(a.values) == 0 || len(b.values) == 0 {
		return benchmath.Comparison{P: 1, Alpha: c.Options.Alpha}
	}
	return benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Clone(a.values), th), benchmath.NewSample(slices.Clone(b.values), th))
}

// percentiles compares the qs-th percentiles of two samples: each change,
// a bootstrap interval for it, and whether it is significant (the U test
// rejects equality and the interval excludes no change).
func (c *Comparison) percentiles(prefix string, qs []float64, a, b *reservoir, rng *rand.Rand) []Change {
	out := make([]Change, len(qs))
	for i, q := range qs {
		out[i] = Change{Metric: fmt.Sprintf("%sp%g", prefix, q), isLatency: true}
	}
	if a == nil || b == nil {
		for i := range out {
			out[i].Note = "no samples"
		}
		return out
	}
	as, bs := slices.Sorted(slices.Values(a.values)), slices.Sorted(slices.Values(b.values))
	var tested []float64
	for i, q := range qs {
		ch := &out[i]
		ch.Base, ch.New = nearestRank(as, q), nearestRank(bs, q)
		ch.Delta = rel(ch.Base, ch.New)
		if need := minSamples(q); len(as) < need || len(bs) < need {
			ch.Note = fmt.Sprintf("too few samples (%d and %d; %s needs %d)", len(as), len(bs), ch.Metric, need)
			continue
		}
		tested = append(tested, q)
	}
	if len(tested) == 0 {
		return out
	}
	cmp := c.test(a, b)
	cis := bootstrapChanges(as, bs, tested, c.Options.Resamples, c.Options.Alpha, rng)
	for i, q := range qs {
		ci, ok := cis[q]
		if !ok {
			continue
		}
		ch := &out[i]
		ch.Tested, ch.P, ch.CILow, ch.CIHigh = true, cmp.P, ci[0], ci[1]
		ch.Signif = cmp.P < c.Options.Alpha && (ch.CILow > 0 || ch.CIHigh < 0)
		ch.Worse = ch.Signif && ch.Delta > c.Options.MaxRegression
	}
	return out
}

// nearestRank is the q-th percentile of sorted values.
func nearestRank(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// bootstrapChanges gives percentile-bootstrap intervals at level 1-alpha
// for the relative change of each qs-th percentile between two sorted
// samples. A resample of a sorted sample is drawn as counts per index, so
// all its percentiles come out of one pass, without sorting.
func bootstrapChanges(a, b []float64, qs []float64, resamples int, alpha float64, rng *rand.Rand) map[float64][2]float64 {
	ca, cb := make([]int, len(a)), make([]int, len(b))
	qa, qb := make([]float64, len(qs)), make([]float64, len(qs))
	changes := make([][]float64, len(qs))
	for range resamples {
		resampledPercentiles(a, ca, qs, qa, rng)
		resampledPercentiles(b, cb, qs, qb, rng)
		for i := range qs {
			if qa[i] > 0 {
				changes[i] = append(changes[i], qb[i]/qa[i]-1)
			}
		}
	}
	out := map[float64][2]float64{}
	for i, q := range qs {
		if len(changes[i]) == 0 {
			continue
		}
		slices.Sort(changes[i])
		out[q] = [2]float64{nearestRank(changes[i], 100*alpha/2), nearestRank(changes[i], 100*(1-alpha/2))}
	}
	return out
}

// resampledPercentiles draws a resample of sorted (with replacement) and
// writes its qs-th percentiles (ascending qs) into out.
func resampledPercentiles(sorted []float64, counts []int, qs, out []float64, rng *rand.Rand) {
	clear(counts)
	n := len(sorted)
	for range n {
		counts[rng.IntN(n)]++
	}
	k, seen := 0, 0
	for i, c := range counts {
		seen += c
		for k < len(qs) && seen >= int(math.Ceil(qs[k]/100*float64(n))) {
			out[k] = sorted[i]
			k++
		}
		if k == len(qs) {
			return
		}
	}
	for ; k < len(qs); k++ {
		out[k] = sorted[n-1]
	}
}
