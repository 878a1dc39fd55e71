package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/rundir"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// Fixtures of search runs, built the way the runner builds them: a
// simulated machine answers each step, and package search decides the
// next trial or probe from what was recorded. The tests then read the
// folder back through ReadDir like `loadlab report` does.

const searchSLO = "p95<1s,error_rate<1%"

// machine is a simulated system under test: the highest load (users) a
// configuration serves within the SLO.
type machine struct {
	// perCPU is the capacity of one replica per CPU of limit; eff the
	// scaling efficiency at each replica count (1 when absent).
	perCPU float64
	eff    map[int]float64
	// failDeploy makes every configuration fail to deploy; failReplicas
	// those of the replica counts it holds.
	failDeploy   bool
	failReplicas map[int]bool
	// restarts makes a replica restart during every step (whatever the
	// load: the SLO may still be met).
	restarts bool
	// saturated saturates the load generator in every step of the replica
	// counts it holds.
	saturated map[int]bool
	// spurious counts, per CPU limit, the trials at the target that fail
	// whatever the capacity (noise); decremented as they happen.
	spurious map[float64]int
}

func (m machine) capacity(c record.Config) float64 {
	e, ok := m.eff[max(c.Replicas, 1)]
	if !ok {
		e = 1
	}
	return m.perCPU * c.CPUs * float64(max(c.Replicas, 1)) * e
}

// fixtureRun accumulates the records of one run.
type fixtureRun struct {
	t    *testing.T
	slo  slo.SLO
	recs []record.Record
	at   time.Time
}

