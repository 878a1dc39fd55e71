package search

import (
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// TestLimitsUntrustedTwiceUndecided: a CPU value untrusted twice in a row
// ends its replica count as undecided (no minimal, complete, a sentence
// saying why), even after passes; a memory value untrusted twice ends
// only the memory search, at the largest memory.
func TestLimitsUntrustedTwiceUndecided(t *testing.T) {
	l := limits(0.05, 2, 0.05, mem512, 2, 4)
	cfg := func(cpu float64) record.Config { return record.Config{CPUs: cpu, MemoryBytes: 512 << 20, Replicas: 2} }
	sat := func(cpu float64, phase string) Trial {
		return Trial{Config: cfg(cpu), Phase: phase, Untrusted: true, Why: "the generator was saturated at 10,000 users"}
	}
	pass := func(cpu float64) Trial {
		return Trial{Config: cfg(cpu), Phase: TrialCPU, Pass: true, Why: "meets the SLO at 10,000 users"}
	}
	for _, tt := range []struct {
		name   string
		trials []Trial
		want   string
	}{
		{"at the largest limits", []Trial{sat(2, TrialCPU), sat(2, TrialRecheck)},
			"the generator was saturated at 10,000 users twice: this machine cannot decide 2 replicas × 2 CPU"},
		{"after passes", []Trial{pass(2), pass(1), sat(0.5, TrialCPU), sat(0.5, TrialRecheck)},
			"cannot decide 2 replicas × 0.5 CPU"},
	} {
		d := NextTrial(l, tt.trials)
		if d.Done || d.Config.Replicas != 4 {
			t.Errorf("%s: next %+v, want the search of 4 replicas", tt.name, d)
		}
		r := Results(l, tt.trials)[0]
		if r.Minimal != nil || !r.Complete || r.Undecided == "" || !strings.Contains(r.Undecided, tt.want) || r.FailBelow != 0 {
			t.Errorf("%s: %+v minimal %+v, want undecided ~%q", tt.name, r, r.Minimal, tt.want)
		}
	}
	// Untrusted, then trusted: decided as usual.
	d := NextTrial(l, []Trial{sat(2, TrialCPU), pass(2)})
	if d.Done || d.Config.Replicas != 2 || d.Phase != TrialCPU {
		t.Errorf("after an untrusted trial and a pass: %+v", d)
	}

	// Memory: untrusted twice at 128 MiB ends the memory search; the
	// minimal CPU stands at the largest memory.
	const mib = 1 << 20
	lm := limits(0.5, 0.5, 0.1, MemoryRange{Min: 64 * mib, Max: 2048 * mib}, 1)
	mc := func(m record.Bytes) record.Config { return record.Config{CPUs: 0.5, MemoryBytes: m, Replicas: 1} }
	trials := []Trial{
		{Config: mc(2048 * mib), Phase: TrialCPU, Pass: true, MemoryPeak: 100 * mib},
		{Config: mc(2048 * mib), Phase: TrialConfirm, Pass: true, MemoryPeak: 100 * mib},
		{Config: mc(128 * mib), Phase: TrialMemory, Untrusted: true, Why: "no memory use was measured: the memory cannot be judged"},
	}
	if d := NextTrial(lm, trials); d.Phase != TrialMemory || d.Config != mc(128*mib) || !strings.Contains(d.Note, "re-run: 128 MiB at 0.5 CPU could not be trusted") {
		t.Fatalf("after an untrusted memory trial: %+v", d)
	}
	trials = append(trials, trials[2])
	if d := NextTrial(lm, trials); !d.Done {
		t.Fatalf("after two untrusted memory trials: %+v", d)
	}
	r := Results(lm, trials)[0]
	if r.Minimal == nil || r.Minimal.MemoryBytes != 2048*mib || !r.Complete || !strings.Contains(r.Undecided, "cannot decide 128 MiB at 1 replica × 0.5 CPU; the memory stays at the largest, 2 GiB") {
		t.Errorf("memory undecided: %+v %+v", r, r.Minimal)
	}
}

// TestLimitsNoMemoryFigures: a minimal CPU whose trials measured no
// memory use starts the memory search at the largest memory: no memory
// trial, the largest memory stands.
func TestLimitsNoMemoryFigures(t *testing.T) {
	const mib = 1 << 20
	l := limits(0.5, 0.5, 0.1, MemoryRange{Min: 64 * mib, Max: 2048 * mib}, 1)
	c := record.Config{CPUs: 0.5, MemoryBytes: 2048 * mib, Replicas: 1}
	trials := []Trial{{Config: c, Phase: TrialCPU, Pass: true}, {Config: c, Phase: TrialConfirm, Pass: true}}
	if d := NextTrial(l, trials); !d.Done {
		t.Fatalf("without memory figures: %+v, want done at the largest memory", d)
	}
	if r := Results(l, trials)[0]; r.Minimal == nil || r.Minimal.MemoryBytes != 2048*mib {
		t.Errorf("result %+v", r.Minimal)
	}
}

// TestLimitsTrialBudget: the budget of a replica count is its grid plus
// ExtraTrials; a grid of MaxTrials values with its confirmations and a
// re-run fits, and a count that spends the budget ends Truncated (and
// Complete) with the best answer so far.
func TestLimitsTrialBudget(t *testing.T) {
	l := limits(0.01, 1, 0.01, mem512, 1)
	l.Strategy = StrategyGrid
	if got := l.TrialBudget(); got != MaxTrials+ExtraTrials {
		t.Fatalf("budget %d, want %d", got, MaxTrials+ExtraTrials)
	}
	// A clear system with one contradiction: every value, a re-run and two
	// confirmations.
	trials := drive(t, l, machine{need: map[int]float64{1: 0.5}, flaky: map[int]bool{60: true}})
	r := Results(l, trials)[0]
	if r.Truncated || !r.Complete || r.Trials != MaxTrials+3 || r.Minimal == nil || r.Minimal.CPUs != 0.5 {
		t.Errorf("grid of 100: %+v %+v", r, r.Minimal)
	}
	// A system near its limit everywhere: every value costs three trials.
	near := func(n int) Trial {
		c := l.CPUs.Grid()[0]
		p := []float64{0.95, 1.05, 0.97}[n%3]
		return Trial{Config: record.Config{CPUs: c, MemoryBytes: 512 << 20, Replicas: 1}, Pressure: p, Pass: p < 1}
	}
	trials = nil
	for n := 0; n < 2*l.TrialBudget(); n++ {
		d := NextTrial(l, trials)
		if d.Done {
			break
		}
		tr := near(n)
		tr.Config, tr.Phase = d.Config, d.Phase
		trials = append(trials, tr)
	}
	r = Results(l, trials)[0]
	if len(trials) != l.TrialBudget() || !r.Truncated || !r.Complete || r.Trials != l.TrialBudget() {
		t.Errorf("near everywhere: %d trials, %+v", len(trials), r)
	}
}
