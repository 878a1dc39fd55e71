package significance

import (
	"math"

	"github.com/aclements/go-moremath/stats"
)

// BeyondP is the one-sided p-value of the hypothesis that cur's values lie
// beyond bound(b) for the baseline's values b: above it when worseIsHigher,
// below it otherwise. bound is the tolerance's limit for one value, e.g.
// b·1.10 for a lower-is-better metric with a 10 % tolerance, b·0.90 for a
// higher-is-better one, b+0.01 for an error rate in points. It is the
// Mann-Whitney U test of cur against the baseline moved to its limit, exact
// for small samples (ties included), so a change counts as a regression only
// when the data say it exceeds the tolerance, not merely that it is not
// zero. It is NaN when a side has fewer than 2 values. It does not modify
// its arguments.
func BeyondP(base, cur []float64, bound func(float64) float64, worseIsHigher bool) float64 {
	if len(base) < 2 || len(cur) < 2 {
		return math.NaN()
	}
	limits := make([]float64, len(base))
	for i, b := range base {
		limits[i] = bound(b)
	}
	alt := stats.LocationGreater
	if !worseIsHigher {
		alt = stats.LocationLess
	}
	r, err := stats.MannWhitneyUTest(append([]float64(nil), cur...), limits, alt)
	if err != nil {
		return math.NaN()
	}
	return r.P
}
