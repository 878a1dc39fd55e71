package model

import (
	"slices"
	"sort"
)

// binner quantizes each feature into at most maxBins ordered bins so that
// split search scans histograms instead of sorted rows. cuts[f] is sorted
// and strictly increasing; a value's bin is the number of cuts ≤ it, so
// "bin < k" is exactly "value < cuts[f][k-1]": the float threshold the
// exported tree uses.
type binner struct {
	cuts [NumFeatures][]float64
}

// newBinner derives cut points from the training rows: every distinct value
// when there are few, otherwise quantiles.
func newBinner(rows [][NumFeatures]float64, maxBins int) *binner {
	b := &binner{}
	vals := make([]float64, len(rows))
	for f := range NumFeatures {
		for i, r := range rows {
			vals[i] = r[f]
		}
		slices.Sort(vals)
		uniq := slices.Compact(slices.Clone(vals))
		var cuts []float64
		if len(uniq) <= maxBins {
			cuts = append(cuts, uniq[1:]...)
		} else {
			for i := 1; i < maxBins; i++ {
				v := vals[i*len(vals)/maxBins]
				if v > vals[0] && (len(cuts) == 0 || v > cuts[len(cuts)-1]) {
					cuts = append(cuts, v)
				}
			}
		}
		b.cuts[f] = cuts
	}
	return b
}

// bins returns the number of bins of feature f.
func (b *binner) bins(f int) int { return len(b.cuts[f]) + 1 }

// bin returns the bin of value v of feature f.
func (b *binner) bin(f int, v float64) uint8 {
	c := b.cuts[f]
	return uint8(sort.Search(len(c), func(i int) bool { return c[i] > v }))
}

// threshold returns the float threshold equivalent to "bin < k".
func (b *binner) threshold(f, k int) float64 { return b.cuts[f][k-1] }

// binAll quantizes rows feature-major: out[f][i] is row i's bin of f.
func (b *binner) binAll(rows [][NumFeatures]float64) [NumFeatures][]uint8 {
	var out [NumFeatures][]uint8
	for f := range NumFeatures {
		out[f] = make([]uint8, len(rows))
		for i, r := range rows {
			out[f][i] = b.bin(f, r[f])
		}
	}
	return out
}
