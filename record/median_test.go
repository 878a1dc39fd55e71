package record

import (
	"slices"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		name string
		vals []float64
		want float64
	}{
		{"none", nil, 0},
		{"one", []float64{7}, 7},
		{"odd count, unsorted", []float64{9, 1, 5}, 5},
		{"even count is the mean of the middle two", []float64{4, 1, 3, 10}, 3.5},
		{"repeats agree", []float64{2, 2}, 2},
		{"negative values", []float64{-3, -1, -2}, -2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.vals)
			if got := Median(in); got != tt.want {
				t.Errorf("Median(%v) = %v, want %v", tt.vals, got, tt.want)
			}
			if !slices.Equal(in, tt.vals) {
				t.Errorf("Median reordered its input: %v, was %v", in, tt.vals)
			}
		})
	}
}
