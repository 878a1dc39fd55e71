package report

import (
	"math"

	"github.com/loadlab/loadlab/record"
)

// Stat is a value combined across repeats: the median, and the smallest and
// largest repeat. With one repeat all three are equal.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Spread reports whether the repeats disagree.
func (s Stat) Spread() bool { return s.Min != s.Max }

// statOf combines values; the median of an even count is the mean of the
// two middle values. No values give the zero Stat.
func statOf(vs []float64) Stat {
	if len(vs) == 0 {
		return Stat{}
	}
	lo, hi := rangeOf(vs)
	return Stat{Median: record.Median(vs), Min: lo, Max: hi}
}

// rangeOf returns the smallest and largest of vs (0, 0 for none).
func rangeOf(vs []float64) (lo, hi float64) {
	if len(vs) == 0 {
		return 0, 0
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

// median is s's median, 0 for a nil Stat (a latency never measured: the
// callers check NoAnswers, or only read steps that passed the SLO).
func (s *Stat) median() float64 {
	if s == nil {
		return 0
	}
	return s.Median
}
