package search

import (
	"fmt"
	"math"

	"github.com/loadlab/loadlab/record"
)

// Grid is the CPU values per replica of the range, ascending: Min, Min +
// Resolution, … and Max, each computed as Min + i × Resolution rounded to
// 1e-9 (no drift from repeated additions). It is empty for a range that
// Validate refuses, and never longer than MaxTrials + 1.
func (r CPURange) Grid() []float64 {
	if !(r.Min > 0) || !(r.Max >= r.Min) || !(r.Resolution > 0) || math.IsInf(r.Max, 0) {
		return nil
	}
	n := math.Floor((r.Max-r.Min)/r.Resolution + 1e-9)
	if n > MaxTrials {
		n = MaxTrials
	}
	var g []float64
	for i := 0; i <= int(n); i++ {
		g = append(g, round9(r.Min+float64(i)*r.Resolution))
	}
	if g[len(g)-1] < round9(r.Max) {
		g = append(g, round9(r.Max))
	}
	return g
}

// Grid is the memory values of the range: Min, 2 × Min, 4 × Min, … up to
// Max, Max always last (one value when Fixed).
func (m MemoryRange) Grid() []record.Bytes {
	if m.Min <= 0 || m.Max <= m.Min {
		return []record.Bytes{m.Max}
	}
	var g []record.Bytes
	for v := m.Min; v < m.Max; v *= 2 {
		g = append(g, v)
	}
	return append(g, m.Max)
}

// plan is the state of the search of one replica count after its trials:
// the next trial, or its result. NextTrial and Results both read it.
type plan struct {
	next TrialDecision
	// contradiction marks a next trial that re-runs a contradiction.
	contradiction bool
	done          bool
	// minimal is the smallest configuration known to serve the target
	// (so far, when not done); nil when none is.
	minimal   *record.Config
	failBelow float64
	failWhy   string
	capacity  float64
}

