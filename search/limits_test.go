package search

import (
	"math"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// machine simulates the configurations of a limit search: a configuration
// serves the target when its CPU per replica is at least need[replicas];
// one replica uses peak bytes, and a memory trial passes when its limit
// is at least peak ÷ MemoryUseLimit. flaky lists trial numbers (1-based,
// over the whole search) whose result is inverted once, and untrusted
// those that are untrusted.
type machine struct {
	need      map[int]float64
	peak      record.Bytes
	flaky     map[int]bool
	untrusted map[int]bool
}

func (m machine) trial(n int, d TrialDecision) Trial {
	c := d.Config
	t := Trial{Config: c, Phase: d.Phase, MemoryPeak: m.peak}
	t.MemoryPct = float64(m.peak) / float64(c.MemoryBytes)
	t.Pass = c.CPUs >= m.need[c.Replicas]-1e-9
	if d.Phase == TrialMemory {
		t.Pass = t.Pass && t.MemoryPct < MemoryUseLimit
	}
	if m.flaky[n] {
		t.Pass = !t.Pass
	}
	if m.untrusted[n] {
		t.Pass, t.Untrusted = false, true
	}
	if d.Phase == TrialCapacity {
		t.Pass, t.Capacity = false, 1234
	}
	t.Why = "p95 1.40s breaches p95<1s at 10,000 users"
	if t.Pass {
		t.Why = "meets the SLO"
	}
	return t
}

// drive runs NextTrial against m until Done (bounded) and returns the
// trials; every decision until then must be a new trial of the replica
// count being searched.
func drive(t *testing.T, l Limits, m machine) []Trial {
	t.Helper()
	var trials []Trial
	bound := MaxTrials * len(l.Replicas)
	for n := 1; n <= bound+1; n++ {
		d := NextTrial(l, trials)
		if d.Done {
			return trials
		}
		if d.Config.Replicas < 1 || d.Config.CPUs < l.CPUs.Min-1e-9 || d.Config.CPUs > l.CPUs.Max+1e-9 {
			t.Fatalf("trial %d: config %+v outside the search", n, d.Config)
		}
		if d.Note == "" || d.Phase == "" {
			t.Fatalf("trial %d: no phase or note: %+v", n, d)
		}
		trials = append(trials, m.trial(n, d))
	}
	t.Fatalf("no end after %d trials", len(trials))
	return nil
}

func limits(min, max, res float64, mem MemoryRange, replicas ...int) Limits {
	return Limits{CPUs: CPURange{Min: min, Max: max, Resolution: res}, Memory: mem, Replicas: replicas}.WithDefaults()
}

var mem512 = MemoryRange{Min: 512 << 20, Max: 512 << 20}

// TestLimitsFindMinimal: bisect and grid find the same minimal CPU per
// replica count, the smallest grid value at or above the need, and bisect
// needs at most log2(grid)+2 trials.
func TestLimitsFindMinimal(t *testing.T) {
	needs := []map[int]float64{
		{1: 0.25, 2: 0.15},
		{1: 0.05, 2: 0.05},
		{1: 2, 2: 1.05},
		{1: 1.33, 2: 0.71},
		{1: 3, 2: 1.9}, // one replica fails even at the max
	}
	for _, need := range needs {
		for _, strategy := range []string{StrategyBisect, StrategyGrid} {
			l := limits(0.05, 2, 0.05, mem512, 1, 2)
			l.Strategy = strategy
			trials := drive(t, l, machine{need: need})
			rs := Results(l, trials)
			if len(rs) != 2 {
				t.Fatalf("results %+v", rs)
			}
			for _, r := range rs {
				want := math.Ceil(round9(need[r.Replicas]/0.05)) * 0.05
				if !r.Complete {
					t.Errorf("%v %s x%d: incomplete", need, strategy, r.Replicas)
				}
				if want > 2 {
					if r.Minimal != nil || r.Capacity != 1234 {
						t.Errorf("%v %s x%d: minimal %+v capacity %v, want none and the capacity trial's", need, strategy, r.Replicas, r.Minimal, r.Capacity)
					}
					continue
				}
				if r.Minimal == nil || math.Abs(r.Minimal.CPUs-want) > 1e-9 || r.Minimal.Replicas != r.Replicas || r.Minimal.MemoryBytes != 512<<20 {
					t.Errorf("%v %s x%d: minimal %+v, want %v CPU", need, strategy, r.Replicas, r.Minimal, want)
					continue
				}
				if want > 0.05+1e-9 && math.Abs(r.FailBelow-(want-0.05)) > 1e-9 {
					t.Errorf("%v %s x%d: fail below %v, want %v", need, strategy, r.Replicas, r.FailBelow, want-0.05)
				}
				if strategy == StrategyBisect && r.Trials > 7 {
					t.Errorf("%v bisect x%d: %d trials for a grid of 40", need, r.Replicas, r.Trials)
				}
				if strategy == StrategyGrid && r.Trials != 40 {
					t.Errorf("%v grid x%d: %d trials, want 40", need, r.Replicas, r.Trials)
				}
			}
		}
	}
}

func TestGrid(t *testing.T) {
	g := CPURange{Min: 0.05, Max: 2, Resolution: 0.05}.Grid()
	if len(g) != 40 || g[0] != 0.05 || g[39] != 2 || g[5] != 0.3 {
		t.Errorf("grid = %v", g)
	}
	g = CPURange{Min: 0.1, Max: 1, Resolution: 0.3}.Grid()
	if want := []float64{0.1, 0.4, 0.7, 1}; !equal(g, want) {
		t.Errorf("grid = %v, want %v", g, want)
	}
	m := MemoryRange{Min: 64 << 20, Max: 600 << 20}.Grid()
	if len(m) != 5 || m[3] != 512<<20 || m[4] != 600<<20 {
		t.Errorf("memory grid = %v", m)
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return true
}

var _ = strings.Contains
