package scenarios

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

func mustSLO(t *testing.T, expr string) slo.SLO {
	t.Helper()
	s, err := slo.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// measured is the record of step st as a system whose p95 is p95(load)
// ms would give, judged by verdict as the engine does.
func measured(st Step, verdict slo.SLO, p95 float64) record.Record {
	rec := record.Record{Step: st.Index, WindowS: (st.Hold - st.Settle).Seconds(), Requests: 100, Successes: 100, RPS: 100,
		Latency: &record.Latency{P50: p95 / 2, P90: p95, P95: p95, P99: p95, Max: p95}}
	rec.Load.Model, rec.Load.Users, rec.Load.Rate = record.ModelUsers, st.Users, st.Rate
	if st.Rate > 0 {
		rec.Load.Model = record.ModelRate
	}
	if st.Search != nil {
		s := *st.Search
		rec.Search = &s
	}
	rec.SLO = verdict.Evaluate(rec)
	return rec
}

func TestFixedPlanner(t *testing.T) {
	s := Scenario{Ramp: Ramp{From: 10, To: 30, By: 10, Hold: time.Second}}
	plan := s.Plan()
	p := s.Planner(nil)
	if p.Len() != 3 || len(Planned(p)) != 3 || PlannerErr(p) != nil {
		t.Fatalf("len %d, planned %d, err %v", p.Len(), len(Planned(p)), PlannerErr(p))
	}
	var done []record.Record
	for i := 0; ; i++ {
		st, ok := p.Next(done)
		if !ok {
			if i != 3 {
				t.Fatalf("ended after %d steps, want 3", i)
			}
			break
		}
		if st != plan[i] {
			t.Errorf("step %d: %+v, want %+v", i, st, plan[i])
		}
		done = append(done, record.Record{SLO: record.SLOResult{Pass: false}}) // a breach does not end a fixed plan: the engine stops
	}
}

// TestSearchPlanner runs the planner against a simulated system whose p95
// is 10 ms up to 12 users and 200 ms above: every probe is annotated, its
// settle covers the spawning of its change of users, and the search ends
// with the capacity within its resolution of 12.
func TestSearchPlanner(t *testing.T) {
	const capacity = 12
	verdict := mustSLO(t, "p95<50ms")
	s := Scenario{SpawnRate: 4, Ramp: Ramp{Hold: 2 * time.Second, Settle: 100 * time.Millisecond,
		Search: &search.Capacity{From: 2, Max: 64, Resolution: search.Resolution{Value: 1}}}}
	p := s.Planner(verdict)
	if p.Len() != 0 || Planned(p) != nil || PlannerErr(p) != nil {
		t.Fatalf("a search: len %d, planned %v, err %v", p.Len(), Planned(p), PlannerErr(p))
	}
	var done []record.Record
	prevUsers := 0
	for len(done) <= search.MaxProbes {
		st, ok := p.Next(done)
		if n := len(done); n > 0 {
			last := done[n-1].Search
			if last == nil || last.Kind != record.SearchCapacity || last.Probe != n || last.Verdict == "" || last.Pressure == nil {
				t.Fatalf("probe %d not annotated: %+v", n, last)
			}
			if want := done[n-1].Latency.P95 / 50; math.Abs(*last.Pressure-want) > 1e-9 {
				t.Errorf("probe %d pressure %v, want p95 ÷ 50 ms = %v", n, *last.Pressure, want)
			}
			if (last.Result != nil) == ok {
				t.Errorf("probe %d: result %+v with more %v: want the result exactly on the last probe", n, last.Result, ok)
			}
		}
		if !ok {
			break
		}
		if st.Index != len(done) || st.Search == nil || st.Search.Probe != len(done)+1 || st.Search.Kind != record.SearchCapacity || st.Search.Phase == "" {
			t.Fatalf("step %+v search %+v after %d probes", st, st.Search, len(done))
		}
		spawn := time.Duration(math.Ceil(math.Abs(float64(st.Users-prevUsers))/4*1000)) * time.Millisecond
		if n := len(done); n > 0 && (done[n-1].Load.Users > capacity || st.Users < prevUsers) {
			spawn += time.Duration(done[n-1].Latency.Max) * time.Millisecond // the drain of its answers (drainTime)
		}
		hold := 2 * time.Second
		if st.Search.Phase == record.PhaseConfirm {
			hold *= 2
		}
		if want := max(100*time.Millisecond, spawn); st.Settle != want || st.Hold-st.Settle != hold-100*time.Millisecond {
			t.Errorf("probe %d (%d→%d users): settle %s hold %s, want settle %s and a window of %s", st.Search.Probe, prevUsers, st.Users, st.Settle, st.Hold, want, hold-100*time.Millisecond)
		}
		prevUsers = st.Users
		p95 := 10.0
		if st.Users > capacity {
			p95 = 200
		}
		done = append(done, measured(st, verdict, p95))
	}
	if len(done) == 0 || len(done) > search.MaxProbes {
		t.Fatalf("%d probes", len(done))
	}
	last := done[len(done)-1].Search
	res := last.Result
	if res == nil || res.Capacity < capacity-1 || res.Capacity > capacity || res.Probes != len(done) {
		t.Fatalf("result %+v after %d probes, want capacity within 1 of %d", res, len(done), capacity)
	}
	if done[0].Search.Phase != record.PhaseBracket || done[0].Load.Users != 2 {
		t.Errorf("first probe %+v at %d users, want a bracket probe at from", done[0].Search, done[0].Load.Users)
	}
}

func TestSearchPlannerNothingMeasured(t *testing.T) {
	verdict := mustSLO(t, "p95<50ms")
	p := Scenario{Ramp: Ramp{Hold: time.Second, Search: &search.Capacity{From: 4, Max: 8}}}.Planner(verdict)
	st, ok := p.Next(nil)
	if !ok {
		t.Fatal("no first probe")
	}
	rec := measured(st, verdict, 0)
	rec.Latency = nil
	done := []record.Record{rec}
	p.Next(done)
	if s := done[0].Search; s == nil || s.Pressure != nil || s.Verdict != record.VerdictFail {
		t.Errorf("a probe without answers: %+v, want a fail without a pressure (JSON has no infinity)", s)
	}
}

// TestSearchPlannerDrainsSlowProbes: after a probe that breached, or
// before a lower load, the next probe settles until the answers owed by
// the probe before have arrived (its slowest latency, at most the request
// timeout) besides its spawning, and is held longer by as much, so that
// its window keeps its length. Hold 20s, settle 4s: 200 users pass, 400
// fail with answers up to 6.5 s; the bisection at 300 users must not
// measure the first 6.5 s of the backlog.
func TestSearchPlannerDrainsSlowProbes(t *testing.T) {
	verdict := mustSLO(t, "p95<1s")
	const hold, settle = 20 * time.Second, 4 * time.Second
	for _, tc := range []struct {
		name    string
		model   string
		timeout time.Duration
		loads   []float64       // the probes planned, the last one checked
		slow    func(Step) bool // whether a probe is measured slow (p95 and max 6.5 s), else 200 ms
		nothing bool            // the slow probe had no answer, 10 requests in flight
		settle  time.Duration   // the checked probe's
	}{
		// 100 users removed at 500 users/s: 200 ms, then 6.5 s of drain.
		{"bisect after a breach", record.ModelUsers, 0, []float64{200, 400, 300}, func(st Step) bool { return st.Users > 300 }, false, 6700 * time.Millisecond},
		{"drain capped at the timeout", record.ModelUsers, 5 * time.Second, []float64{200, 400, 300}, func(st Step) bool { return st.Users > 300 }, false, 5200 * time.Millisecond},
		{"no answer, requests in flight", record.ModelUsers, 10 * time.Second, []float64{200, 400, 300}, func(st Step) bool { return st.Users > 300 }, true, 10200 * time.Millisecond},
		{"rate after a breach", record.ModelRate, 0, []float64{200, 400, 300}, func(st Step) bool { return st.Rate > 300 }, false, 6500 * time.Millisecond},
		// From breaches: the search steps down by its factor.
		{"down from a breaching start", record.ModelUsers, 0, []float64{400, 200}, func(st Step) bool { return st.Users > 300 }, false, 6900 * time.Millisecond},
		// A pass going up leaves nothing owed: settle and spawning only.
		{"up after a pass", record.ModelUsers, 0, []float64{200, 400}, func(Step) bool { return false }, false, settle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Scenario{Model: tc.model, Timeout: tc.timeout, Ramp: Ramp{Hold: hold, Settle: settle,
				Search: &search.Capacity{From: tc.loads[0], Max: 1000, Resolution: search.Resolution{Value: 50}}}}
			p := s.Planner(verdict)
			var done []record.Record
			var st Step
			for i, want := range tc.loads {
				var ok bool
				if st, ok = p.Next(done); !ok {
					t.Fatalf("no probe %d", i+1)
				}
				if load := float64(st.Users) + st.Rate; load != want {
					t.Fatalf("probe %d at %v, want %v", i+1, load, want)
				}
				if i == len(tc.loads)-1 {
					break
				}
				rec := measured(st, verdict, 200)
				if tc.slow(st) {
					rec = measured(st, verdict, 6500)
					if tc.nothing {
						rec.Latency, rec.InFlight = nil, 10
						rec.SLO = verdict.Evaluate(rec)
					}
				}
				done = append(done, rec)
			}
			if st.Settle != tc.settle || st.Hold-st.Settle != hold-settle {
				t.Errorf("probe %d: settle %s hold %s, want settle %s and the window %s", len(tc.loads), st.Settle, st.Hold, tc.settle, hold-settle)
			}
		})
	}
}

