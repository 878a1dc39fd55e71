package record

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
