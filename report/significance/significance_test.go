package significance

import (
	"math"
	"slices"
	"testing"
)

// near reports whether got is want within 1e-9, treating two NaNs as equal.
func near(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) < 1e-9
}

func TestCompare(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name                  string
		base, cur             []float64
		delta, lo, hi, p      float64
		testable, significant bool
		text                  string
	}{
		{name: "5 vs 5 fully separated: significant, with the change's 96.8% interval",
			base: []float64{100, 101, 102, 103, 104}, cur: []float64{130, 126, 129, 127, 128},
			delta: 128.0/102 - 1, lo: 126.0/103 - 1, hi: 130.0/101 - 1, p: 2.0 / 252, testable: true, significant: true,
			text: "+25.5% [+22.3%, +28.7%] p=0.008 n=5+5"},
		{name: "6 vs 6 fully separated: significant, with the change's interval",
			base: []float64{100, 101, 102, 103, 104, 105}, cur: []float64{130, 131, 132, 133, 134, 135},
			delta: 132.5/102.5 - 1, lo: 0.2621359223300972, hi: 0.32352941176470584, p: 2.0 / 924, testable: true, significant: true,
			text: "+29.3% [+26.2%, +32.4%] p=0.002 n=6+6"},
		{name: "overlapping: not significant",
			base: []float64{100, 102, 104, 106, 108}, cur: []float64{101, 103, 105, 107, 109},
			delta: 105.0/104 - 1, lo: -0.04629629629629628, hi: 0.06862745098039214, p: 0.6904761904761905, testable: true,
			text: "~ (p=0.69 n=5+5)"},
		{name: "one repeat in the baseline: no statistics",
			base: []float64{100}, cur: []float64{103, 104, 102, 105, 101},
			delta: 0.03, lo: nan, hi: nan, p: nan,
			text: "+3.0% (n=1+5: no statistics)"},
		{name: "one repeat in the run: no statistics",
			base: []float64{100, 100, 100}, cur: []float64{97},
			delta: -0.03, lo: nan, hi: nan, p: nan,
			text: "-3.0% (n=3+1: no statistics)"},
		{name: "3 vs 3 fully separated: not testable at 0.05",
			base: []float64{100, 101, 102}, cur: []float64{110, 111, 112},
			delta: 111.0/101 - 1, lo: nan, hi: nan, p: 0.1,
			text: "+9.9% (n=3+3: too few repeats for α=0.05, smallest p 0.10)"},
		{name: "identical samples",
			base: []float64{1, 2, 3, 4, 5}, cur: []float64{5, 4, 3, 2, 1},
			delta: 0, lo: -2.0 / 3, hi: 2, p: 1, testable: true,
			text: "~ (p=1.00 n=5+5)"},
		{name: "constant identical samples",
			base: []float64{7, 7, 7, 7, 7, 7}, cur: []float64{7, 7, 7, 7, 7, 7},
			delta: 0, lo: 0, hi: 0, p: 1, testable: true,
			text: "~ (p=1.00 n=6+6)"},
		{name: "base median 0: the relative change is unknown, the test still runs",
			base: []float64{0, 0, 0, 0, 0}, cur: []float64{1, 1, 2, 1, 1},
			delta: nan, lo: nan, hi: nan, p: 0.007936507936507936, testable: true, significant: true,
			text: "? p=0.008 n=5+5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, cur := slices.Clone(tt.base), slices.Clone(tt.cur)
			c := Compare(base, cur, 0.05)
			if !slices.Equal(base, tt.base) || !slices.Equal(cur, tt.cur) {
				t.Errorf("Compare modified its arguments: %v %v", base, cur)
			}
			if !near(c.Delta, tt.delta) || !near(c.Lo, tt.lo) || !near(c.Hi, tt.hi) {
				t.Errorf("delta %v [%v, %v], want %v [%v, %v]", c.Delta, c.Lo, c.Hi, tt.delta, tt.lo, tt.hi)
			}
			if !(near(c.P, tt.p) || math.Abs(c.P-tt.p) < 1e-3) {
				t.Errorf("p = %v, want %v", c.P, tt.p)
			}
			if c.Testable != tt.testable || c.Significant != tt.significant {
				t.Errorf("testable %v significant %v, want %v %v", c.Testable, c.Significant, tt.testable, tt.significant)
			}
			if c.Base.N != len(tt.base) || c.Cur.N != len(tt.cur) || c.Alpha != 0.05 {
				t.Errorf("n=%d+%d alpha %v", c.Base.N, c.Cur.N, c.Alpha)
			}
			if got := c.String(); got != tt.text {
				t.Errorf("String() = %q, want %q", got, tt.text)
			}
		})
	}
}

func TestCompareSummaries(t *testing.T) {
	c := Compare([]float64{105, 100, 104, 101, 103, 102}, []float64{9, 1, 5}, 0.05)
	if c.Base.Median != 102.5 || c.Base.Lo != 100 || c.Base.Hi != 105 || c.Base.Confidence < 0.95 {
		t.Errorf("base summary %+v, want median 102.5 in [100, 105] at ≥ 0.95", c.Base)
	}
	if c.Cur.Median != 5 || !math.IsInf(c.Cur.Lo, -1) || !math.IsInf(c.Cur.Hi, 1) {
		t.Errorf("3 values have no finite 95%% interval: %+v", c.Cur)
	}
}

func TestCompareAlpha(t *testing.T) {
	base, cur := []float64{100, 101, 102}, []float64{110, 111, 112}
	if c := Compare(base, cur, 0.05); c.Testable || c.Significant {
		t.Errorf("3+3 at 0.05: %v", c)
	}
	c := Compare(base, cur, 0.2)
	if !c.Testable || !c.Significant {
		t.Errorf("3+3 at 0.2 reaches p 0.10: %v", c)
	}
	if got, want := c.String(), "+9.9% p=0.10 n=3+3"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestSmallestP(t *testing.T) {
	tests := []struct {
		n1, n2 int
		want   float64
	}{
		{0, 5, 1}, {1, 1, 1}, {1, 5, 2.0 / 6}, {2, 2, 2.0 / 6}, {3, 3, 0.1}, {4, 4, 2.0 / 70},
		{5, 5, 2.0 / 252}, {3, 5, 2.0 / 56}, {5, 3, 2.0 / 56}, {10, 10, 2.0 / 184756},
	}
	for _, tt := range tests {
		if got := SmallestP(tt.n1, tt.n2); !near(got, tt.want) {
			t.Errorf("SmallestP(%d, %d) = %v, want %v", tt.n1, tt.n2, got, tt.want)
		}
	}
}

func TestFormatPercent(t *testing.T) {
	for x, want := range map[float64]string{0.261: "+26.1%", -0.0349: "-3.5%", 0: "+0.0%", math.NaN(): "?"} {
		if got := FormatPercent(x); got != want {
			t.Errorf("FormatPercent(%v) = %q, want %q", x, got, want)
		}
	}
}

func TestPText(t *testing.T) {
	for p, want := range map[float64]string{0.0002: "p<0.001", 0.004: "p=0.004", 0.42: "p=0.42", 0.05: "p=0.05"} {
		if got := PText(p); got != want {
			t.Errorf("PText(%v) = %q, want %q", p, got, want)
		}
	}
}
