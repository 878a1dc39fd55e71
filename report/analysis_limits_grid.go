package report

import (
	"fmt"
	"math"
	"slices"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
)

// reconstructLimits is the search's bounds as its trials show them, for a
// run whose experiment.yaml has no readable search: the replica counts in
// the order tried, the CPU range tried, the grid's resolution inferred
// from the CPUs tried (inferCPUGrid), the memory of the first trial.
func reconstructLimits(groups [][]record.Record) search.Limits {
	var l search.Limits
	var cpus []float64
	for _, g := range groups {
		c := g[0].Config
		if !slices.Contains(l.Replicas, max(c.Replicas, 1)) {
			l.Replicas = append(l.Replicas, max(c.Replicas, 1))
		}
		if l.CPUs.Min == 0 || c.CPUs < l.CPUs.Min {
			l.CPUs.Min = c.CPUs
		}
		l.CPUs.Max = max(l.CPUs.Max, c.CPUs)
		if l.Memory.Max == 0 {
			l.Memory = search.MemoryRange{Min: c.MemoryBytes, Max: c.MemoryBytes}
		}
		cpus = append(cpus, c.CPUs)
	}
	l.CPUs.Resolution, _ = inferCPUGrid(cpus)
	return l
}

// inferCPUGrid infers the resolution (CPU per replica) of the grid the
// CPU values of a search's trials (any order, repeats allowed) were
// tried on: of the gaps between neighbouring distinct values (rounded to
// 1e-9), the one that puts the most values on the grid smallest,
// smallest + gap, … (the largest value is always on it, as
// search.CPURange.Grid puts its Max), the smallest gap on a tie;
// search.DefaultCPUResolution with fewer than two distinct values. off
// lists, ascending, the values not on that grid.
func inferCPUGrid(values []float64) (resolution float64, off []float64) {
	var vs []float64
	for _, v := range values {
		if v > 0 && !math.IsInf(v, 0) {
			vs = append(vs, round9(v))
		}
	}
	slices.Sort(vs)
	vs = slices.Compact(vs)
	if len(vs) < 2 {
		return search.DefaultCPUResolution, nil
	}
	var gaps []float64
	for i := 1; i < len(vs); i++ {
		gaps = append(gaps, round9(vs[i]-vs[i-1]))
	}
	slices.Sort(gaps)
	gaps = slices.Compact(gaps)
	best, bestOn := 0.0, -1
	for _, g := range gaps {
		n := 0
		for _, v := range vs {
			if onGrid(v, vs[0], vs[len(vs)-1], g) {
				n++
			}
		}
		if n > bestOn { // gaps ascend: a tie keeps the smaller
			best, bestOn = g, n
		}
	}
	for _, v := range vs {
		if !onGrid(v, vs[0], vs[len(vs)-1], best) {
			off = append(off, v)
		}
	}
	return best, off
}

// onGrid reports whether v is on the grid lo, lo + step, … with hi.
func onGrid(v, lo, hi, step float64) bool {
	if math.Abs(v-hi) < 1e-6 {
		return true
	}
	k := (v - lo) / step
	return k > -1e-6 && math.Abs(k-math.Round(k)) < 1e-6
}

// flagOffGrid marks the trials whose CPU is not on the search's CPU grid
// (search.Results leaves them out: they decide nothing), in their row and
// in ls.OffGrid, one sentence each.
func flagOffGrid(ls *LimitSearch, rows []TrialRow, groups [][]record.Record, l search.Limits) {
	grid := l.CPUs.Grid()
	for i := range rows {
		row := &rows[i]
		if row.Phase == search.TrialMemory || slices.ContainsFunc(grid, func(g float64) bool { return math.Abs(g-row.CPUs) < 1e-6 }) {
			continue
		}
		where := fmt.Sprintf("not on the CPU grid (%s)", gridText(l.CPUs))
		ls.OffGrid = append(ls.OffGrid, fmt.Sprintf("Trial %d (%s, %s) is %s: the search's result leaves it out.",
			row.Trial, record.ReplicasText(replicasOf(*row, groups)), record.FormatCPUs(row.CPUs), where))
		row.Why = where + ", left out of the result; " + row.Why
	}
}

// gridText describes a CPU grid: "0.2 CPU to 1.6 CPUs per replica on a
// grid of 0.1 CPU".
func gridText(c search.CPURange) string {
	return fmt.Sprintf("%s to %s per replica on a grid of %s", record.FormatCPUs(c.Min), record.FormatCPUs(c.Max), record.FormatCPUs(c.Resolution))
}

// round9 rounds to 1e-9, as package search rounds its CPU grid.
func round9(x float64) float64 { return math.Round(x*1e9) / 1e9 }
