package significance

import (
	"math"
	"slices"
)

// exactLimit is the largest n1·n2 for which the Mann-Whitney U distribution
// is counted exactly (20+20 repeats); above it the normal approximation is
// used, which is within a rank of the exact one at those sizes.
const exactLimit = 400

// ratioInterval is the distribution-free confidence interval of the ratio
// cur÷base that goes with the Mann-Whitney U test (Moses' interval for a
// shift, taken on ratios): of the n1·n2 ratios c÷b of a run's value to a
// baseline's, the k-th smallest and the k-th largest, k the largest rank
// with P(U < k) ≤ (1−confidence)/2 when nothing changed. level is the
// interval's actual confidence, at least the one asked for. ok is false
// when a side has no value, a baseline value is not above 0, or the sizes
// are too small for any interval at that confidence (3+3 at 95 %).
func ratioInterval(base, cur []float64, confidence float64) (lo, hi, level float64, ok bool) {
	n1, n2 := len(base), len(cur)
	if n1 == 0 || n2 == 0 || slices.Min(base) <= 0 {
		return 0, 0, 0, false
	}
	k, tail := rankFromEnd(n1, n2, (1-confidence)/2)
	if k < 1 {
		return 0, 0, 0, false
	}
	ratios := make([]float64, 0, n1*n2)
	for _, b := range base {
		for _, c := range cur {
			ratios = append(ratios, c/b)
		}
	}
	slices.Sort(ratios)
	return ratios[k-1], ratios[len(ratios)-k], 1 - 2*tail, true
}

// rankFromEnd is the largest k with P(U ≤ k−1) ≤ tail for the Mann-Whitney
// U statistic of samples of n1 and n2 values under no difference, and that
// probability; k is 0 when even P(U = 0) exceeds tail.
func rankFromEnd(n1, n2 int, tail float64) (int, float64) {
	if n1*n2 > exactLimit {
		mean := float64(n1*n2) / 2
		sd := math.Sqrt(float64(n1*n2*(n1+n2+1)) / 12)
		k := int(math.Floor(mean - zQuantile(1-tail)*sd))
		return max(k, 0), tail
	}
	counts := uCounts(n1, n2)
	total := 0.0
	for _, c := range counts {
		total += c
	}
	k, cum, below := 0, 0.0, 0.0
	for u := 0; u < len(counts); u++ {
		cum += counts[u]
		if cum/total > tail {
			break
		}
		k, below = u+1, cum/total
	}
	return k, below
}

// uCounts is, for each u from 0 to n1·n2, the number of orderings of n1
// and n2 distinct values whose Mann-Whitney U is u, by the recurrence
// f(m, n) = f(m−1, n) shifted by n + f(m, n−1).
func uCounts(n1, n2 int) []float64 {
	// row[n] holds f(m, n) for the current m.
	row := make([][]float64, n2+1)
	for n := range row {
		row[n] = []float64{1} // f(0, n): one ordering, U = 0
	}
	for m := 1; m <= n1; m++ {
		next := make([][]float64, n2+1)
		next[0] = []float64{1}
		for n := 1; n <= n2; n++ {
			f := make([]float64, m*n+1)
			for u, c := range row[n] { // f(m−1, n), shifted by n
				f[u+n] += c
			}
			for u, c := range next[n-1] { // f(m, n−1)
				f[u] += c
			}
			next[n] = f
		}
		row = next
	}
	return row[n2]
}

// zQuantile is the standard normal quantile of p (0.975 → 1.96).
func zQuantile(p float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*p-1)
}