// TestSearchPlannerUntrustedPressure: a probe the search cannot trust (a
// saturated generator) is recorded without a pressure, not with 0.
func TestSearchPlannerUntrustedPressure(t *testing.T) {
	verdict := mustSLO(t, "p95<50ms")
	p := Scenario{Ramp: Ramp{Hold: time.Second, Search: &search.Capacity{From: 4, Max: 8}}}.Planner(verdict)
	st, ok := p.Next(nil)
	if !ok {
		t.Fatal("no first probe")
	}
	rec := measured(st, verdict, 10)
	rec.Generator.Saturated, rec.Generator.Warning = true, "generator CPU 98%"
	done := []record.Record{rec}
	p.Next(done)
	if s := done[0].Search; s == nil || s.Pressure != nil {
		t.Errorf("a saturated probe: %+v, want a search annotation without a pressure", s)
	}
}

func TestSearchPlannerNeedsAnSLO(t *testing.T) {
	p := Scenario{Ramp: Ramp{Search: &search.Capacity{From: 4, Max: 8}}}.Planner(nil)
	err := PlannerErr(p)
	if !errors.Is(err, ErrNoVerdict) || !strings.Contains(err.Error(), "set stop.slo in the scenario or slo in the experiment") {
		t.Errorf("err %v", err)
	}
	if _, ok := p.Next(nil); ok {
		t.Error("a search without an SLO planned a step")
	}
}

