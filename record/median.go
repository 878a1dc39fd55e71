package record

import "slices"

// Median is the median of vals, in their unit: the middle value, or the
// mean of the two middle values for an even count; 0 for none. It combines
// a metric across the repeats of a step (report and gate use it alike) and
// leaves vals as they are.
func Median(vals []float64) float64 {
	n := len(vals)
	if n == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(vals))
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
