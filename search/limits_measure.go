package search

import (
	"fmt"
	"math"

	"github.com/loadlab/loadlab/record"
)

// TrialRepeats is how many trusted measurements decide a configuration
// whose trial came within DefaultMargin of its SLO's limit: the median of
// their pressures decides it (below 1 passes), as a capacity search
// decides a load near the margin.
const TrialRepeats = DefaultRepeats

// nearLimit reports whether a trial's outcome is noise to be weighed: it
// was trusted, it rests on its SLO (a pass, or a failure with pressure ≥
// 1: a failure below 1 failed on something else), and its pressure is
// within DefaultMargin of 1.
func nearLimit(t Trial) bool {
	return !t.Untrusted && math.Abs(t.Pressure-1) <= DefaultMargin && (t.Pass || t.Pressure >= 1)
}

// measure is one decision about one configuration of a limit search: the
// trials at it from the first after its previous decision (or its first
// trial) up to the one that decided it. A trial near the limit (CPU
// phases) keeps it open until TrialRepeats trusted trials exist; an
// untrusted trial keeps it open too, and two untrusted trials in a row
// end it undecided (gaveUp).
type measure struct {
	cpu  float64
	mem  record.Bytes
	at   int    // grid index of cpu (CPU phases), −1 for a memory measure
	open string // the phase of its first trial (TrialConfirm marks a confirmation)
	// trials index the trials of the replica count that belong to it.
	trials  []int
	trusted []float64 // pressures of its trusted trials, in order
	near    bool
	// untrusted counts its untrusted trials at its end, in a row.
	untrusted int
	gaveUp    bool
	decided   bool
	pass      bool
	why       string
	// last is its latest trial, peak the largest memory peak of its
	// trusted trials.
	last Trial
	peak record.Bytes
}

// add judges trial k, t, as one more trial of the measure; noise says
// whether a trial near the limit is measured again (the CPU phases).
func (m *measure) add(k int, t Trial, noise bool) {
	m.trials = append(m.trials, k)
	m.last = t
	if t.Untrusted {
		m.untrusted++
		m.gaveUp = m.untrusted >= 2
		return
	}
	m.untrusted = 0
	m.trusted = append(m.trusted, t.Pressure)
	m.peak = max(m.peak, t.MemoryPeak)
	if noise && nearLimit(t) {
		m.near = true
	}
	switch {
	case !m.near:
		m.decided, m.pass, m.why = true, t.Pass, t.Why
	case len(m.trusted) >= TrialRepeats:
		med := record.Median(m.trusted)
		m.decided, m.pass = true, med < 1
		verb := "breaches the SLO"
		if m.pass {
			verb = "meets the SLO"
		}
		m.why = fmt.Sprintf("%s by the median pressure %.2f of %d measurements (the last: %s)", verb, med, len(m.trusted), t.Why)
	}
}

// confirmed reports whether the measure needs no confirmation: it is one,
// or it was decided by the median of TrialRepeats measurements.
func (m *measure) confirmed() bool {
	return m.open == TrialConfirm || len(m.trusted) >= TrialRepeats
}

// done reports whether the measure takes no more trials.
func (m *measure) done() bool { return m.decided || m.gaveUp }

// trialState is what the trials of one replica count established.
type trialState struct {
	ms []*measure // every measure, in the order of its first trial
	// latest is the latest decided measure of each grid index, decisions
	// how many measures there were decided.
	latest    map[int]*measure
	decisions map[int]int
	// mem is the latest measure of each memory trial's limits.
	mem map[memKey]*measure
	// of is the measure of each trial (nil: a capacity trial, or a CPU
	// off the grid).
	of []*measure
	// capacity indexes the TrialCapacity trials.
	capacity []int
}

// replayTrials groups the trials of one replica count (oldest first)
// into measures on grid.
func replayTrials(grid []float64, trials []Trial) *trialState {
	s := &trialState{latest: map[int]*measure{}, decisions: map[int]int{}, mem: map[memKey]*measure{}, of: make([]*measure, len(trials))}
	cur := map[int]*measure{}
	for k, t := range trials {
		var m *measure
		switch {
		case t.Phase == TrialCapacity:
			s.capacity = append(s.capacity, k)
			continue
		case t.Phase == TrialMemory:
			key := memKey{round9(t.Config.CPUs), t.Config.MemoryBytes}
			if m = s.mem[key]; m == nil || m.done() {
				m = &measure{cpu: t.Config.CPUs, mem: t.Config.MemoryBytes, at: -1, open: t.Phase}
				s.mem[key] = m
				s.ms = append(s.ms, m)
			}
			m.add(k, t, false)
		default:
			i := indexOf(grid, t.Config.CPUs)
			if i < 0 {
				continue
			}
			if m = cur[i]; m == nil || m.done() {
				m = &measure{cpu: grid[i], mem: t.Config.MemoryBytes, at: i, open: t.Phase}
				cur[i] = m
				s.ms = append(s.ms, m)
			}
			m.add(k, t, true)
			if m.decided {
				s.latest[i], s.decisions[i] = m, s.decisions[i]+1
			}
		}
		s.of[k] = m
	}
	return s
}

// peakAt is the largest memory peak of the trusted CPU trials at grid
// index i (0: none measured memory).
func (s *trialState) peakAt(i int) record.Bytes {
	var p record.Bytes
	for _, m := range s.ms {
		if m.at == i {
			p = max(p, m.peak)
		}
	}
	return p
}

// gaveUpCPU is the first CPU measure untrusted twice in a row (nil: none).
func (s *trialState) gaveUpCPU() *measure {
	for _, m := range s.ms {
		if m.at >= 0 && m.gaveUp {
			return m
		}
	}
	return nil
}

// configText names a configuration for sentences: "2 replicas × 0.5 CPU".
func configText(replicas int, cpu float64) string {
	return record.ReplicasText(replicas) + " × " + formatCPUs(cpu)
}
