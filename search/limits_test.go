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
	bound := l.TrialBudget() * len(l.Replicas)
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
// replica count, the smallest grid value at or above the need; bisect
// needs at most 9 trials on a grid of 40 (the largest limits, the
// bisection, the two confirmations of the bracket), the grid its 40
// values and those confirmations.
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
				if strategy == StrategyBisect && r.Trials > 9 {
					t.Errorf("%v bisect x%d: %d trials for a grid of 40", need, r.Replicas, r.Trials)
				}
				confirms := 2 // the minimal and the failure below it
				if want <= 0.05+1e-9 {
					confirms = 1
				}
				if strategy == StrategyGrid && r.Trials != 40+confirms {
					t.Errorf("%v grid x%d: %d trials, want 40 and %d confirmations", need, r.Replicas, r.Trials, confirms)
				}
				if r.Truncated || r.Undecided != "" {
					t.Errorf("%v %s x%d: truncated %v undecided %q", need, strategy, r.Replicas, r.Truncated, r.Undecided)
				}
			}
		}
	}
}

// TestLimitsContradictionRerunOnce: a trial that fails above a pass is
// run again once (phase recheck), the latest result stands, and Results
// says so. The grid meets contradictions on its own; a bisection never
// tries a value below a failure or above a pass, so its contradictions are
// made by hand.
func TestLimitsContradictionRerunOnce(t *testing.T) {
	l := limits(0.05, 2, 0.05, mem512, 1)
	l.Strategy = StrategyGrid
	// Trial 6 is 0.3 CPU: it fails once where 0.25 CPU passed.
	trials := drive(t, l, machine{need: map[int]float64{1: 0.25}, flaky: map[int]bool{6: true}})
	if trials[6].Phase != TrialRecheck || trials[6].Config.CPUs != 0.3 || !trials[6].Pass {
		t.Fatalf("trial 7 = %+v, want a recheck of 0.3 CPU", trials[6])
	}
	r := Results(l, trials)[0]
	if r.Minimal == nil || r.Minimal.CPUs != 0.25 || !r.Complete || r.Trials != 43 || r.FailBelow != 0.2 {
		t.Errorf("grid: %+v minimal %+v", r, r.Minimal)
	}
	if want := "0.3 CPU failed where 0.25 CPU passed; run again, it passed: the pass stands"; len(r.Contradictions) != 1 || r.Contradictions[0] != want {
		t.Errorf("grid: contradictions %q, want %q", r.Contradictions, want)
	}

	// Bisection, by hand: 1 CPU failed where 0.5 CPU passed.
	l.Strategy = StrategyBisect
	cfg := func(cpu float64) record.Config { return record.Config{CPUs: cpu, MemoryBytes: 512 << 20, Replicas: 1} }
	hand := []Trial{
		{Config: cfg(2), Phase: TrialCPU, Pass: true},
		{Config: cfg(1), Phase: TrialCPU, Why: "p95 1.2s breaches p95<1s at 10,000 users"},
		{Config: cfg(0.5), Phase: TrialCPU, Pass: true},
	}
	d := NextTrial(l, hand)
	if d.Phase != TrialRecheck || d.Config != cfg(1) || d.Note != "re-run: 1 CPU failed where 0.5 CPU passed" {
		t.Fatalf("after a contradiction: %+v", d)
	}
	hand = append(hand, Trial{Config: cfg(1), Phase: TrialRecheck, Why: "p95 1.3s breaches p95<1s at 10,000 users"})
	// The failure stands: the search goes on above it, and never re-runs
	// it again.
	trials = append([]Trial(nil), hand...)
	m := machine{need: map[int]float64{1: 1.5}}
	for n := 0; n < 20; n++ {
		d := NextTrial(l, trials)
		if d.Done {
			break
		}
		if d.Config.CPUs <= 1 {
			t.Fatalf("after the failure stood: %+v", d)
		}
		trials = append(trials, m.trial(100, d))
	}
	r = Results(l, trials)[0]
	if r.Minimal == nil || math.Abs(r.Minimal.CPUs-1.5) > 1e-9 || !r.Complete {
		t.Errorf("bisect: minimal %+v", r.Minimal)
	}
	if len(r.Contradictions) != 1 || !strings.Contains(r.Contradictions[0], "1 CPU failed where 0.5 CPU passed; run again, it failed again: the failure stands (p95 1.3s") {
		t.Errorf("bisect: contradictions %q", r.Contradictions)
	}
}

