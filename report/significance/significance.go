// Package significance compares a metric's per-repeat values of a baseline with a new run's the way
// benchstat does: the change of the medians, a distribution-free interval for it (Moses' interval on
// the ratios of the two sides' values), and the Mann-Whitney U test's two-sided p-value; and, for
// repeats measured in pairs (paired.go), the median of the pairs' ratios with Wilcoxon's signed-rank
// test. It is pure: it reads no clock and no file.
package significance

import (
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// Confidence is the level of every median's confidence interval, as benchstat's default.
const Confidence = 0.95

// Summary is one side's per-repeat values: the median and its confidence interval.
// Lo and Hi are ±Inf when N is too small for an interval at Confidence (fewer than 6 values at 0.95);
// Confidence is the interval's actual level, at least the requested one. Median is NaN when N is 0.
type Summary struct {
	Median, Lo, Hi, Confidence float64
	N                          int
}

// Change compares a metric's per-repeat values of a baseline (Base) with a new run's (Cur).
type Change struct {
	Base, Cur Summary
	// Delta is Cur.Median÷Base.Median−1 (0.261 is +26.1 %), NaN when Base.Median is 0. Lo and Hi are
	// the confidence interval of the change at Level (at least Confidence): the distribution-free
	// interval that goes with the Mann-Whitney U test (Moses' interval for a shift, on the ratios of a
	// run's values to the baseline's), minus 1. They are NaN when the sizes are too small for an
	// interval at Confidence (3+3; 4+4 and 5+5 have one) or a baseline value is not above 0.
	Delta, Lo, Hi, Level float64
	// P is the Mann-Whitney U test's two-sided p-value (NaN when a side has fewer than 2 values);
	// Alpha is the significance level it is compared with.
	P, Alpha float64
	// Testable is true when both sides have at least 2 values and the smallest p their sizes can
	// reach (2÷C(n1+n2, n1), no ties) is below Alpha: 3+3 reaches only 0.10, so it is false at 0.05.
	Testable bool
	// Significant is Testable && P < Alpha.
	Significant bool
	// Paired marks a PairedChange: its values were compared in pairs
	// (Base.N pairs), P is Wilcoxon's signed-rank test's.
	Paired bool
}

// Compare summarizes base and cur and tests whether they differ at level alpha (e.g. 0.05).
// It does not modify its arguments.
func Compare(base, cur []float64, alpha float64) Change {
	c := Change{Base: summarize(base), Cur: summarize(cur), Alpha: alpha, P: math.NaN()}
	c.Delta, c.Lo, c.Hi = math.NaN(), math.NaN(), math.NaN()
	if c.Base.Median != 0 {
		c.Delta = c.Cur.Median/c.Base.Median - 1
	}
	if lo, hi, level, ok := ratioInterval(base, cur, Confidence); ok {
		c.Lo, c.Hi, c.Level = lo-1, hi-1, level
	}
	if len(base) < 2 || len(cur) < 2 {
		return c
	}
	thresholds := benchmath.Thresholds{CompareAlpha: alpha}
	cmp := benchmath.AssumeNothing.Compare(
		benchmath.NewSample(slices.Clone(base), &thresholds),
		benchmath.NewSample(slices.Clone(cur), &thresholds))
	c.P = cmp.P
	c.Testable = SmallestP(len(base), len(cur)) < alpha
	c.Significant = c.Testable && c.P < alpha
	return c
}

// SmallestP is the smallest two-sided p-value the Mann-Whitney U test can reach with samples of n1
// and n2 values and no ties: 2÷C(n1+n2, n1), at most 1. It is 1 when a side has no value.
func SmallestP(n1, n2 int) float64 {
	if n1 <= 0 || n2 <= 0 {
		return 1
	}
	// C(n1+n2, n1) as a float: the product of (n2+i)÷i for i in 1..n1.
	ways := 1.0
	for i := 1; i <= n1; i++ {
		ways *= float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/ways)
}

// summarize is the median of values and its confidence interval at Confidence.
func summarize(values []float64) Summary {
	if len(values) == 0 {
		return Summary{Median: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1)}
	}
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(slices.Clone(values), nil), Confidence)
	return Summary{Median: s.Center, Lo: s.Lo, Hi: s.Hi, Confidence: s.Confidence, N: len(values)}
}