// planOf decides the search of replica count r from its trials (oldest
// first; every trial of trials has r replicas).
func planOf(l Limits, r int, trials []Trial) plan {
	grid := l.CPUs.Grid()
	var p plan
	if len(grid) == 0 {
		p.done = true
		return p
	}
	cpuMem := l.Memory.Max
	config := func(cpu float64, mem record.Bytes) record.Config {
		return record.Config{CPUs: cpu, MemoryBytes: mem, Replicas: r}
	}
	next := func(c record.Config, phase, note string) plan {
		p.next = TrialDecision{Config: c, Phase: phase, Note: note}
		return p
	}
	// The latest result and the number of trials at each CPU value (CPU
	// phase) and at each memory (memory phase, at any CPU).
	latest, count := map[int]Trial{}, map[int]int{}
	memLatest, memCount := map[memKey]Trial{}, map[memKey]int{}
	var capTrials []Trial
	for _, t := range trials {
		switch t.Phase {
		case TrialCapacity:
			capTrials = append(capTrials, t)
		case TrialMemory:
			k := memKey{round9(t.Config.CPUs), t.Config.MemoryBytes}
			memLatest[k], memCount[k] = t, memCount[k]+1
		default:
			if i := indexOf(grid, t.Config.CPUs); i >= 0 {
				latest[i], count[i] = t, count[i]+1
			}
		}
	}
	top := len(grid) - 1
	lo, hi := bracket(latest, top)
	if hi >= 0 {
		c := config(grid[hi], cpuMem)
		p.minimal = &c
		if lo == hi-1 && lo >= 0 {
			p.failBelow, p.failWhy = grid[lo], latest[lo].Why
		}
	}
	if len(capTrials) > 0 {
		p.capacity = capTrials[len(capTrials)-1].Capacity
	}
	if len(trials) >= MaxTrials {
		p.done = true
		return p
	}
	// An untrusted trial is run again once.
	if n := len(trials); n > 0 && trials[n-1].Untrusted {
		t := trials[n-1]
		times := 0
		for _, u := range trials {
			if u.Phase == t.Phase || (isCPUPhase(u.Phase) && isCPUPhase(t.Phase)) {
				if round9(u.Config.CPUs) == round9(t.Config.CPUs) && u.Config.MemoryBytes == t.Config.MemoryBytes {
					times++
				}
			}
		}
		if times == 1 {
			phase := t.Phase
			if isCPUPhase(phase) {
				phase = TrialRecheck
			}
			return next(config(t.Config.CPUs, t.Config.MemoryBytes), phase,
				fmt.Sprintf("re-run: %s could not be trusted (%s)", formatCPUs(t.Config.CPUs), t.Why))
		}
	}
	// A larger CPU that failed where a smaller one passed is run again
	// once. A failure that stood when run again discredits the passes
	// below it: they contradict nothing more.
	stood := -1
	for i, t := range latest {
		if !t.Pass && count[i] > 1 && i > stood {
			stood = i
		}
	}
	for b := 0; b <= top; b++ {
		tb, ok := latest[b]
		if !ok || tb.Pass || count[b] > 1 {
			continue
		}
		for a := b - 1; a > stood; a-- {
			if ta, ok := latest[a]; ok && ta.Pass {
				q := next(config(grid[b], cpuMem), TrialRecheck,
					fmt.Sprintf("re-run: %s failed where %s passed", formatCPUs(grid[b]), formatCPUs(grid[a])))
				q.contradiction = true
				return q
			}
		}
	}
	// The CPU search.
	if _, ok := latest[top]; !ok && l.Strategy != StrategyGrid {
		return next(config(grid[top], cpuMem), TrialCPU, fmt.Sprintf("the largest limits first: %s", formatCPUs(grid[top])))
	}
	if l.Strategy == StrategyGrid {
		for i := range grid {
			if _, ok := latest[i]; !ok {
				return next(config(grid[i], cpuMem), TrialCPU, fmt.Sprintf("grid: %s (value %d of %d)", formatCPUs(grid[i]), i+1, len(grid)))
			}
		}
	}
	if hi < 0 { // even the largest limits fail
		if len(capTrials) == 0 {
			return next(config(grid[top], cpuMem), TrialCapacity,
				fmt.Sprintf("%s fails at the target: measuring its capacity for the projection", formatCPUs(grid[top])))
		}
		p.done = true
		return p
	}
	if hi-lo > 1 {
		mid := (lo + hi) / 2
		below := "the grid's minimum"
		if lo >= 0 {
			below = formatCPUs(grid[lo]) + " (fails)"
		}
		return next(config(grid[mid], cpuMem), TrialCPU,
			fmt.Sprintf("bisect between %s and %s (passes)", below, formatCPUs(grid[hi])))
	}
	// The memory search at the minimal CPU.
	if l.Memory.Fixed() {
		p.done = true
		return p
	}
	need := float64(latest[hi].MemoryPeak) / MemoryUseLimit
	for _, m := range l.Memory.Grid() {
		if float64(m) < need {
			continue
		}
		if m == l.Memory.Max {
			break
		}
		k := memKey{grid[hi], m}
		t, ok := memLatest[k]
		if !ok {
			return next(config(grid[hi], m), TrialMemory,
				fmt.Sprintf("memory: %s at %s (peak %s at the largest memory)", m, formatCPUs(grid[hi]), record.FormatBytes(float64(latest[hi].MemoryPeak))))
		}
		if t.Pass {
			p.minimal.MemoryBytes = m
			break
		}
	}
	p.done = true
	return p
}

// memKey is a memory trial's limits.
type memKey struct {
	cpus float64
	mem  record.Bytes
}

// isCPUPhase reports whether a trial belongs to the CPU search.
func isCPUPhase(phase string) bool {
	return phase != TrialMemory && phase != TrialCapacity
}

// bracket is lo, the largest grid index whose latest result failed (−1:
// none), and hi, the smallest index above lo whose latest result passed
// (−1: none): every tried value from hi up passed.
func bracket(latest map[int]Trial, top int) (lo, hi int) {
	lo, hi = -1, -1
	for i := top; i >= 0; i-- {
		if t, ok := latest[i]; ok && !t.Pass {
			lo = i
			break
		}
	}
	for i := lo + 1; i <= top; i++ {
		if t, ok := latest[i]; ok && t.Pass {
			return lo, i
		}
	}
	return lo, -1
}

// indexOf is the index of cpu in grid, or −1.
func indexOf(grid []float64, cpu float64) int {
	for i, g := range grid {
		if math.Abs(g-cpu) < 1e-6 {
			return i
		}
	}
	return -1
}
