package significance

import (
	"math"
	"slices"
	"sort"
)

// Paired comparisons: when each of a run's values was measured in the same
// time window as one of the baseline's (a champion and its challenger side
// by side in one repeat), whatever the machine did in that window moves
// both, and the pairs' ratios carry the change without it. Measured on a
// VM of the CI type: one repeat's CPU per request 30 µs and the next 50 µs
// on both versions alike, while the two versions of one repeat stayed
// within a few percent of each other. go-moremath has no paired test, so
// Wilcoxon's signed-rank test is computed here, exactly (every sign
// pattern counted), ties given their average rank.

// PairedChange compares pairs (base[i], cur[i]), measured together: Delta
// is the median of the ratios cur[i]÷base[i] minus 1, Lo and Hi the
// distribution-free confidence interval of that median (as a median of one
// run's values) minus 1, P the two-sided Wilcoxon signed-rank p-value of
// the pairs' log ratios (their differences when a value is not above 0;
// see pairDiffs), and Testable whether n pairs can reach alpha at all
// (2÷2ⁿ < alpha: 6 pairs at 0.05). base and cur must have
// the same length; pairs with a base value not above 0 are left out of
// the ratios. It does not modify its arguments.
func PairedChange(base, cur []float64, alpha float64) Change {
	n := min(len(base), len(cur))
	c := Change{Paired: true, Base: summarize(base[:n]), Cur: summarize(cur[:n]), Alpha: alpha, P: math.NaN()}
	c.Delta, c.Lo, c.Hi = math.NaN(), math.NaN(), math.NaN()
	ratios := make([]float64, 0, n)
	for i := range n {
		if base[i] > 0 {
			ratios = append(ratios, cur[i]/base[i])
		}
	}
	if len(ratios) > 0 {
		s := summarize(ratios)
		c.Delta = s.Median - 1
		if !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
			c.Lo, c.Hi, c.Level = s.Lo-1, s.Hi-1, s.Confidence
		}
	}
	if n < 2 {
		return c
	}
	d := pairDiffs(base[:n], cur[:n], func(b float64) float64 { return b })
	c.P = math.Min(1, 2*math.Min(signedRankGreater(d), signedRankGreater(negate(d))))
	// Testable by the number of pairs: p itself is exact over the pairs
	// that differ (a pair without a difference only makes p larger).
	c.Testable = SmallestPairedP(n) < alpha
	c.Significant = c.Testable && c.P < alpha
	return c
}

// Pairable reports whether n pairs are compared as pairs at level alpha:
// when their signed-rank test can reach it (6 pairs at 0.05). With fewer,
// two independent samples can (4+4 reach 0.029), so they are compared as
// such: a pairing that can never be significant would hide a change the
// unpaired test shows.
func Pairable(n int, alpha float64) bool { return SmallestPairedP(n) < alpha }

// SmallestPairedP is the smallest two-sided p-value Wilcoxon's signed-rank
// test can reach with n pairs: 2÷2ⁿ, at most 1.
func SmallestPairedP(n int) float64 {
	if n <= 0 {
		return 1
	}
	return math.Min(1, 2/math.Pow(2, float64(n)))
}

// PairedBeyondP is the one-sided p-value of the hypothesis that each
// cur[i] lies beyond bound(base[i]), its pair's tolerance limit: above it
// when worseIsHigher, below it otherwise (Wilcoxon's signed-rank test of
// the pairs' distances from their limits, see pairDiffs). It is NaN with
// fewer than 2 pairs.
func PairedBeyondP(base, cur []float64, bound func(float64) float64, worseIsHigher bool) float64 {
	n := min(len(base), len(cur))
	if n < 2 {
		return math.NaN()
	}
	d := pairDiffs(base[:n], cur[:n], bound)
	if !worseIsHigher {
		d = negate(d)
	}
	return signedRankGreater(d)
}

// pairDiffs is each pair's distance from its limit: log(cur[i] ÷
// bound(base[i])) when every value is above 0, so that a slow repeat (50
// µs) and a fast one (30 µs) at the same ratio weigh alike — the drift
// pairs are there to cancel; else cur[i] − bound(base[i]) (an error rate
// of 0, whose tolerance is in points).
func pairDiffs(base, cur []float64, bound func(float64) float64) []float64 {
	d := make([]float64, len(base))
	logs := true
	for i := range base {
		logs = logs && cur[i] > 0 && bound(base[i]) > 0
	}
	for i := range base {
		if logs {
			d[i] = math.Log(cur[i] / bound(base[i]))
		} else {
			d[i] = cur[i] - bound(base[i])
		}
	}
	return d
}

// signedRankGreater is the exact one-sided p-value of Wilcoxon's
// signed-rank test that d's values lie above 0: the share of the 2ᵐ sign
// patterns of the m non-zero differences whose positive rank sum is at
// least the observed one. Zeros are dropped (Wilcoxon's convention); ties
// share their average rank (doubled, to count in integers). 1 when every
// difference is 0.
func signedRankGreater(d []float64) float64 {
	nz := make([]float64, 0, len(d))
	for _, x := range d {
		if x != 0 && !math.IsNaN(x) {
			nz = append(nz, x)
		}
	}
	m := len(nz)
	if m == 0 {
		return 1
	}
	ranks := doubledRanks(nz)
	observed, total := 0, 0
	for i, r := range ranks {
		total += r
		if nz[i] > 0 {
			observed += r
		}
	}
	// ways[s]: sign patterns whose positive doubled-rank sum is s.
	ways := make([]float64, total+1)
	ways[0] = 1
	for _, r := range ranks {
		for s := total; s >= r; s-- {
			ways[s] += ways[s-r]
		}
	}
	atLeast := 0.0
	for s := observed; s <= total; s++ {
		atLeast += ways[s]
	}
	return atLeast / math.Pow(2, float64(m))
}

// doubledRanks is twice the rank of each |x| among xs (1-based, ties at
// their average), an integer.
func doubledRanks(xs []float64) []int {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return math.Abs(xs[idx[a]]) < math.Abs(xs[idx[b]]) })
	ranks := make([]int, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && math.Abs(xs[idx[j+1]]) == math.Abs(xs[idx[i]]) {
			j++
		}
		for k := i; k <= j; k++ {
			ranks[idx[k]] = i + j + 2 // (i+1 + j+1) / 2, doubled
		}
		i = j + 1
	}
	return ranks
}

func negate(d []float64) []float64 {
	out := slices.Clone(d)
	for i := range out {
		out[i] = -out[i]
	}
	return out
}