// TestLimitsUntrustedRerun: an untrusted trial is run again once, as a
// recheck of the same configuration (untrusted twice: see
// TestLimitsUntrustedTwiceUndecided).
func TestLimitsUntrustedRerun(t *testing.T) {
	l := limits(0.05, 2, 0.05, mem512, 1)
	trials := []Trial{{Config: record.Config{CPUs: 2, MemoryBytes: 512 << 20, Replicas: 1}, Phase: TrialCPU, Untrusted: true, Why: "the generator was saturated at 10,000 users"}}
	d := NextTrial(l, trials)
	if d.Phase != TrialRecheck || d.Config != trials[0].Config || !strings.Contains(d.Note, "could not be trusted (the generator was saturated") {
		t.Fatalf("after an untrusted trial: %+v", d)
	}
	// On the machine: untrusted trials in the middle cost one re-run each.
	m := machine{need: map[int]float64{1: 0.7}, untrusted: map[int]bool{2: true, 4: true}}
	got := drive(t, l, m)
	r := Results(l, got)[0]
	if r.Minimal == nil || math.Abs(r.Minimal.CPUs-0.7) > 1e-9 {
		t.Errorf("minimal %+v after untrusted trials %+v", r.Minimal, got)
	}
	if len(r.Contradictions) != 0 {
		t.Errorf("untrusted re-runs reported as contradictions: %q", r.Contradictions)
	}
}

// TestLimitsMemory: with a memory range, the CPU search runs at the
// largest memory, then memory trials at the minimal CPU start from the
// doubling-grid value that covers the peak at 90 % use, and go up while
// they fail.
func TestLimitsMemory(t *testing.T) {
	const mib = 1 << 20
	rng := MemoryRange{Min: 64 * mib, Max: 2048 * mib}
	tests := []struct {
		peak record.Bytes
		want record.Bytes
		// memory trials expected
		memTrials int
	}{
		{50 * mib, 64 * mib, 1},     // 50/0.9 = 55.6 → 64m passes
		{100 * mib, 128 * mib, 1},   // 111 → 128m
		{120 * mib, 256 * mib, 1},   // 133 → 256m
		{1000 * mib, 2048 * mib, 0}, // 1111 → only the max covers it
		{3000 * mib, 2048 * mib, 0}, // beyond the max: the max (it passed)
	}
	for _, tt := range tests {
		l := limits(0.1, 1, 0.1, rng, 1, 2)
		trials := drive(t, l, machine{need: map[int]float64{1: 0.5, 2: 0.3}, peak: tt.peak})
		mem := 0
		for _, tr := range trials {
			if tr.Phase == TrialMemory {
				mem++
				if tr.Config.CPUs != 0.5 && tr.Config.CPUs != 0.3 {
					t.Errorf("peak %v: memory trial at %v CPU", tt.peak, tr.Config.CPUs)
				}
			} else if tr.Config.MemoryBytes != rng.Max {
				t.Errorf("peak %v: CPU trial at %v memory", tt.peak, tr.Config.MemoryBytes)
			}
		}
		if mem != 2*tt.memTrials {
			t.Errorf("peak %v: %d memory trials, want %d", tt.peak, mem, 2*tt.memTrials)
		}
		for _, r := range Results(l, trials) {
			if r.Minimal == nil || r.Minimal.MemoryBytes != tt.want {
				t.Errorf("peak %v x%d: minimal %+v, want %v", tt.peak, r.Replicas, r.Minimal, tt.want)
			}
		}
	}
	// A memory trial that fails moves up the doubling grid; the first
	// that passes is the answer.
	l := limits(0.5, 0.5, 0.1, rng, 1)
	cfg := func(m record.Bytes) record.Config { return record.Config{CPUs: 0.5, MemoryBytes: m, Replicas: 1} }
	trials := []Trial{{Config: cfg(rng.Max), Phase: TrialCPU, Pass: true, MemoryPeak: 50 * mib}}
	d := NextTrial(l, trials)
	if d.Phase != TrialConfirm || d.Config != cfg(rng.Max) {
		t.Fatalf("after the only CPU value passed: %+v, want its confirmation", d)
	}
	// The memory need is the larger peak of the two.
	trials = append(trials, Trial{Config: cfg(rng.Max), Phase: TrialConfirm, Pass: true, MemoryPeak: 100 * mib})
	d = NextTrial(l, trials)
	if d.Phase != TrialMemory || d.Config != cfg(128*mib) {
		t.Fatalf("first memory trial %+v", d)
	}
	trials = append(trials, Trial{Config: cfg(128 * mib), Phase: TrialMemory, Why: "1 OOM kill(s) during the trial"})
	if d = NextTrial(l, trials); d.Config != cfg(256*mib) {
		t.Fatalf("after a failing memory trial %+v", d)
	}
	trials = append(trials, Trial{Config: cfg(256 * mib), Phase: TrialMemory, Pass: true})
	if d = NextTrial(l, trials); !d.Done {
		t.Fatalf("after a passing memory trial %+v", d)
	}
	if r := Results(l, trials)[0]; r.Minimal.MemoryBytes != 256*mib || r.Trials != 4 || !r.Complete {
		t.Errorf("result %+v", r)
	}
}