func TestTrialPlannerSteps(t *testing.T) {
	verdict := mustSLO(t, "p95<1s")
	hold, settle := 20*time.Second, time.Second
	for _, tc := range []struct {
		name   string
		s      Scenario
		target float64
		levels []float64 // approach levels then the trial's
		settle []time.Duration
	}{
		// spawn at 10 users/s: 25 users take 2.5 s.
		{"users", Scenario{SpawnRate: 10}, 100, []float64{25, 50, 75, 100}, []time.Duration{2500 * time.Millisecond, 2500 * time.Millisecond, 2500 * time.Millisecond, 2500 * time.Millisecond}},
		{"few users", Scenario{SpawnRate: 10}, 2, []float64{1, 2}, []time.Duration{settle, settle}},
		{"one user", Scenario{SpawnRate: 10}, 1, []float64{1}, []time.Duration{settle}},
		{"rate", Scenario{Model: record.ModelRate}, 10, []float64{2.5, 5, 7.5, 10}, []time.Duration{settle, settle, settle, settle}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.Ramp = Ramp{Hold: hold, Settle: settle}
			p := tc.s.TrialPlanner(tc.target, verdict, search.TrialCPU)
			steps := Planned(p)
			if p.Len() != len(tc.levels) || len(steps) != len(tc.levels) {
				t.Fatalf("%d steps %+v, want levels %v", p.Len(), steps, tc.levels)
			}
			var offset time.Duration
			for i, st := range steps {
				load := float64(st.Users)
				if tc.s.Model == record.ModelRate {
					load = st.Rate
				}
				trial := i == len(steps)-1
				wantHold := tc.settle[i] + max(hold/4, MinApproachWindow)
				phase := record.PhaseApproach
				if trial {
					wantHold, phase = hold+tc.settle[i]-settle, record.PhaseTrial // lengthened by the spawn beyond settle
				}
				if load != tc.levels[i] || st.Index != i || st.Settle != tc.settle[i] || st.Hold != wantHold || st.Offset != offset ||
					st.Search == nil || *st.Search != (record.Search{Kind: record.SearchLimits, Phase: phase, Trial: search.TrialCPU}) {
					t.Errorf("step %d: %+v search %+v; want load %v settle %s hold %s phase %s", i, st, st.Search, tc.levels[i], tc.settle[i], wantHold, phase)
				}
				offset += st.Hold
			}
		})
	}
}

