package search

import (
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// pr is a probe of a scripted history.
func pr(load float64, phase string, v Verdict, p float64) Probe {
	why := "p95<1s"
	if v == Untrusted {
		why = "the generator was saturated"
	}
	return Probe{Load: load, Phase: phase, Verdict: v, Pressure: p, Why: why}
}

const (
	br = record.PhaseBracket
	bi = record.PhaseBisect
	co = record.PhaseConfirm
)

// want is what Next must decide after a scripted history.
type want struct {
	load    float64 // next load (when not done)
	phase   string
	hold    time.Duration
	verdict string // Last.Verdict
	decided float64
	note    string // a fragment of Last.Note ("" : no check)
	low     float64
	high    float64
	// done: the result.
	done      bool
	capacity  float64
	firstFail float64
	confirmed bool
	reason    string
}

func check(t *testing.T, name string, c Capacity, h []Probe, w want) {
	t.Helper()
	d := Next(c, h)
	if d.Done != w.done {
		t.Fatalf("%s: done = %v, want %v (%+v %+v)", name, d.Done, w.done, d, d.Result)
	}
	if w.done {
		r := d.Result
		if r.Capacity != w.capacity || r.FirstFail != w.firstFail || r.Confirmed != w.confirmed || r.Probes != len(h) || !strings.Contains(r.Reason, w.reason) {
			t.Errorf("%s: result %+v, want capacity %v first fail %v confirmed %v reason ~%q", name, r, w.capacity, w.firstFail, w.confirmed, w.reason)
		}
	} else if d.Load != w.load || d.Phase != w.phase || d.Hold != w.hold || d.Result != nil {
		t.Errorf("%s: next %v %s %v (result %v), want %v %s %v", name, d.Load, d.Phase, d.Hold, d.Result, w.load, w.phase, w.hold)
	}
	if len(h) == 0 {
		return
	}
	if d.Last.Verdict != w.verdict || d.Last.Low != w.low || d.Last.High != w.high || !strings.Contains(d.Last.Note, w.note) {
		t.Errorf("%s: last %+v (note %q), want verdict %s low %v high %v note ~%q", name, d.Last, d.Last.Note, w.verdict, w.low, w.high, w.note)
	}
	if w.decided != 0 && (d.Last.Decided == nil || math.Abs(*d.Last.Decided-w.decided) > 1e-9) {
		t.Errorf("%s: decided %v, want %v", name, d.Last.Decided, w.decided)
	}
	if w.verdict == record.VerdictRepeat && d.Last.Decided != nil {
		t.Errorf("%s: a repeat decided %v", name, *d.Last.Decided)
	}
}

const hold = 20 * time.Second

func TestNextScripted(t *testing.T) {
	users := Capacity{From: 100, Max: 20000}.WithDefaults(hold, true)
	tenPct := Capacity{From: 1000, Max: 20000, Resolution: Resolution{Value: 10, Percent: true}, BracketHold: 10 * time.Second}.WithDefaults(hold, true)
	small := Capacity{From: 100, Max: 300}.WithDefaults(hold, true)
	rate := Capacity{From: 10, Max: 1000, Resolution: Resolution{Value: 1}}.WithDefaults(hold, false)
	P, F, N, U := Pass, Fail, Near, Untrusted
	pass, fail, repeat := record.VerdictPass, record.VerdictFail, record.VerdictRepeat
	tests := []struct {
		name string
		c    Capacity
		h    []Probe
		w    want
	}{
		{"first probe at from", users, nil, want{load: 100, phase: br, hold: hold}},
		{"bracket hold", tenPct, nil, want{load: 1000, phase: br, hold: 10 * time.Second}},
		{"pass doubles", users, []Probe{pr(100, br, P, 0.3)},
			want{load: 200, phase: br, hold: hold, verdict: pass, decided: 0.3, low: 100}},
		{"near repeats at hold", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, N, 1.05)},
			want{load: 2000, phase: br, hold: hold, verdict: repeat, note: "measuring again (1 of 3)", low: 1000}},
		{"near decided by the median: pass", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, N, 1.05), pr(2000, br, N, 0.95), pr(2000, br, P, 0.7)},
			want{load: 4000, phase: br, hold: 10 * time.Second, verdict: pass, decided: 0.95, note: "median pressure 0.95 of 3", low: 2000}},
		{"near decided by the median: fail", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, N, 1.05), pr(2000, br, P, 0.5), pr(2000, br, F, 1.5)},
			want{load: 1500, phase: bi, hold: hold, verdict: fail, decided: 1.05, low: 1000, high: 2000}},
		{"untrusted repeats", users, []Probe{pr(100, br, P, 0.3), pr(200, br, U, 0), pr(200, br, U, 0)},
			want{load: 200, phase: br, hold: hold, verdict: repeat, note: "untrusted 2 of 3", low: 100}},
		{"untrusted 3 times ends", users, []Probe{pr(100, br, P, 0.3), pr(200, br, U, 0), pr(200, br, U, 0), pr(200, br, U, 0)},
			want{done: true, capacity: 100, reason: "the generator was saturated at 200 users 3 times in a row: the search cannot go higher", verdict: "", low: 100}},
		{"untrusted 3 times with nothing passed: undecided", users, []Probe{pr(100, br, U, 0), pr(100, br, U, 0), pr(100, br, U, 0)},
			want{done: true, reason: "the generator was saturated at 100 users 3 times in a row: the search is undecided: no load could be judged", verdict: ""}},
		{"untrusted 3 times below a breach: undecided", users, []Probe{pr(100, br, F, 3), pr(50, br, U, 0), pr(50, br, U, 0), pr(50, br, U, 0)},
			want{done: true, firstFail: 100, reason: "the search is undecided: 100 users breached and no load below it could be judged", verdict: "", high: 100}},
		{"untrusted between trusted repeats counts in a row only", users, []Probe{pr(100, br, P, 0.3), pr(200, br, N, 1.05), pr(200, br, U, 0), pr(200, br, U, 0), pr(200, br, N, 1.02), pr(200, br, U, 0)},
			want{load: 200, phase: br, hold: hold, verdict: repeat, note: "untrusted 1 of 3", low: 100}},
		{"first fail bisects", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, P, 0.6), pr(4000, br, F, 1.5)},
			want{load: 3000, phase: bi, hold: hold, verdict: fail, low: 2000, high: 4000}},
		{"a pass above the fail is noise", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, F, 1.5), pr(1500, bi, F, 1.2), pr(1750, bi, P, 0.8)},
			want{load: 1250, phase: bi, hold: hold, verdict: pass, note: "passed above the failing 1,500 users: noise; the failing load stands", low: 1000, high: 1500}},
		{"a fail below a pass stands", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, F, 1.5), pr(1500, bi, P, 0.8), pr(1250, bi, F, 1.2)},
			want{load: 1125, phase: bi, hold: hold, verdict: fail, note: "failed below the passing 1,500 users", low: 1000, high: 1250}},
		{"within resolution confirms", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, F, 1.5), pr(1500, bi, P, 0.8), pr(1750, bi, F, 1.2), pr(1625, bi, P, 0.85)},
			want{load: 1625, phase: co, hold: 2 * hold, verdict: pass, low: 1625, high: 1750}},
		{"confirmation near repeats at the confirm hold", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, F, 1.5), pr(1500, bi, P, 0.8), pr(1750, bi, F, 1.2), pr(1625, bi, P, 0.85), pr(1625, co, N, 0.95)},
			want{load: 1625, phase: co, hold: 2 * hold, verdict: repeat, low: 1625, high: 1750}},
		{"confirmation passes", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, F, 1.5), pr(1500, bi, P, 0.8), pr(1750, bi, F, 1.2), pr(1625, bi, P, 0.85), pr(1625, co, P, 0.88)},
			want{done: true, capacity: 1625, firstFail: 1750, confirmed: true, reason: "1,625 users met the SLO and held for the confirmation; 1,750 users breached it", verdict: pass, low: 1625, high: 1750}},
		{"confirmation fails: steps down", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, F, 1.5), pr(1500, bi, P, 0.8), pr(1750, bi, F, 1.2), pr(1625, bi, P, 0.85), pr(1625, co, F, 1.2)},
			want{load: 1500, phase: co, hold: 2 * hold, verdict: fail, note: "confirmation failed at 1,625 users: stepping down", low: 1500, high: 1625}},
		{"stepped down, confirmed lower", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, F, 1.5), pr(1500, bi, P, 0.8), pr(1750, bi, F, 1.2), pr(1625, bi, P, 0.85), pr(1625, co, F, 1.2), pr(1500, co, P, 0.8)},
			want{done: true, capacity: 1500, firstFail: 1625, confirmed: true, reason: "1,500 users met the SLO", verdict: pass, low: 1500, high: 1625}},
		{"failed confirmation with nothing below brackets down", tenPct, []Probe{pr(1000, br, F, 2), pr(500, br, P, 0.5), pr(750, bi, P, 0.8), pr(875, bi, P, 0.9), pr(937, bi, P, 0.9), pr(937, co, F, 1.2), pr(875, co, F, 1.2), pr(750, co, F, 1.3), pr(500, bi, F, 1.3)},
			want{load: 250, phase: br, hold: 10 * time.Second, verdict: fail, high: 500}},
		{"a third confirmation after stepping down twice", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, F, 1.5), pr(1500, bi, P, 0.8), pr(1750, bi, F, 1.2), pr(1625, bi, P, 0.85), pr(1625, co, F, 1.2), pr(1500, co, F, 1.2), pr(1250, bi, P, 0.8), pr(1375, bi, P, 0.8)},
			want{load: 1375, phase: co, hold: 2 * hold, verdict: pass, low: 1375, high: 1500}},
		{"no fourth confirmation", tenPct, []Probe{pr(1000, br, P, 0.3), pr(2000, br, F, 1.5), pr(1500, bi, P, 0.8), pr(1750, bi, F, 1.2), pr(1625, bi, P, 0.85), pr(1625, co, F, 1.2), pr(1500, co, F, 1.2), pr(1250, bi, P, 0.8), pr(1375, bi, P, 0.8), pr(1437, bi, P, 0.8), pr(1437, co, F, 1.2)},
			want{done: true, capacity: 1375, firstFail: 1437, reason: "3 confirmations failed: 1,375 users passed last but is unconfirmed", verdict: fail, note: "confirmation failed at 1,437 users", low: 1375, high: 1437}},
		{"max caps the bracket", small, []Probe{pr(100, br, P, 0.3), pr(200, br, P, 0.5)},
			want{load: 300, phase: br, hold: hold, verdict: pass, low: 200}},
		{"a pass at max is confirmed", small, []Probe{pr(100, br, P, 0.3), pr(200, br, P, 0.5), pr(300, br, P, 0.7)},
			want{load: 300, phase: co, hold: 2 * hold, verdict: pass, low: 300}},
		{"max confirmed", small, []Probe{pr(100, br, P, 0.3), pr(200, br, P, 0.5), pr(300, br, P, 0.7), pr(300, co, P, 0.75)},
			want{done: true, capacity: 300, confirmed: true, reason: "the max, 300 users, met the SLO", verdict: pass, low: 300}},
		{"from fails: bracket down", users, []Probe{pr(100, br, F, 3)},
			want{load: 50, phase: br, hold: hold, verdict: fail, high: 100}},
		{"whole numbers going down", users, []Probe{pr(100, br, F, 3), pr(50, br, F, 3), pr(25, br, F, 3)},
			want{load: 12, phase: br, hold: hold, verdict: fail, high: 25}},
		{"nothing passes down to 1 user", users, []Probe{pr(100, br, F, 3), pr(50, br, F, 3), pr(25, br, F, 3), pr(12, br, F, 3), pr(6, br, F, 3), pr(3, br, F, 3), pr(1, br, F, 3)},
			want{done: true, firstFail: 1, reason: "no load met the SLO, down to 1 user", verdict: fail, high: 1}},
		{"whole bisection stops at one user", users, []Probe{pr(100, br, P, 0.3), pr(200, br, F, 3), pr(150, bi, F, 2), pr(125, bi, P, 0.9), pr(137, bi, P, 0.9), pr(143, bi, F, 2), pr(140, bi, F, 2), pr(138, bi, P, 0.95), pr(139, bi, F, 2)},
			want{load: 138, phase: co, hold: 2 * hold, verdict: fail, low: 138, high: 139}},
		{"nothing answered: infinite pressure is not recorded", rate, []Probe{pr(10, br, F, math.Inf(1))},
			want{load: 5, phase: br, hold: hold, verdict: fail, high: 10}},
		{"rate bisects in fractions", rate, []Probe{pr(10, br, P, 0.5), pr(20, br, F, 1.5), pr(15, bi, F, 1.5)},
			want{load: 12.5, phase: bi, hold: hold, verdict: fail, low: 10, high: 15}},
		{"rate below the floor", rate, []Probe{pr(10, br, F, 9), pr(5, br, F, 9), pr(2.5, br, F, 9), pr(1.25, br, F, 9), pr(0.625, br, F, 9), pr(0.3125, br, F, 9), pr(0.15625, br, F, 9)},
			want{done: true, firstFail: 0.15625, reason: "no load met the SLO, down to 0.156 req/s", verdict: fail, high: 0.15625}},
	}
	for _, tt := range tests {
		check(t, tt.name, tt.c, tt.h, tt.w)
	}
	d := Next(rate, []Probe{pr(10, br, F, math.Inf(1))})
	if d.Last.Pressure != nil || d.Last.Decided != nil {
		t.Errorf("infinite pressure recorded: %+v", d.Last)
	}
	// An untrusted probe records no pressure, even when Classify gave it
	// one, and the probe that ends the search after untrusted ones says
	// nothing follows (no repeat verdict), nor reads as "no load met".
	for n := 1; n <= 3; n++ {
		var h []Probe
		for i := 0; i < n; i++ {
			h = append(h, Probe{Load: 100, Phase: br, Verdict: Untrusted, Pressure: 0.7, Why: "the generator was saturated"})
		}
		d = Next(users, h)
		if d.Last.Pressure != nil || d.Last.Decided != nil {
			t.Errorf("%d untrusted probes: pressure recorded: %+v", n, d.Last)
		}
		if n == 3 && (d.Last.Verdict != "" || !d.Done || strings.Contains(d.Result.Reason, "no load met")) {
			t.Errorf("3 untrusted probes: %+v %+v", d.Last, d.Result)
		}
	}
}

