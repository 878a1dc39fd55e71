package search

import (
	"fmt"
	"math"

	"github.com/loadlab/loadlab/record"
)

// Grid is the CPU values per replica of the range, ascending: Min, Min +
// Resolution, … and Max, each computed as Min + i × Resolution rounded to
// 1e-9 (no drift from repeated additions). It is empty for a range whose
// min, max or resolution Validate refuses. A range of more than MaxTrials
// values (which Validate refuses too) is cut to its first MaxTrials − 1
// values and Max: the grid is never longer than MaxTrials.
func (r CPURange) Grid() []float64 {
	if !(r.Min > 0) || !(r.Max >= r.Min) || !(r.Resolution > 0) || math.IsInf(r.Max, 0) {
		return nil
	}
	n := math.Floor((r.Max-r.Min)/r.Resolution + 1e-9)
	if n > MaxTrials-1 {
		n = MaxTrials - 1
	}
	var g []float64
	for i := 0; i <= int(n); i++ {
		g = append(g, round9(r.Min+float64(i)*r.Resolution))
	}
	if last := len(g) - 1; g[last] < round9(r.Max) {
		if len(g) == MaxTrials {
			g = g[:last]
		}
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
	// contradiction marks a next trial that re-runs a contradiction (a
	// failure above a pass, or a failing largest limit whose capacity
	// trial reached the target).
	contradiction bool
	done          bool
	// minimal is the smallest configuration known to serve the target
	// (so far, when not done); nil when none is.
	minimal   *record.Config
	failBelow float64
	failWhy   string
	capacity  float64
	undecided string
	truncated bool
	// state is the replay of the trials the plan rests on.
	state *trialState
}

// planOf decides the search of replica count r from its trials (oldest
// first; every trial of trials has r replicas). A search that would go on
// after l.TrialBudget() trials ends Truncated.
func planOf(l Limits, r int, trials []Trial) plan {
	p := decide(l, r, trials)
	if !p.done && len(trials) >= l.TrialBudget() {
		p.done, p.truncated, p.next, p.contradiction = true, true, TrialDecision{}, false
	}
	return p
}

// decide is planOf without the trial budget.
func decide(l Limits, r int, trials []Trial) plan {
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
	s := replayTrials(grid, trials)
	p.state = s
	top := len(grid) - 1
	lo, hi := bracket(s.latest, top)
	if hi >= 0 {
		c := config(grid[hi], cpuMem)
		p.minimal = &c
		if lo == hi-1 && lo >= 0 {
			p.failBelow, p.failWhy = grid[lo], s.latest[lo].why
		}
	}
	if n := len(s.capacity); n > 0 {
		p.capacity = trials[s.capacity[n-1]].Capacity
	}
	// A CPU value untrusted twice in a row: this machine cannot decide it.
	if m := s.gaveUpCPU(); m != nil {
		p.done, p.minimal, p.failBelow, p.failWhy = true, nil, 0, ""
		p.undecided = fmt.Sprintf("%s twice: this machine cannot decide %s", m.last.Why, configText(r, m.cpu))
		return p
	}
	// The last trial's measure is open: measure it again.
	if n := len(trials); n > 0 {
		if m := s.of[n-1]; m != nil && !m.done() {
			t := trials[n-1]
			phase := TrialRecheck
			if m.at < 0 {
				phase = TrialMemory
			}
			what := formatCPUs(m.cpu)
			if m.at < 0 {
				what = fmt.Sprintf("%s at %s", record.FormatBytes(float64(m.mem)), what)
			}
			note := fmt.Sprintf("re-run: %s could not be trusted (%s)", what, t.Why)
			if !t.Untrusted {
				note = fmt.Sprintf("%s within %s of its limit: measured again (%d of %d measurements; pressure %.2f last)",
					what, formatPct(DefaultMargin), len(m.trusted), TrialRepeats, t.Pressure)
			}
			return next(config(m.cpu, m.mem), phase, note)
		}
	}
	// A larger CPU that failed where a smaller one passed is run again
	// once. A failure that stood when run again discredits the passes
	// below it: they contradict nothing more.
	stood := -1
	for i, m := range s.latest {
		if !m.pass && s.decisions[i] > 1 && i > stood {
			stood = i
		}
	}
	for b := 0; b <= top; b++ {
		mb, ok := s.latest[b]
		if !ok || mb.pass || s.decisions[b] > 1 {
			continue
		}
		for a := b - 1; a > stood; a-- {
			if ma, ok := s.latest[a]; ok && ma.pass {
				q := next(config(grid[b], cpuMem), TrialRecheck,
					fmt.Sprintf("re-run: %s failed where %s passed", formatCPUs(grid[b]), formatCPUs(grid[a])))
				q.contradiction = true
				return q
			}
		}
	}
	// The CPU search.
	if _, ok := s.latest[top]; !ok && l.Strategy != StrategyGrid {
		return next(config(grid[top], cpuMem), TrialCPU, fmt.Sprintf("the largest limits first: %s", formatCPUs(grid[top])))
	}
	if l.Strategy == StrategyGrid {
		for i := range grid {
			if _, ok := s.latest[i]; !ok {
				return next(config(grid[i], cpuMem), TrialCPU, fmt.Sprintf("grid: %s (value %d of %d)", formatCPUs(grid[i]), i+1, len(grid)))
			}
		}
	}
	if hi < 0 { // even the largest limits fail
		return p.atTheTop(config(grid[top], cpuMem), trials)
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
	// The bracket is one grid step: confirm both of its ends (a value
	// decided by the median of repeats was measured enough).
	if !s.latest[hi].confirmed() {
		return next(config(grid[hi], cpuMem), TrialConfirm, "confirming the minimal")
	}
	if lo >= 0 && !s.latest[lo].confirmed() {
		return next(config(grid[lo], cpuMem), TrialConfirm,
			fmt.Sprintf("confirming the failure below the minimal, at %s", formatCPUs(grid[lo])))
	}
	return p.memory(l, r, grid[hi], s.peakAt(hi))
}

// atTheTop decides what follows when even the largest limits, top, fail:
// a capacity trial at them for the projection; when it measured a
// capacity that reaches the target (it passed), top is run again once at
// the target, and its result stands.
func (p plan) atTheTop(top record.Config, trials []Trial) plan {
	s := p.state
	if len(s.capacity) == 0 {
		p.next = TrialDecision{Config: top, Phase: TrialCapacity,
			Note: fmt.Sprintf("%s fails at the target: measuring its capacity for the projection", formatCPUs(top.CPUs))}
		return p
	}
	k := s.capacity[len(s.capacity)-1]
	if c := trials[k]; c.Pass {
		rerun := true
		for _, t := range trials[k+1:] {
			if isCPUPhase(t.Phase) && round9(t.Config.CPUs) == round9(top.CPUs) {
				rerun = false
			}
		}
		if rerun {
			p.next = TrialDecision{Config: top, Phase: TrialRecheck,
				Note: fmt.Sprintf("re-run: %s failed at the target, but its capacity search measured %s, which reaches it", formatCPUs(top.CPUs), FormatNumber(c.Capacity))}
			p.contradiction = true
			return p
		}
	}
	p.done = true
	return p
}

// memory is the memory search at the minimal CPU cpu, whose trials peaked
// at peak bytes per replica (0: no memory use was measured, and the
// memory stays at the largest); the plan ends when it is done.
func (p plan) memory(l Limits, r int, cpu float64, peak record.Bytes) plan {
	p.done = true
	if l.Memory.Fixed() || peak == 0 {
		return p
	}
	need := float64(peak) / MemoryUseLimit
	for _, mem := range l.Memory.Grid() {
		if float64(mem) < need {
			continue
		}
		if mem == l.Memory.Max {
			break
		}
		m, ok := p.state.mem[memKey{cpu, mem}]
		if !ok {
			p.done = false
			p.next = TrialDecision{Config: record.Config{CPUs: cpu, MemoryBytes: mem, Replicas: r}, Phase: TrialMemory,
				Note: fmt.Sprintf("memory: %s at %s (peak %s at the largest memory)", mem, formatCPUs(cpu), record.FormatBytes(float64(peak)))}
			return p
		}
		if m.gaveUp {
			p.undecided = fmt.Sprintf("%s twice: this machine cannot decide %s at %s; the memory stays at the largest, %s",
				m.last.Why, record.FormatBytes(float64(mem)), configText(r, cpu), record.FormatBytes(float64(l.Memory.Max)))
			return p
		}
		if m.pass {
			p.minimal.MemoryBytes = mem
			return p
		}
	}
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

// bracket is lo, the largest grid index whose latest decided measure
// failed (−1: none), and hi, the smallest index above lo whose latest
// passed (−1: none): every decided value from hi up passed.
func bracket(latest map[int]*measure, top int) (lo, hi int) {
	lo, hi = -1, -1
	for i := top; i >= 0; i-- {
		if m, ok := latest[i]; ok && !m.pass {
			lo = i
			break
		}
	}
	for i := lo + 1; i <= top; i++ {
		if m, ok := latest[i]; ok && m.pass {
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
