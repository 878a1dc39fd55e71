package record

import "slices"

// ByConfig groups records by configuration name. order lists the names in
// order of first appearance; each group keeps the records' order.
func ByConfig(recs []Record) (order []string, by map[string][]Record) {
	by = map[string][]Record{}
	for _, r := range recs {
		if _, ok := by[r.Config.Name]; !ok {
			order = append(order, r.Config.Name)
		}
		by[r.Config.Name] = append(by[r.Config.Name], r)
	}
	return order, by
}

// Repeats is one configuration's records split by repeat: what failed and
// what was measured.
type Repeats struct {
	// Failed holds the failure records (Failure set), in recorded order.
	Failed []Record
	// Measured lists the repeats with a measured step, 0-based, ascending.
	Measured []int
	// Seen is the number of distinct repeats, failed or measured.
	Seen int
}

// SplitRepeats splits recs, the records of one configuration, by repeat.
func SplitRepeats(recs []Record) Repeats {
	var out Repeats
	measured, seen := map[int]bool{}, map[int]bool{}
	for _, r := range recs {
		seen[r.Repeat] = true
		if r.Failure != "" {
			out.Failed = append(out.Failed, r)
		} else if !measured[r.Repeat] {
			measured[r.Repeat] = true
			out.Measured = append(out.Measured, r.Repeat)
		}
	}
	slices.Sort(out.Measured)
	out.Seen = len(seen)
	return out
}

// Reasons returns the failures' texts, each once, in recorded order.
func (r Repeats) Reasons() []string {
	var out []string
	for _, f := range r.Failed {
		if !slices.Contains(out, f.Failure) {
			out = append(out, f.Failure)
		}
	}
	return out
}