// TestNextTotal: on random histories (arbitrary verdicts, any load the
// search asks), every search ends within MaxProbes, with a result that
// brackets within its own verdicts, and never re-probes a decided load
// except to confirm it.
func TestNextTotal(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	for i := 0; i < 300; i++ {
		c := Capacity{From: float64(1 + rng.Intn(500)), Resolution: DefaultResolution}
		c.Max = c.From * float64(1+rng.Intn(200))
		whole := rng.Intn(2) == 0
		c = c.WithDefaults(hold, whole)
		var h []Probe
		for n := 0; ; n++ {
			if n > MaxProbes {
				t.Fatalf("search %d: %d probes", i, n)
			}
			d := Next(c, h)
			if d.Done {
				if d.Result.Probes > MaxProbes || d.Result.Probes != len(h) {
					t.Fatalf("search %d: result %+v after %d probes", i, d.Result, len(h))
				}
				r := d.Result
				if r.FirstFail != 0 && r.Capacity >= r.FirstFail {
					t.Errorf("search %d: capacity %v ≥ first fail %v", i, r.Capacity, r.FirstFail)
				}
				break
			}
			if len(h) > 0 && d.Phase != co {
				s := replay(c, h)
				m := s.ms[len(s.ms)-1]
				_, decided := s.verdicts[round9(d.Load)]
				repeat := !m.decided && sameLoad(m.load, d.Load)
				if decided && !repeat {
					t.Fatalf("search %d: probes decided load %v again (%s) after %+v", i, d.Load, d.Phase, h)
				}
			}
			v := Verdict(rng.Intn(4))
			p := map[Verdict]float64{Pass: 0.5, Fail: 1.5, Near: 0.9 + 0.2*rng.Float64(), Untrusted: 0}[v]
			h = append(h, Probe{Load: d.Load, Phase: d.Phase, Verdict: v, Pressure: p})
		}
	}
}