func newFixtureRun(t *testing.T) *fixtureRun {
	return &fixtureRun{t: t, slo: mustSLO(t, searchSLO), at: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// step measures one step of load users on cfg against m: a p95 of 400 ms
// within its capacity, 1.4 s beyond (an error rate of 0.1 %, 5 %).
func (f *fixtureRun) step(m machine, cfg record.Config, users int, s *record.Search) record.Record {
	p95, errRate := 400.0, 0.001
	if float64(users) > m.capacity(cfg) {
		p95, errRate = 1400, 0.05
	}
	rps := float64(users) / 1.5
	r := record.Record{
		Run: "search-fixture", Step: len(f.recs), Config: cfg, StartedAt: f.at, WindowS: 20,
		Load:     record.Load{Model: record.ModelUsers, Users: users, ThinkMinS: 1, ThinkMaxS: 2},
		Requests: int64(rps * 20), RPS: rps, OKRPS: rps * (1 - errRate), ErrorRate: errRate,
		Latency:   &record.Latency{Min: 5, Mean: p95 / 2, P50: p95 / 2, P90: p95 * 0.9, P95: p95, P99: p95 * 1.3, Max: p95 * 2},
		Generator: record.Generator{CPUPct: 40, CPUAvailablePct: 200},
		Target:    &record.Target{CPUPctOfLimit: 80, MemoryBytes: 200 << 20, MemoryPctOfLimit: 40},
		Search:    s,
	}
	if m.restarts {
		r.Target.Restarts = 1
	}
	if m.saturated[max(cfg.Replicas, 1)] {
		r.Generator.CPUPct, r.Generator.Saturated = 195, true
	}
	r.SLO = f.slo.Evaluate(r)
	f.at = f.at.Add(25 * time.Second)
	f.recs = append(f.recs, r)
	return r
}

// trial runs one limit-search trial of cfg at target, as the runner does:
// approach steps at ¼ and ½ of the target (stopping at a breach), then
// the step at the target; a capacity trial is a capacity search. It
// returns the trial's records.
func (f *fixtureRun) trial(m machine, d search.TrialDecision, target int, probe int) []record.Record {
	cfg := d.Config
	cfg.Runtime = "docker"
	cfg.Name = cfg.AutoName()
	start := len(f.recs)
	if m.failDeploy || m.failReplicas[max(cfg.Replicas, 1)] {
		f.recs = append(f.recs, record.Record{Run: "search-fixture", Config: cfg, Failure: "deploy: no such image",
			Search: &record.Search{Kind: record.SearchLimits, Phase: record.PhaseTrial, Probe: probe, Verdict: record.VerdictFail, Trial: d.Phase}})
		return f.recs[start:]
	}
	if d.Phase == search.TrialCapacity {
		f.capacitySearch(m, cfg, search.Capacity{From: 50, Max: float64(target)}, search.TrialCapacity)
		return f.recs[start:]
	}
	for _, u := range []int{target / 4, target / 2} {
		s := &record.Search{Kind: record.SearchLimits, Phase: record.PhaseApproach, Probe: probe, Trial: d.Phase}
		if r := f.step(m, cfg, u, s); !r.SLO.Pass {
			s.Verdict, s.Note = record.VerdictFail, "breached on the way up"
			f.recs[len(f.recs)-1].Search = s
			return f.recs[start:]
		}
	}
	r := f.step(m, cfg, target, &record.Search{Kind: record.SearchLimits, Phase: record.PhaseTrial, Probe: probe, Trial: d.Phase})
	if m.spurious[cfg.CPUs] > 0 {
		m.spurious[cfg.CPUs]--
		last := &f.recs[len(f.recs)-1]
		last.Latency.P95, last.SLO = 1400, f.slo.Evaluate(record.Record{Latency: &record.Latency{P95: 1400}})
		r = *last
	}
	r.Search.Verdict = map[bool]string{true: record.VerdictPass, false: record.VerdictFail}[r.SLO.Pass]
	return f.recs[start:]
}

// limitSearch runs a whole limit search l at target users; it stops
// after maxTrials trials when that is > 0 (an interrupted run).
func (f *fixtureRun) limitSearch(m machine, l search.Limits, target, maxTrials int) {
	var trials []search.Trial
	probes := map[int]int{}
	for n := 0; n < 400; n++ {
		d := search.NextTrial(l, trials)
		if d.Done || (maxTrials > 0 && len(trials) == maxTrials) {
			return
		}
		probes[d.Config.Replicas]++
		recs := f.trial(m, d, target, probes[d.Config.Replicas])
		trials = append(trials, search.TrialOf(recs, float64(target), f.slo))
	}
	f.t.Fatal("the limit search did not end in 400 trials")
}

// capacitySearch runs a capacity search of c on cfg against m, marking
// each probe as the engine does, and puts the result on the last one.
func (f *fixtureRun) capacitySearch(m machine, cfg record.Config, c search.Capacity, trial string) {
	c = c.WithDefaults(20*time.Second, true)
	var history []search.Probe
	var idx []int
	for n := 0; n <= search.MaxProbes+1; n++ {
		d := search.Next(c, history)
		if len(idx) > 0 {
			last := &f.recs[idx[len(idx)-1]]
			s := d.Last
			s.Kind, s.Phase, s.Probe, s.Trial = record.SearchCapacity, last.Search.Phase, last.Search.Probe, trial
			s.Result = d.Result
			last.Search = &s
		}
		if d.Done {
			return
		}
		r := f.step(m, cfg, int(math.Round(d.Load)), &record.Search{Kind: record.SearchCapacity, Phase: d.Phase, Probe: len(history) + 1, Trial: trial})
		idx = append(idx, len(f.recs)-1)
		history = append(history, search.Classify(r, f.slo, c.Margin))
	}
	f.t.Fatal("the capacity search did not end")
}

// write puts the run into a results folder: steps.jsonl through the
// record writer, experiment.yaml and plan.json; it returns the folder.
func (f *fixtureRun) write(experiment string, plan *record.Plan) string {
	f.t.Helper()
	dir := f.t.TempDir()
	w, err := record.Create(filepath.Join(dir, rundir.StepsFile))
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range f.recs {
		if err := w.Append(r); err != nil {
			f.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		f.t.Fatal(err)
	}
	if err := rundir.WriteExperiment(dir, []byte(experiment)); err != nil {
		f.t.Fatal(err)
	}
	if plan != nil {
		if err := record.WritePlan(dir, *plan); err != nil {
			f.t.Fatal(err)
		}
	}
	return dir
}

// readRun reads a fixture folder back as `loadlab report` does.
func readRun(t *testing.T, dir string) Input {
	t.Helper()
	in, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// limitsExperiment is experiment.yaml of a limit search.
func limitsExperiment(target int, l search.Limits) string {
	reps := ""
	for i, r := range l.Replicas {
		if i > 0 {
			reps += ", "
		}
		reps += fmt.Sprint(r)
	}
	return fmt.Sprintf("name: search-fixture\ntarget_users: %d\nslo: %s\nsearch:\n  cpus: {min: %g, max: %g, resolution: %g}\n  memory: %s\n  replicas: [%s]\n",
		target, searchSLO, l.CPUs.Min, l.CPUs.Max, l.CPUs.Resolution, l.Memory.Max, reps)
}

// minimalOnGrid is the truth a limit search should find: the smallest
// CPU on l's grid at which m serves target with n replicas (0: none).
func minimalOnGrid(m machine, l search.Limits, n, target int) float64 {
	for _, cpu := range l.CPUs.Grid() {
		if m.capacity(record.Config{CPUs: cpu, Replicas: n}) >= float64(target) {
			return cpu
		}
	}
	return 0
}

func mustWriteFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
