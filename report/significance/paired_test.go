package significance

import (
	"math"
	"testing"
)

func TestSignedRankGreater(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    []float64
		want float64
	}{
		{"all seven above", []float64{1, 2, 3, 4, 5, 6, 7}, 1.0 / 128},
		{"all seven below", []float64{-1, -2, -3, -4, -5, -6, -7}, 1},
		{"the smallest of seven below", []float64{-1, 2, 3, 4, 5, 6, 7}, 2.0 / 128},
		{"the second smallest below", []float64{1, -2, 3, 4, 5, 6, 7}, 3.0 / 128},
		{"ties share their rank", []float64{1, 1, -1}, 0.5},
		{"zeros are dropped", []float64{0, 0, 1, 2}, 0.25},
		{"all zero", []float64{0, 0}, 1},
	} {
		if got := signedRankGreater(tc.d); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: p = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Two runs of the self-gate's A/B study (make gate-study, 2026-12-01, a
// busy neighbour on one core): CPU per request in µs per repeat, champion
// and challenger measured side by side in each.
var (
	abUnmodifiedChampion   = []float64{43.0, 35.2, 50.2, 41.6, 39.4, 29.6, 40.3}
	abUnmodifiedChallenger = []float64{45.3, 34.7, 51.7, 45.0, 44.8, 29.9, 31.6}
	abKnobChampion         = []float64{38.6, 30.3, 42.0, 36.4, 44.8, 37.1, 36.0}
	abKnobChallenger       = []float64{39.0, 42.3, 60.1, 44.0, 52.7, 56.6, 46.1}
)

// TestPairedBeyondTolerance: with pairs, the regression the repeats'
// spread hides from the unpaired test is significantly beyond a 10 %
// tolerance, and the unmodified challenger is not.
func TestPairedBeyondTolerance(t *testing.T) {
	bound := func(b float64) float64 { return b * 1.10 }
	if p := PairedBeyondP(abKnobChampion, abKnobChallenger, bound, true); !(p < 0.05) {
		t.Errorf("knob, paired: p = %v, want < 0.05", p)
	}
	if p := BeyondP(abKnobChampion, abKnobChallenger, bound, true); !(p >= 0.05) {
		t.Errorf("knob, unpaired: p = %v; this sample was chosen because the unpaired test missed it", p)
	}
	if p := PairedBeyondP(abUnmodifiedChampion, abUnmodifiedChallenger, bound, true); !(p >= 0.05) {
		t.Errorf("unmodified, paired: p = %v, want ≥ 0.05 (no regression)", p)
	}
	// A higher-is-better metric: throughput 10 % below each pair's limit.
	low := func(b float64) float64 { return b * 0.90 }
	base := []float64{100, 200, 150, 120, 180, 90, 160}
	cur := make([]float64, len(base))
	for i, b := range base {
		cur[i] = b * 0.7
	}
	if p := PairedBeyondP(base, cur, low, false); math.Abs(p-1.0/128) > 1e-12 {
		t.Errorf("throughput −30 %% in every pair: p = %v, want 1/128", p)
	}
	if p := PairedBeyondP(base[:1], cur[:1], low, false); !math.IsNaN(p) {
		t.Errorf("one pair: p = %v, want NaN", p)
	}
}

func TestPairedChange(t *testing.T) {
	c := PairedChange(abKnobChampion, abKnobChallenger, 0.05)
	if !c.Paired || !c.Testable || !c.Significant || math.Abs(c.Delta-0.2806) > 0.001 || c.Base.N != 7 {
		t.Fatalf("knob: %+v", c)
	}
	if s := c.String(); s != "+28.1% [+1.0%, +52.6%] p=0.02 n=7 pairs" {
		t.Errorf("knob: %q", s)
	}
	same := PairedChange(abKnobChampion, abKnobChampion, 0.05)
	if same.Significant || same.Delta != 0 || same.P != 1 || same.String() != "~ (p=1.00 n=7 pairs)" {
		t.Errorf("identical: %+v %q", same, same.String())
	}
	five := PairedChange(abKnobChampion[:5], abKnobChallenger[:5], 0.05)
	if five.Testable || five.String() != "+20.9% (n=5 pairs: too few repeats for α=0.05, smallest p 0.06)" {
		t.Errorf("5 pairs: %q", five.String())
	}
	one := PairedChange(abKnobChampion[:1], abKnobChallenger[:1], 0.05)
	if one.Testable || one.String() != "+1.0% (n=1 pairs: no statistics)" {
		t.Errorf("1 pair: %q", one.String())
	}
}
