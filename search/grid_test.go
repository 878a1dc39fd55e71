package search

import (
	"math"
	"testing"
)

// TestGrid: the CPU grid from min to max by the resolution, max always
// on it and never longer than MaxTrials; the memory grid doubling.
func TestGrid(t *testing.T) {
	g := CPURange{Min: 0.05, Max: 2, Resolution: 0.05}.Grid()
	if len(g) != 40 || g[0] != 0.05 || g[39] != 2 || g[5] != 0.3 {
		t.Errorf("grid = %v", g)
	}
	g = CPURange{Min: 0.1, Max: 1, Resolution: 0.3}.Grid()
	if want := []float64{0.1, 0.4, 0.7, 1}; !equal(g, want) {
		t.Errorf("grid = %v, want %v", g, want)
	}
	// Never longer than MaxTrials: a grid of exactly MaxTrials values is
	// whole; a longer one (refused by Validate) is cut, Max kept last.
	if g = (CPURange{Min: 0.01, Max: 1, Resolution: 0.01}).Grid(); len(g) != MaxTrials || g[MaxTrials-1] != 1 {
		t.Errorf("grid of 100: %d values, last %v", len(g), g[len(g)-1])
	}
	for _, top := range []float64{1.005, 1.015, 1.5} {
		g = CPURange{Min: 0.01, Max: top, Resolution: 0.01}.Grid()
		if len(g) != MaxTrials || g[len(g)-1] != top || g[len(g)-2] != 0.99 {
			t.Errorf("grid up to %v: %d values (at most %d), ending %v", top, len(g), MaxTrials, g[len(g)-2:])
		}
	}
	m := MemoryRange{Min: 64 << 20, Max: 600 << 20}.Grid()
	if len(m) != 5 || m[3] != 512<<20 || m[4] != 600<<20 {
		t.Errorf("memory grid = %v", m)
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return true
}