func TestTrialPlannerJudges(t *testing.T) {
	verdict := mustSLO(t, "p95<100ms")
	s := Scenario{SpawnRate: 1000, Ramp: Ramp{Hold: 8 * time.Second}}
	run := func(p95 func(users int) float64) []record.Record {
		p := s.TrialPlanner(40, verdict, search.TrialRecheck)
		var done []record.Record
		for len(done) < 10 {
			st, ok := p.Next(done)
			if !ok {
				return done
			}
			done = append(done, measured(st, verdict, p95(st.Users)))
		}
		t.Fatal("the trial did not end")
		return nil
	}
	// Breaching on the way up ends the trial at once.
	recs := run(func(u int) float64 { return float64(u) * 4 }) // 20 users: 80 ms, 30: 120 ms
	if len(recs) != 3 {
		t.Fatalf("%d steps, want the trial to end at the breaching approach step (30 users)", len(recs))
	}
	if s := recs[1].Search; s.Verdict != "" || s.Pressure == nil || math.Abs(*s.Pressure-0.8) > 1e-9 {
		t.Errorf("a passing approach step: %+v, want no verdict and pressure 0.8", s)
	}
	if s := recs[2].Search; s.Verdict != record.VerdictFail || s.Phase != record.PhaseApproach || s.Trial != search.TrialRecheck ||
		!strings.HasPrefix(s.Note, "breached on the way up: p95 120.0ms breaches p95<100ms at 30 users") {
		t.Errorf("the breaching approach step: %+v", s)
	}
	// The trial step decides.
	for _, tc := range []struct {
		p95  float64
		want string
	}{{50, record.VerdictPass}, {150, record.VerdictFail}} {
		recs := run(func(u int) float64 {
			if u == 40 {
				return tc.p95
			}
			return 10
		})
		last := recs[len(recs)-1]
		if len(recs) != 4 || last.Load.Users != 40 || last.Search.Phase != record.PhaseTrial || last.Search.Verdict != tc.want {
			t.Errorf("p95 %v at the target: %d steps, last %+v", tc.p95, len(recs), last.Search)
		}
		if tc.want == record.VerdictFail && !strings.Contains(last.Search.Note, "breaches p95<100ms") {
			t.Errorf("a failed trial's note %q", last.Search.Note)
		}
	}
	if err := PlannerErr(s.TrialPlanner(40, nil, search.TrialCPU)); !errors.Is(err, ErrNoVerdict) {
		t.Errorf("a trial without an SLO: %v", err)
	}
}

// TestTrialPlannerUntrustedSteps: a step whose generator was saturated, or
// that was cut short, decides nothing: its verdict is repeat (the trial is
// untrusted, as search.TrialOf says, and the limit search measures it
// again), never a fail "breached on the way up" that blames the API; a
// breaching untrusted approach step still ends the trial.
func TestTrialPlannerUntrustedSteps(t *testing.T) {
	verdict := mustSLO(t, "p95<100ms")
	s := Scenario{SpawnRate: 1000, Ramp: Ramp{Hold: 8 * time.Second}}
	for _, tc := range []struct {
		name  string
		spoil func(r *record.Record)
		why   string
	}{
		{"saturated", func(r *record.Record) { r.Generator.Saturated, r.Generator.Warning = true, "cpu 97%" }, "the generator was saturated (cpu 97%)"},
		{"partial", func(r *record.Record) { r.Partial = true }, "the step was cut short"},
	} {
		// The approach step at 20 users breaches, untrusted.
		p := s.TrialPlanner(40, verdict, search.TrialCPU)
		var done []record.Record
		for len(done) < 10 {
			st, ok := p.Next(done)
			if !ok {
				break
			}
			r := measured(st, verdict, 10)
			if st.Users == 20 {
				r = measured(st, verdict, 500)
				tc.spoil(&r)
			}
			done = append(done, r)
		}
		last := done[len(done)-1]
		if len(done) != 2 || last.Search.Verdict != record.VerdictRepeat || strings.Contains(last.Search.Note, "breached on the way up") ||
			!strings.Contains(last.Search.Note, tc.why) {
			t.Errorf("%s approach step: %d steps, last %+v; want the trial to end there with verdict repeat and a note %q", tc.name, len(done), last.Search, tc.why)
		}
		if tr := search.TrialOf(done, 40, verdict); !tr.Untrusted {
			t.Errorf("%s: TrialOf %+v, want untrusted", tc.name, tr)
		}
		// At the trial step.
		p = s.TrialPlanner(40, verdict, search.TrialCPU)
		done = nil
		for len(done) < 10 {
			st, ok := p.Next(done)
			if !ok {
				break
			}
			r := measured(st, verdict, 10)
			if st.Users == 40 {
				tc.spoil(&r)
			}
			done = append(done, r)
		}
		if last := done[len(done)-1]; last.Search.Phase != record.PhaseTrial || last.Search.Verdict != record.VerdictRepeat || !strings.Contains(last.Search.Note, tc.why) {
			t.Errorf("%s trial step: %+v, want verdict repeat", tc.name, last.Search)
		}
	}
}
