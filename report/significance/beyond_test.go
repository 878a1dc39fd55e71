package significance

import (
	"math"
	"testing"
)

// TestBeyondP: the one-sided test against the tolerance's limit rejects
// only when the run lies beyond the limit, in the bad direction.
func TestBeyondP(t *testing.T) {
	base := []float64{100, 101, 102, 103, 104}
	up10 := func(b float64) float64 { return b * 1.10 }
	down10 := func(b float64) float64 { return b * 0.90 }
	for _, c := range []struct {
		name          string
		cur           []float64
		bound         func(float64) float64
		worseIsHigher bool
		lo, hi        float64 // p within [lo, hi]
	}{
		{"+25 % against a 10 % limit: beyond", []float64{126, 127, 128, 129, 130}, up10, true, 0, 0.005},
		{"+12 % with the limit inside the run's spread: not beyond", []float64{105, 110, 113, 116, 121}, up10, true, 0.2, 1},
		{"+5 %: below the limit", []float64{105, 106, 107, 108, 109}, up10, true, 0.9, 1},
		{"a fall of 25 % of a higher-is-better metric: beyond", []float64{75, 76, 77, 78, 79}, down10, false, 0, 0.005},
		{"a rise of a higher-is-better metric: not beyond", []float64{126, 127, 128, 129, 130}, down10, false, 0.99, 1},
		{"absolute points", []float64{0.02, 0.021, 0.022, 0.023, 0.024}, func(b float64) float64 { return b + 0.01 }, true, 0, 0.005},
	} {
		b := base
		if c.name == "absolute points" {
			b = []float64{0, 0, 0, 0, 0}
		}
		if p := BeyondP(b, c.cur, c.bound, c.worseIsHigher); !(p >= c.lo && p <= c.hi) {
			t.Errorf("%s: p = %v, want within [%v, %v]", c.name, p, c.lo, c.hi)
		}
	}
	if p := BeyondP(base, []float64{130}, up10, true); !math.IsNaN(p) {
		t.Errorf("one value: p = %v, want NaN", p)
	}
}
