package search

import (
	"math"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

func TestTrialOf(t *testing.T) {
	s, err := slo.Parse("p95<1s,error_rate<1%")
	if err != nil {
		t.Fatal(err)
	}
	const mib = 1 << 20
	cfg := record.Config{Name: "cpu0.25-mem256m-x2", CPUs: 0.25, MemoryBytes: 256 * mib, Replicas: 2}
	step := func(users int, phase string, p95 float64, memPerReplica int64) record.Record {
		return record.Record{Config: cfg, Load: record.Load{Model: record.ModelUsers, Users: users},
			Latency: &record.Latency{P95: p95}, ErrorRate: 0.001,
			Target: &record.Target{MemoryBytes: 2 * memPerReplica, Replicas: []record.Target{{MemoryBytes: memPerReplica}, {MemoryBytes: memPerReplica / 2}}},
			Search: &record.Search{Kind: record.SearchLimits, Phase: phase, Trial: TrialCPU}}
	}
	approach := func(users int, p95 float64) record.Record {
		return step(users, record.PhaseApproach, p95, 100*mib)
	}
	trial := func(p95 float64) record.Record { return step(10000, record.PhaseTrial, p95, 120*mib) }
	with := func(r record.Record, f func(*record.Record)) record.Record { f(&r); return r }
	tests := []struct {
		name      string
		recs      []record.Record
		pass      bool
		untrusted bool
		why       string
		peak      record.Bytes
	}{
		{"pass", []record.Record{approach(2500, 100), approach(5000, 300), trial(800)}, true, false, "meets the SLO at 10,000 users (p95 800.0ms, limit 1.00s)", 120 * mib},
		{"breach at the target", []record.Record{approach(5000, 300), trial(1400)}, false, false, "p95 1.40s breaches p95<1s at 10,000 users", 120 * mib},
		{"approach breach", []record.Record{approach(2500, 100), approach(5000, 2500)}, false, false, "breached at 5,000 users on the way up: p95 2.50s breaches p95<1s", 100 * mib},
		{"OOM kill", []record.Record{with(approach(5000, 300), func(r *record.Record) { r.Target.OOMKills = 1 }), trial(800)}, false, false, "1 OOM kill(s) during the trial", 120 * mib},
		{"restart", []record.Record{approach(5000, 300), with(trial(800), func(r *record.Record) { r.Target.Restarts = 2 })}, false, false, "2 restart(s) during the trial", 120 * mib},
		{"failure record", []record.Record{{Config: cfg, Step: -1, Failure: "deploy: image not found"}}, false, false, "could not deploy/measure: deploy: image not found", 0},
		{"saturated", []record.Record{approach(5000, 300), with(trial(800), func(r *record.Record) { r.Generator.Saturated = true })}, false, true, "the generator was saturated at 10,000 users", 120 * mib},
		{"partial", []record.Record{approach(5000, 300), with(trial(800), func(r *record.Record) { r.Partial = true })}, false, true, "cut short", 120 * mib},
		{"saturated on the way up", []record.Record{with(approach(5000, 300), func(r *record.Record) { r.Generator.Saturated = true })}, false, true, "saturated at 5,000 users on the way up", 100 * mib},
		{"saturated where it breached on the way up", []record.Record{approach(2500, 100), with(approach(5000, 2500), func(r *record.Record) { r.Generator.Saturated = true })}, false, true, "the generator was saturated at 5,000 users on the way up", 100 * mib},
		{"cut short on the way up", []record.Record{with(approach(2500, 1500), func(r *record.Record) { r.Partial = true })}, false, true, "the step at 2,500 users on the way up was cut short", 100 * mib},
		{"interrupted", []record.Record{approach(2500, 100)}, false, false, "ended before its step at 10,000 users", 100 * mib},
		{"nothing answered", []record.Record{with(trial(0), func(r *record.Record) { r.Latency = nil })}, false, false, "p95 not measured (no answers)", 120 * mib},
		{"no steps", nil, false, false, "no step was measured", 0},
	}
	for _, tt := range tests {
		tr := TrialOf(tt.recs, 10000, s)
		if want, ok := pressures[tt.name]; ok && !(tr.Pressure == want || abs(tr.Pressure-want) < 1e-9) {
			t.Errorf("%s: pressure %v, want %v", tt.name, tr.Pressure, want)
		}
		if tr.Pass != tt.pass || tr.Untrusted != tt.untrusted || !strings.Contains(tr.Why, tt.why) || tr.MemoryPeak != tt.peak {
			t.Errorf("%s: %+v, want pass %v untrusted %v peak %v why ~%q", tt.name, tr, tt.pass, tt.untrusted, tt.peak, tt.why)
		}
		if len(tt.recs) > 0 && tr.Config != cfg {
			t.Errorf("%s: config %+v", tt.name, tr.Config)
		}
		if len(tt.recs) > 0 && tt.recs[0].Search != nil && tr.Phase != TrialCPU {
			t.Errorf("%s: phase %q", tt.name, tr.Phase)
		}
	}

	// Memory: the peak of one replica, from the totals when there are no
	// per-replica figures; a memory trial fails at 90 % use.
	mem := func(perReplica int64, perReplicaFigures bool) []record.Record {
		r := trial(800)
		r.Search.Trial = TrialMemory
		r.Target = &record.Target{MemoryBytes: 2 * perReplica}
		if perReplicaFigures {
			r.Target.Replicas = []record.Target{{MemoryBytes: perReplica / 3}, {MemoryBytes: perReplica}}
		}
		return []record.Record{r}
	}
	for _, tt := range []struct {
		name    string
		recs    []record.Record
		pass    bool
		pct     float64
		why     string
		phase   string
		memTest bool
	}{
		{"memory trial below 90 %", mem(200*mib, true), true, 200.0 / 256, "meets the SLO", TrialMemory, true},
		{"memory trial at 95 %", mem(243*mib, true), false, 243.0 / 256, "memory use peaked at 243 MiB, 95 % of 256 MiB (the limit is 90 %)", TrialMemory, true},
		{"from totals", mem(243*mib, false), false, 243.0 / 256, "95 %", TrialMemory, true},
		{"no memory figures", mem(0, false), false, 0, "no memory use was measured", TrialMemory, true},
	} {
		tr := TrialOf(tt.recs, 10000, s)
		if tt.pct == 0 && !tr.Untrusted {
			t.Errorf("%s: trusted: %+v", tt.name, tr)
		}
		if tr.Pass != tt.pass || tr.Phase != tt.phase || !strings.Contains(tr.Why, tt.why) || abs(tr.MemoryPct-tt.pct) > 1e-3 {
			t.Errorf("%s: %+v, want pass %v pct %v why ~%q", tt.name, tr, tt.pass, tt.pct, tt.why)
		}
	}
	noTarget := mem(0, false)
	noTarget[0].Target = nil
	if tr := TrialOf(noTarget, 10000, s); tr.Pass || !tr.Untrusted || !strings.Contains(tr.Why, "no memory use was measured") {
		t.Errorf("memory trial without a target's figures: %+v", tr)
	}
	// A CPU trial at 95 % memory use passes: only memory trials judge use.
	r := mem(243*mib, true)
	r[0].Search.Trial = TrialCPU
	if tr := TrialOf(r, 10000, s); !tr.Pass {
		t.Errorf("CPU trial at 95 %% memory: %+v", tr)
	}

	// A capacity trial: its capacity from the result of its search.
	probe := func(users int, res *record.SearchResult) record.Record {
		r := step(users, record.PhaseBisect, 900, 100*mib)
		r.Search.Kind, r.Search.Trial, r.Search.Result = record.SearchCapacity, TrialCapacity, res
		return r
	}
	tr := TrialOf([]record.Record{probe(100, nil), probe(200, nil), probe(150, &record.SearchResult{Capacity: 150, FirstFail: 200, Confirmed: true})}, 10000, s)
	if tr.Pass || tr.Phase != TrialCapacity || tr.Capacity != 150 || !strings.Contains(tr.Why, "measured capacity 150 users (target 10,000 users)") {
		t.Errorf("capacity trial: %+v", tr)
	}
	tr = TrialOf([]record.Record{probe(100, nil)}, 10000, s)
	if tr.Capacity != 0 || !strings.Contains(tr.Why, "did not end") {
		t.Errorf("interrupted capacity trial: %+v", tr)
	}
	// A finished search that found no load: not interrupted.
	tr = TrialOf([]record.Record{probe(100, nil), probe(50, &record.SearchResult{FirstFail: 1, Probes: 8, Reason: "no load met the SLO, down to 1 user"})}, 10000, s)
	if tr.Pass || tr.Capacity != 0 || tr.Why != "no load from 1 user up met the SLO (target 10,000 users)" {
		t.Errorf("capacity trial that found no load: %+v", tr)
	}
	tr = TrialOf([]record.Record{probe(100, &record.SearchResult{Probes: 3, Reason: "the generator was saturated at 100 users 3 times in a row: the search is undecided: no load could be judged"})}, 10000, s)
	if tr.Pass || tr.Capacity != 0 || !strings.Contains(tr.Why, "judged no load: the generator was saturated at 100 users") {
		t.Errorf("undecided capacity trial: %+v", tr)
	}
	// A capacity that reaches the target passes (it contradicts the
	// failing largest limits).
	tr = TrialOf([]record.Record{probe(10000, &record.SearchResult{Capacity: 10000, Confirmed: true})}, 10000, s)
	if !tr.Pass || tr.Capacity != 10000 || !strings.Contains(tr.Why, "reaches the target") {
		t.Errorf("capacity trial at the target: %+v", tr)
	}
	// Without an SLO, the step's recorded verdict decides.
	rec := trial(5000)
	rec.SLO = record.SLOResult{Pass: true}
	if tr := TrialOf([]record.Record{rec}, 10000, nil); !tr.Pass {
		t.Errorf("recorded pass: %+v", tr)
	}
}

// pressures are the Pressure TrialOf must give the cases of TestTrialOf
// (+Inf: nothing answered, or a failure that is not the SLO's).
var pressures = map[string]float64{
	"pass":                 0.8,
	"breach at the target": 1.4,
	"approach breach":      2.5,
	"OOM kill":             math.Inf(1),
	"failure record":       math.Inf(1),
	"nothing answered":     math.Inf(1),
	"no steps":             math.Inf(1),
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