// TestNextProbeLimit: a system that is always near the limit spends its
// probes on repeats, and the search stops at MaxProbes with its bracket.
func TestNextProbeLimit(t *testing.T) {
	c := Capacity{From: 1, Max: 1e6, Resolution: Resolution{Value: 1}, Repeats: 10}.WithDefaults(hold, true)
	k := 5000.0
	sys := func(load float64, _ string, n int) (Verdict, float64) {
		p := load / k
		return verdictOf(p, 0.5), p
	}
	h, d := run(t, c, sys)
	if len(h) != MaxProbes || d.Result.Confirmed || !strings.Contains(d.Result.Reason, "probe limit (40) was reached") {
		t.Fatalf("%d probes, result %+v", len(h), d.Result)
	}
	if r := d.Result; !(r.Capacity < k) || !(r.FirstFail >= k || r.FirstFail == 0) {
		t.Errorf("bracket %v–%v does not hold %v", r.Capacity, r.FirstFail, k)
	}
}

// TestNextConfirmAlwaysFails: a system whose confirmations always breach
// steps down MaxConfirms times, then ends unconfirmed.
func TestNextConfirmAlwaysFails(t *testing.T) {
	c := Capacity{From: 100, Max: 20000}.WithDefaults(hold, true)
	k := 3000.0
	sys := func(load float64, phase string, _ int) (Verdict, float64) {
		if phase == co {
			return Fail, 2
		}
		return verdictOf(load/k, 0.1), load / k
	}
	h, d := run(t, c, sys)
	confirms := 0
	for _, p := range h {
		if p.Phase == co {
			confirms++
		}
	}
	if confirms != MaxConfirms || d.Result.Confirmed || !strings.Contains(d.Result.Reason, "confirmations failed") {
		t.Errorf("%d confirmations, result %+v", confirms, d.Result)
	}
	if !(d.Result.Capacity > 0 && d.Result.Capacity < k) {
		t.Errorf("capacity %v", d.Result.Capacity)
	}
}

