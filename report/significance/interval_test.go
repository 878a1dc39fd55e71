package significance

import (
	"math"
	"testing"
)

func TestRankFromEnd(t *testing.T) {
	for _, tt := range []struct {
		n1, n2 int
		k      int
		level  float64
	}{
		{3, 3, 0, 0},                // P(U=0) = 1/20 > 0.025: no interval at 95 %
		{4, 4, 1, 1 - 2.0/70},       // the extremes, 97.1 %
		{5, 5, 3, 1 - 2*4.0/252},    // P(U≤2) = 4/252: 96.8 %
		{6, 6, 6, 1 - 2*(19.0/924)}, // P(U≤5) = 19/924 ≤ 0.025 < P(U≤6) = 28/924
		{1, 10, 0, 0},               // one baseline value: never
	} {
		k, below := rankFromEnd(tt.n1, tt.n2, 0.025)
		if k != tt.k || (k > 0 && math.Abs(1-2*below-tt.level) > 1e-9) {
			t.Errorf("rankFromEnd(%d, %d) = %d (level %.4f), want %d (%.4f)", tt.n1, tt.n2, k, 1-2*below, tt.k, tt.level)
		}
	}
	// The exact counts add up to C(n1+n2, n1).
	total := 0.0
	for _, c := range uCounts(5, 5) {
		total += c
	}
	if total != 252 {
		t.Errorf("uCounts(5, 5) sums to %v, want 252", total)
	}
	// Above the exact limit, the approximation stays near the exact rank.
	exact, _ := rankFromEnd(20, 20, 0.025)
	approx := int(math.Floor(200 - 1.959964*math.Sqrt(20*20*41.0/12)))
	if d := exact - approx; d < -1 || d > 1 {
		t.Errorf("20+20: exact rank %d, approximation %d", exact, approx)
	}
}

func TestRatioInterval(t *testing.T) {
	base := []float64{100, 101, 102, 103, 104}
	cur := []float64{125, 126, 127, 128, 129}
	lo, hi, level, ok := ratioInterval(base, cur, 0.95)
	// The 25 ratios sorted: the 3rd smallest (125/104, 126/104, 125/103)
	// and the 3rd largest (129/100, 128/100, 129/101).
	if !ok || math.Abs(lo-125.0/103) > 1e-9 || math.Abs(hi-129.0/101) > 1e-9 || math.Abs(level-(1-8.0/252)) > 1e-9 {
		t.Fatalf("ratioInterval = [%v, %v] at %v (%v)", lo, hi, level, ok)
	}
	if _, _, _, ok := ratioInterval([]float64{1, 2, 3}, []float64{1, 2, 3}, 0.95); ok {
		t.Error("3+3 gave an interval at 95 %")
	}
	if _, _, _, ok := ratioInterval([]float64{0, 1, 2, 3, 4}, cur, 0.95); ok {
		t.Error("a baseline value of 0 gave a ratio interval")
	}
}
