package report

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// capacityProbes are a capacity search on one configuration whose loads go
// up and down: the bisection passed 810 users, its confirmation there
// breached, so the search stepped down to 750 and confirmed it.
func capacityProbes(f *fixtureRun, cfg record.Config) {
	m := machine{perCPU: 780, eff: map[int]float64{}} // serves 780 users per CPU
	type p struct {
		phase     string
		users     int
		verdict   string
		low, high float64
		force     float64 // p95 to record instead of the machine's (noise)
	}
	path := []p{
		{record.PhaseBracket, 250, "pass", 250, 0, 0},
		{record.PhaseBracket, 500, "pass", 500, 0, 0},
		{record.PhaseBracket, 1000, "fail", 500, 1000, 0},
		{record.PhaseBisect, 750, "pass", 750, 1000, 0},
		{record.PhaseBisect, 875, "fail", 750, 875, 0},
		{record.PhaseBisect, 810, "pass", 810, 875, 700}, // noise: passed above the capacity
		{record.PhaseConfirm, 810, "fail", 750, 810, 1100},
		{record.PhaseConfirm, 750, "pass", 750, 810, 0},
	}
	for i, x := range path {
		s := &record.Search{Kind: record.SearchCapacity, Phase: x.phase, Probe: i + 1, Verdict: x.verdict, Low: x.low, High: x.high}
		f.step(m, cfg, x.users, s)
		if x.force > 0 {
			f.recs[len(f.recs)-1].Latency.P95 = x.force
			f.recs[len(f.recs)-1].ErrorRate = 0.001
		}
	}
	f.recs[len(f.recs)-1].Search.Result = &record.SearchResult{Capacity: 750, FirstFail: 810, Probes: len(path), Confirmed: true,
		Reason: "the gap 750–810 is within the resolution and 750 passed its confirmation"}
}

func TestCapacitySearchReport(t *testing.T) {
	cfg := dockerConfig("cpu1-mem512m-x1", 1, 512, 1)
	f := newFixtureRun(t)
	capacityProbes(f, cfg)
	exp := "name: capacity-search\nslo: " + searchSLO + "\n"
	// plan.json of a search run: its steps cannot be listed in advance;
	// one written with the search's first load must not make it incomplete.
	for _, plan := range []*record.Plan{
		{Configs: []record.Config{cfg}, Repeat: 1, Model: record.ModelUsers},
		{Configs: []record.Config{cfg}, Repeat: 1, Model: record.ModelUsers, Steps: []float64{250, 500, 1000, 2000, 4000, 6000, 8000, 10000, 12000, 14000, 16000, 18000, 20000}},
	} {
		in := readRun(t, f.write(exp, plan))
		a := Analyze(in)
		c := mustConfig(t, a, cfg.Name)
		// The walk upwards over the combined steps would pass 810 (the
		// median of its pass and its failed confirmation): the search says 750.
		st810 := c.Steps[slices.IndexFunc(c.Steps, func(s StepResult) bool { return s.Offered == 810 })]
		if !st810.Pass {
			t.Fatal("fixture: the combined step at 810 users should pass, so that walking the steps would give 810")
		}
		brk, _ := c.Step(c.BreakStep)
		if c.Capacity != 750 || brk.Offered != 810 || c.CapacityLowerBound || len(a.Incomplete) > 0 {
			t.Errorf("capacity %g, break at %g, lower bound %v, incomplete %v: want the search's 750, first failing 810, complete",
				c.Capacity, brk.Offered, c.CapacityLowerBound, a.Incomplete)
		}
		if capacity, _ := Capacities(in); capacity[cfg.Name] != 750 {
			t.Errorf("Capacities (what gates compare) = %v, want 750", capacity)
		}
		md, s, _ := renderAll(t, in)
		if s.Search == nil || len(s.Search.Capacity) != 1 {
			t.Fatalf("summary.json search: %+v", s.Search)
		}
		cs := s.Search.Capacity[0]
		if cs.Config != cfg.Name || cs.Capacity != 750 || cs.FirstFail != 810 || cs.Probes != 8 || !cs.Confirmed || cs.Reason == "" {
			t.Errorf("summary.json capacity search %+v", cs)
		}
		contains(t, "report.md", md, "### Capacity searches", "| "+cfg.Name+" | 750 | 810 | 8 | yes |", "#### "+cfg.Name+" — probe path",
			"| 6 | bisect | 810 | 700 ms | 0.1 % | pass |", "| 7 | confirm | 810 | 1.1 s | 0.1 % | fail |")
		if got := strings.Count(md, " | bracket | ") + strings.Count(md, " | bisect | ") + strings.Count(md, " | confirm | "); got != 8 {
			t.Errorf("%d probe rows in report.md, want 8", got)
		}
		contains(t, "the terminal summary", terminal(t, in), "Capacity searches:", "750")
	}

	// Interrupted after 5 probes: between 750 and 875 users, and incomplete.
	f.recs = f.recs[:5]
	in := readRun(t, f.write(exp, &record.Plan{Configs: []record.Config{cfg}, Repeat: 1, Model: record.ModelUsers}))
	a := Analyze(in)
	if c := mustConfig(t, a, cfg.Name); c.Capacity != 750 {
		t.Errorf("interrupted search: capacity %g, want 750 (the highest known pass)", c.Capacity)
	}
	md, s, _ := renderAll(t, in)
	want := "interrupted after 5 probes: between 750 and 875 users"
	if len(s.Incomplete) == 0 || !strings.Contains(strings.Join(s.Incomplete, "; "), want) {
		t.Errorf("incomplete = %v, want %q", s.Incomplete, want)
	}
	contains(t, "report.md", md, "| ≥ 750 | 875 | 5 | no | "+want)
}

func TestProjectionModel(t *testing.T) {
	at := func(n int, capacity float64) measuredCapacity {
		return measuredCapacity{Replicas: n, Capacity: capacity, Config: record.Config{CPUs: 2, MemoryBytes: 512 << 20, Replicas: n}}
	}
	tests := []struct {
		name     string
		ms       []measuredCapacity
		replicas int
		eff      float64
		measured bool
		figure   string
		problem  string
	}{
		{"two counts", []measuredCapacity{at(2, 480), at(1, 300)}, 42, 0.8, true, "(480 ÷ 300) ÷ (2 ÷ 1) = 0.80", ""},
		{"one count: efficiency 1 assumed", []measuredCapacity{at(1, 300)}, 34, 1, false, "assumed 1", ""},
		{"superlinear is capped", []measuredCapacity{at(1, 300), at(2, 660)}, 34, 1, true, "taken as 1", ""},
		{"no capacity", []measuredCapacity{at(1, 0)}, 0, 0, false, "", "no capacity was measured"},
		{"none", nil, 0, 0, false, "", "no capacity was measured"},
	}
	for _, tc := range tests {
		p, why := project(tc.ms, 10000, "users")
		if tc.problem != "" {
			if p != nil || !strings.Contains(why, tc.problem) {
				t.Errorf("%s: %+v, %q; want no projection because %q", tc.name, p, why, tc.problem)
			}
			continue
		}
		if p == nil {
			t.Fatalf("%s: no projection: %s", tc.name, why)
		}
		if p.Replicas != tc.replicas || math.Abs(p.Efficiency-tc.eff) > 1e-9 || p.EfficiencyMeasured != tc.measured || p.Label != ProjectionLabel ||
			!strings.Contains(strings.Join(p.Figures, "\n"), tc.figure) || !strings.HasPrefix(p.Sentence, "Projection, not measured") {
			t.Errorf("%s: %+v", tc.name, p)
		}
	}
}