// TestResultsAgreeWithNextTrial: at every point of a search, Results says
// Complete for exactly the replica counts NextTrial has moved past.
func TestResultsAgreeWithNextTrial(t *testing.T) {
	l := limits(0.05, 1, 0.05, mem512, 1, 2, 4)
	trials := drive(t, l, machine{need: map[int]float64{1: 0.6, 2: 0.35, 4: 0.2}})
	for k := 0; k <= len(trials); k++ {
		d := NextTrial(l, trials[:k])
		rs := Results(l, trials[:k])
		for _, r := range rs {
			searching := !d.Done && d.Config.Replicas == r.Replicas
			before := !d.Done && r.Replicas < d.Config.Replicas
			if r.Complete != (d.Done || before) || (searching && r.Complete) {
				t.Fatalf("after %d trials: next %+v but x%d complete=%v", k, d, r.Replicas, r.Complete)
			}
		}
	}
	rs := Results(l, trials)
	best, ok := Cheapest(rs)
	// 1 × 0.6 = 0.6, 2 × 0.35 = 0.7, 4 × 0.2 = 0.8 CPUs.
	if !ok || best.Replicas != 1 {
		t.Errorf("cheapest %+v of %+v", best, rs)
	}
}

func TestCheapest(t *testing.T) {
	res := func(n int, cpu float64, mem record.Bytes) ReplicaResult {
		return ReplicaResult{Replicas: n, Minimal: &record.Config{CPUs: cpu, MemoryBytes: mem, Replicas: n}}
	}
	tests := []struct {
		name string
		rs   []ReplicaResult
		want int // replicas of the cheapest, 0: none
	}{
		{"cpu × replicas", []ReplicaResult{res(1, 0.5, 512), res(2, 0.2, 512)}, 2},
		{"then memory × replicas", []ReplicaResult{res(1, 0.4, 1024), res(2, 0.2, 256)}, 2},
		{"then fewer replicas", []ReplicaResult{res(2, 0.2, 256), res(1, 0.4, 512)}, 1},
		{"float products compare equal", []ReplicaResult{res(1, 0.3, 512), res(3, 0.1, 512)}, 1},
		{"none served", []ReplicaResult{{Replicas: 1, Capacity: 300}}, 0},
		{"skips the ones that did not serve", []ReplicaResult{{Replicas: 1}, res(2, 1, 512)}, 2},
	}
	for _, tt := range tests {
		got, ok := Cheapest(tt.rs)
		if ok != (tt.want > 0) || (ok && got.Replicas != tt.want) {
			t.Errorf("%s: %+v %v, want x%d", tt.name, got, ok, tt.want)
		}
	}
}

func TestLimitsValidate(t *testing.T) {
	ok := limits(0.05, 2, 0.05, mem512, 1, 2)
	if err := ok.Validate(0.01, 6<<20); err != nil {
		t.Fatalf("valid search: %v", err)
	}
	if d := (Limits{}).WithDefaults(); len(d.Replicas) != 1 || d.Replicas[0] != 1 || d.Strategy != StrategyBisect || d.CPUs.Resolution != 0.05 {
		t.Errorf("defaults %+v", d)
	}
	tests := []struct {
		name string
		edit func(*Limits)
		want []string
	}{
		{"cpus.min", func(l *Limits) { l.CPUs.Min = 0 }, []string{"cpus.min: must be > 0"}},
		{"runtime minimum", func(l *Limits) { l.CPUs.Min = 0.005 }, []string{"cpus.min: must be ≥ 0.01, the runtime's smallest"}},
		{"cpus.max", func(l *Limits) { l.CPUs.Max = 0.01 }, []string{"cpus.max: must be ≥ cpus.min"}},
		{"cpus.resolution", func(l *Limits) { l.CPUs.Resolution = -1 }, []string{"cpus.resolution: must be > 0"}},
		{"grid too large", func(l *Limits) { l.CPUs.Resolution = 0.01 }, []string{"makes a grid of 196 CPU values, more than 100"}},
		{"grid of 101 with the max", func(l *Limits) { l.CPUs = CPURange{Min: 0.01, Max: 1.001, Resolution: 0.01} }, []string{"grid of 101"}},
		{"memory unset", func(l *Limits) { l.Memory = MemoryRange{} }, []string{"memory: must be set"}},
		{"memory below the runtime's", func(l *Limits) { l.Memory = MemoryRange{Min: 1 << 20, Max: 1 << 20} }, []string{"memory: must be ≥ 6m"}},
		{"memory range", func(l *Limits) { l.Memory = MemoryRange{Min: 512 << 20} }, []string{"memory.max: must be ≥ memory.min"}},
		{"replicas", func(l *Limits) { l.Replicas = []int{1, 0, 1} }, []string{"replicas[1]: must be ≥ 1", "replicas[2]: 1 is listed twice"}},
		{"strategy", func(l *Limits) { l.Strategy = "walk" }, []string{`strategy: unknown strategy "walk" (allowed: bisect, grid)`}},
	}
	for _, tt := range tests {
		l := ok
		l.Replicas = append([]int(nil), ok.Replicas...)
		tt.edit(&l)
		err := l.Validate(0.01, 6<<20)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %v, want %q", tt.name, err, w)
			}
		}
	}
	// A grid of exactly MaxTrials values is allowed.
	l := ok
	l.CPUs = CPURange{Min: 0.01, Max: 1, Resolution: 0.01}
	if err := l.Validate(0, 0); err != nil {
		t.Errorf("grid of 100: %v", err)
	}
}
