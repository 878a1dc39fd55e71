package report

// Capacities is each configuration's capacity (the highest offered load
// that met the SLO, in the run's unit) and ramp step size (the smallest
// rise of offered load between two consecutive steps; absent with one
// step), keyed by configuration name: what capacity gates and baselines
// compare.
func Capacities(in Input) (capacity, step map[string]float64) {
	a := Analyze(in)
	capacity, step = map[string]float64{}, map[string]float64{}
	for _, c := range a.Configs {
		capacity[c.Name] = c.Capacity
		for i := 1; i < len(c.Steps); i++ {
			if d := c.Steps[i].Offered - c.Steps[i-1].Offered; d > 0 && (step[c.Name] == 0 || d < step[c.Name]) {
				step[c.Name] = d
			}
		}
	}
	return capacity, step
}