// TestNextNoisySystem: a monotone system whose probes near the limit
// scatter around their true pressure is still found within the
// resolution (its median decides), and the result is confirmed.
func TestNextNoisySystem(t *testing.T) {
	for _, k := range []float64{250, 1000, 3333, 12000} {
		c := Capacity{From: 100, Max: 50000, Resolution: Resolution{Value: 5, Percent: true}}.WithDefaults(hold, true)
		// n-th measurement of a load: true pressure ± 8 %, alternating.
		sys := func(load float64, _ string, n int) (Verdict, float64) {
			p := load / k * (1 + 0.08*[]float64{1, -1, 0.5}[(n-1)%3])
			return verdictOf(p, c.Margin), p
		}
		_, d := run(t, c, sys)
		r := d.Result
		// The median of +8 %, −8 %, +4 % is +4 %: the search finds k ÷ 1.04
		// within 5 %.
		eff := k / 1.04
		if !r.Confirmed || r.Capacity > eff*1.001 || r.FirstFail < eff*0.999 || r.FirstFail-r.Capacity > 0.05*r.Capacity+1 {
			t.Errorf("k=%v: result %+v (effective capacity %v)", k, r, eff)
		}
	}
}

// A search that untrusted steps end before any load passed is undecided
// (its capacity 0 is "not known"); one that had a passing load is not.
func TestNextUndecided(t *testing.T) {
	c := Capacity{From: 100, Max: 1000}.WithDefaults(time.Second, true)
	for _, tc := range []struct {
		name    string
		history []Probe
		want    bool
	}{
		{"nothing judged", []Probe{pr(100, br, Untrusted, 0), pr(100, br, Untrusted, 0), pr(100, br, Untrusted, 0)}, true},
		{"only a breach above", []Probe{pr(100, br, Fail, 3), pr(50, br, Untrusted, 0), pr(50, br, Untrusted, 0), pr(50, br, Untrusted, 0)}, true},
		{"a pass below", []Probe{pr(100, br, Pass, 0.2), pr(200, br, Untrusted, 0), pr(200, br, Untrusted, 0), pr(200, br, Untrusted, 0)}, false},
	} {
		d := Next(c, tc.history)
		if !d.Done || d.Result == nil {
			t.Fatalf("%s: not done: %+v", tc.name, d)
		}
		if d.Result.Undecided != tc.want {
			t.Errorf("%s: Undecided = %v, want %v (reason %q)", tc.name, d.Result.Undecided, tc.want, d.Result.Reason)
		}
	}
}
