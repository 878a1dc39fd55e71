package search

import (
	"math"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// noisyMachine simulates one replica count whose trial at c CPU has the
// pressure need ÷ c (a pass below 1), except for two spurious results:
// the first trial at a CPU of at least failFrom (the largest limits only
// when failFrom is the top) fails (pressure 1.5), and
// the first trial at a CPU of at most passTo passes (pressure 0.5). Its
// capacity trial measures target × top ÷ need.
type noisyMachine struct {
	need, failFrom, passTo, top float64
	failed, passed              bool
}

const noisyTarget = 10000

func (m *noisyMachine) trial(d TrialDecision) Trial {
	c := d.Config.CPUs
	p := m.need / c
	switch {
	case !m.failed && c >= m.failFrom-1e-9 && (c < m.top-1e-9 || m.failFrom >= m.top-1e-9):
		m.failed, p = true, 1.5
	case !m.passed && c <= m.passTo+1e-9:
		m.passed, p = true, 0.5
	}
	t := Trial{Config: d.Config, Phase: d.Phase, Pressure: p, Pass: p < 1, MemoryPeak: 100 << 20}
	if d.Phase == TrialCapacity {
		t.Pressure, t.Capacity = math.Inf(1), noisyTarget*m.top/m.need
		t.Pass = t.Capacity >= noisyTarget
	}
	t.Why = "p95 breaches p95<1s at 10,000 users"
	if t.Pass {
		t.Why = "meets the SLO at 10,000 users"
	}
	return t
}

// TestLimitsNoisyBisection: on the 40-value grid, a system whose pressure
// is need ÷ CPU, with one spurious failure at a high CPU (the largest
// limits included) and one spurious pass at a low CPU, is still found
// within one grid step of the truth (the smallest value whose pressure is
// below 1), in at most 23 trials (the bound NextTrial's doc states).
func TestLimitsNoisyBisection(t *testing.T) {
	l := limits(0.05, 2, 0.05, mem512, 1)
	grid := l.CPUs.Grid()
	most := 0
	for _, need := range []float64{0.12, 0.33, 0.72, 1.27, 1.81} {
		truth := 0.0
		for _, c := range grid {
			if need/c < 1 {
				truth = c
				break
			}
		}
		for _, failFrom := range []float64{2, truth + 0.1, truth + 0.5} {
			for _, passTo := range []float64{0, truth - 0.15, truth / 2} {
				m := &noisyMachine{need: need, failFrom: failFrom, passTo: passTo, top: 2}
				var trials []Trial
				for len(trials) <= l.TrialBudget() {
					d := NextTrial(l, trials)
					if d.Done {
						break
					}
					trials = append(trials, m.trial(d))
				}
				r := Results(l, trials)[0]
				name := func() string {
					return "need " + FormatNumber(need) + ", spurious failure from " + FormatNumber(failFrom) + ", pass to " + FormatNumber(passTo)
				}
				if !r.Complete || r.Truncated || r.Undecided != "" || r.Minimal == nil {
					t.Errorf("%s: %+v", name(), r)
					continue
				}
				if math.Abs(r.Minimal.CPUs-truth) > 0.05+1e-9 {
					t.Errorf("%s: minimal %v CPU, truth %v (trials %v)", name(), r.Minimal.CPUs, truth, path(trials))
				}
				most = max(most, r.Trials)
				if r.Trials > 23 {
					t.Errorf("%s: %d trials: %v", name(), r.Trials, path(trials))
				}
			}
		}
	}
	t.Logf("at most %d trials", most)
}

// path renders the trials for a failure message: "2:cpu:pass 1:cpu:fail …".
func path(trials []Trial) string {
	var b strings.Builder
	for _, t := range trials {
		v := "fail"
		if t.Pass {
			v = "pass"
		}
		b.WriteString(FormatNumber(t.Config.CPUs) + ":" + t.Phase + ":" + v + " ")
	}
	return b.String()
}

var cfg1 = func(cpu float64) record.Config { return record.Config{CPUs: cpu, MemoryBytes: 512 << 20, Replicas: 1} }

// at is a trial of phase at cpu with pressure p (a pass below 1).
func at(cpu float64, phase string, p float64) Trial {
	return Trial{Config: cfg1(cpu), Phase: phase, Pressure: p, Pass: p < 1, Why: "p95 at " + FormatNumber(p) + " of its limit"}
}

// TestLimitsNearLimitMeasuredAgain: a trial within 10 % of its limit is
// measured again (recheck) until three trusted measurements exist, and
// their median pressure decides the value.
func TestLimitsNearLimitMeasuredAgain(t *testing.T) {
	l := limits(0.1, 1, 0.1, mem512, 1)
	for _, tt := range []struct {
		name  string
		third float64
		pass  bool
		next  float64 // the bisection's next CPU
	}{
		{"median 1.05 fails", 1.08, false, 0.7},
		{"median 0.95 passes", 0.9, true, 0.2},
	} {
		trials := []Trial{at(1, TrialCPU, 0.3), at(0.5, TrialCPU, 0.95)}
		d := NextTrial(l, trials)
		if d.Phase != TrialRecheck || d.Config != cfg1(0.5) || !strings.Contains(d.Note, "within 10 % of its limit: measured again (1 of 3") {
			t.Fatalf("%s: after a pass at 0.95 of the limit: %+v", tt.name, d)
		}
		trials = append(trials, at(0.5, TrialRecheck, 1.05))
		if d = NextTrial(l, trials); d.Phase != TrialRecheck || d.Config != cfg1(0.5) || !strings.Contains(d.Note, "(2 of 3") {
			t.Fatalf("%s: after two measurements: %+v", tt.name, d)
		}
		trials = append(trials, at(0.5, TrialRecheck, tt.third))
		d = NextTrial(l, trials)
		if d.Phase != TrialCPU || math.Abs(d.Config.CPUs-tt.next) > 1e-9 {
			t.Errorf("%s: after three measurements: %+v, want a bisection at %v", tt.name, d, tt.next)
		}
		r := Results(l, trials)[0]
		if got := r.Minimal != nil && r.Minimal.CPUs == 0.5; got != tt.pass {
			t.Errorf("%s: minimal %+v", tt.name, r.Minimal)
		}
	}
	// Clear results are not measured again; a failure below 1 (a crash)
	// neither.
	for _, tr := range []Trial{at(0.5, TrialCPU, 0.85), at(0.5, TrialCPU, 1.15), {Config: cfg1(0.5), Phase: TrialCPU, Pressure: 0.95, Why: "1 OOM kill(s) during the trial"}} {
		if d := NextTrial(l, []Trial{at(1, TrialCPU, 0.3), tr}); d.Phase == TrialRecheck {
			t.Errorf("after %+v: %+v", tr, d)
		}
	}
}

// TestLimitsConfirmMinimal: once the bracket is one grid step, the
// minimal is measured once more (confirm); a failed confirmation makes
// it a failure and the bisection goes on above it; then the failure
// below the minimal is confirmed too, and one that passes sends the
// search below it.
func TestLimitsConfirmMinimal(t *testing.T) {
	l := limits(0.1, 1, 0.1, mem512, 1)
	trials := []Trial{at(1, TrialCPU, 0.3), at(0.5, TrialCPU, 0.5), at(0.2, TrialCPU, 2), at(0.3, TrialCPU, 1.5), at(0.4, TrialCPU, 0.6)}
	d := NextTrial(l, trials)
	if d.Phase != TrialConfirm || d.Config != cfg1(0.4) || d.Note != "confirming the minimal" {
		t.Fatalf("after the bracket closed: %+v", d)
	}
	trials = append(trials, at(0.4, TrialConfirm, 1.3))
	if r := Results(l, trials)[0]; r.Complete || r.Minimal == nil || r.Minimal.CPUs != 0.5 || r.FailBelow != 0.4 {
		t.Errorf("after the failed confirmation: %+v %+v", r, r.Minimal)
	}
	d = NextTrial(l, trials)
	if d.Phase != TrialConfirm || d.Config != cfg1(0.5) {
		t.Fatalf("after a failed confirmation: %+v, want 0.5 CPU confirmed", d)
	}
	trials = append(trials, at(0.5, TrialConfirm, 0.5))
	// 0.4 CPU's latest result is a confirmation: nothing more to confirm.
	if d = NextTrial(l, trials); !d.Done {
		t.Fatalf("after both ends confirmed: %+v", d)
	}
	r := Results(l, trials)[0]
	if !r.Complete || r.Minimal == nil || r.Minimal.CPUs != 0.5 || r.FailBelow != 0.4 || !strings.Contains(r.FailWhy, "1.3 of its limit") {
		t.Errorf("result %+v minimal %+v", r, r.Minimal)
	}

	// The failure below the minimal passes its confirmation: the
	// bisection goes on below it.
	trials = []Trial{at(1, TrialCPU, 0.3), at(0.5, TrialCPU, 1.5), at(0.8, TrialCPU, 0.6), at(0.6, TrialCPU, 0.7), at(0.6, TrialConfirm, 0.7)}
	d = NextTrial(l, trials)
	if d.Phase != TrialConfirm || d.Config != cfg1(0.5) || !strings.Contains(d.Note, "confirming the failure below the minimal, at 0.5 CPU") {
		t.Fatalf("after the minimal was confirmed: %+v", d)
	}
	trials = append(trials, at(0.5, TrialConfirm, 0.6))
	if d = NextTrial(l, trials); d.Phase != TrialCPU || d.Config != cfg1(0.2) {
		t.Errorf("after the failure below passed: %+v, want a bisection below 0.5 CPU", d)
	}
}

// TestLimitsCapacityReachesTarget: when the capacity trial at the largest
// limits measures a capacity that reaches the target, the failing largest
// limits are run again; failing again, the count ends without a minimal,
// and the contradiction is reported; passing, the bisection goes on.
func TestLimitsCapacityReachesTarget(t *testing.T) {
	l := limits(0.1, 1, 0.1, mem512, 1)
	trials := []Trial{at(1, TrialCPU, 1.5)}
	if d := NextTrial(l, trials); d.Phase != TrialCapacity {
		t.Fatalf("after the largest limits failed: %+v", d)
	}
	trials = append(trials, Trial{Config: cfg1(1), Phase: TrialCapacity, Pass: true, Capacity: 12000, Pressure: math.Inf(1)})
	d := NextTrial(l, trials)
	if d.Phase != TrialRecheck || d.Config != cfg1(1) || !strings.Contains(d.Note, "capacity search measured 12,000, which reaches it") {
		t.Fatalf("after a capacity at the target: %+v", d)
	}
	again := append(append([]Trial(nil), trials...), at(1, TrialRecheck, 1.4))
	if d = NextTrial(l, again); !d.Done {
		t.Fatalf("after the largest limits failed again: %+v", d)
	}
	r := Results(l, again)[0]
	if r.Minimal != nil || r.Capacity != 12000 || !r.Complete || len(r.Contradictions) != 1 ||
		!strings.Contains(r.Contradictions[0], "1 CPU failed at the target, but its capacity search measured 12,000, which reaches it; run again, it failed again") {
		t.Errorf("result %+v", r)
	}
	passed := append(append([]Trial(nil), trials...), at(1, TrialRecheck, 0.4))
	if d = NextTrial(l, passed); d.Phase != TrialCPU || d.Config != cfg1(0.5) {
		t.Errorf("after the largest limits passed when run again: %+v", d)
	}
	// A capacity below the target ends the count as before.
	short := []Trial{at(1, TrialCPU, 1.5), {Config: cfg1(1), Phase: TrialCapacity, Capacity: 8000}}
	if d = NextTrial(l, short); !d.Done {
		t.Errorf("after a capacity below the target: %+v", d)
	}
}
