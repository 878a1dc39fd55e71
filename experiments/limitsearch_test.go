package experiments

import (
	"context"
	"errors"
	"math"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/search"
	"github.com/loadlab/loadlab/slo"
)

// limitsExperiment is a small limit search: 38 users, CPU per replica
// 0.05–0.8 by 0.05, one and two replicas. On limitsRuntime the answer is
// 0.4 CPU for one replica (38 connections) and 0.2 CPU for two (19 each).
func limitsExperiment(t *testing.T, hold string) Experiment {
	t.Helper()
	return limitsExperimentOf(t, hold, "{min: 0.05, max: 0.8, resolution: 0.05}", "128m", "[1, 2]")
}

// limitsExperimentOf is limitsExperiment searching the CPU range cpus and
// memory (YAML) on the replica counts replicas.
func limitsExperimentOf(t *testing.T, hold, cpus, memory, replicas string) Experiment {
	t.Helper()
	e, err := Parse("search.yaml", []byte(`name: search
search:
  cpus: `+cpus+`
  memory: `+memory+`
  replicas: `+replicas+`
target_users: 38
warmup: 300ms
slo: p95<100ms,error_rate<1%
scenario:
  model: users
  ramp: {hold: `+hold+`, settle: 200ms}
  think: {min: 20ms, max: 40ms}
  spawn_rate: 500
`))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// trialsOf retraces a limit search's trials from its records: one trial
// per configuration name, in order of appearance, judged by search.TrialOf.
func trialsOf(t *testing.T, recs []record.Record, target float64, verdict string) []search.Trial {
	t.Helper()
	s, err := slo.Parse(verdict)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	by := map[string][]record.Record{}
	for _, r := range recs {
		if by[r.Config.Name] == nil {
			order = append(order, r.Config.Name)
		}
		by[r.Config.Name] = append(by[r.Config.Name], r)
	}
	var out []search.Trial
	for _, n := range order {
		out = append(out, search.TrialOf(by[n], target, s))
	}
	return out
}

// TestLimitSearchFindsMinimalCPU runs a real limit search against
// loopback servers of known capacity: it finds the smallest CPU per
// replica count exactly (the grid value, with the one below failing),
// and steps.jsonl holds every trial with its real limits and its search
// marks.
func TestLimitSearchFindsMinimalCPU(t *testing.T) {
	rt := &limitsRuntime{}
	e := limitsExperiment(t, "1s")
	dir := t.TempDir()
	log := &apitest.SyncBuffer{}
	r := &Runner{Runtime: rt, Dir: dir, RunID: "search1", Log: log, Seed: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := r.Run(ctx, e)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	recs, err := record.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Trials == 0 || res.Steps != len(recs) || len(res.Failed) != 0 {
		t.Fatalf("result %+v with %d records\n%s", res, len(recs), log.String())
	}
	if rt.live.Load() != 0 {
		t.Errorf("%d deployments left running", rt.live.Load())
	}
	names := map[string]bool{}
	confirmed := map[int]bool{} // replica counts with a confirmation trial
	for _, rec := range recs {
		names[rec.Config.Name] = true
		if rec.Search != nil && rec.Search.Trial == search.TrialConfirm {
			confirmed[rec.Config.Replicas] = true
		}
		if rec.Search == nil || rec.Search.Trial == "" || rec.Search.Probe < 1 {
			t.Errorf("record of %s step %d without its trial: %+v", rec.Config.Name, rec.Step, rec.Search)
		}
		if rec.Config.CPUs <= 0 || rec.Config.MemoryBytes != 128<<20 || rec.Config.Runtime != "limits" || !strings.HasPrefix(rec.Config.Name, rec.Config.AutoName()) {
			t.Errorf("record without its real limits: %+v", rec.Config)
		}
	}
	// Every trial, a confirmation measuring a configuration again
	// included, is a configuration of its own name.
	if len(names) != res.Trials || len(rt.deployed) != res.Trials {
		t.Errorf("%d trials, %d configurations in steps.jsonl, %d deployed", res.Trials, len(names), len(rt.deployed))
	}
	if !confirmed[1] || !confirmed[2] || !strings.Contains(log.String(), " (1 replica, confirm): ") {
		t.Errorf("confirmation trials of 1 and 2 replicas: %v; log:\n%s", confirmed, log.String())
	}
	results := search.Results(*e.Search, trialsOf(t, recs, 38, e.SLO))
	want := map[int]float64{1: 0.4, 2: 0.2}
	if len(results) != 2 {
		t.Fatalf("results = %+v", results)
	}
	for _, got := range results {
		if !got.Complete || got.Minimal == nil {
			t.Errorf("%d replicas: no answer: %+v\n%s", got.Replicas, got, log.String())
			continue
		}
		// limitsRuntime's capacity is exact: the answer is the grid value
		// itself, and the value below it failed.
		if math.Abs(got.Minimal.CPUs-want[got.Replicas]) > 1e-9 || math.Abs(got.FailBelow-(want[got.Replicas]-0.05)) > 1e-9 {
			t.Errorf("%d replicas: minimal %v CPU failing below at %v, want %v failing at %v\n%s",
				got.Replicas, got.Minimal.CPUs, got.FailBelow, want[got.Replicas], want[got.Replicas]-0.05, log.String())
		}
		// Bisection, not a walk over the 16 values of the grid.
		if got.Trials > 10 {
			t.Errorf("%d replicas: %d trials for a grid of 16 values", got.Replicas, got.Trials)
		}
	}
	if !strings.Contains(log.String(), "trial 1 (1 replica): ") || !strings.Contains(log.String(), "trial 1 (2 replicas): ") {
		t.Errorf("log lacks the trial lines:\n%s", log.String())
	}
	t.Logf("%d trials, %d steps:\n%s", res.Trials, res.Steps, log.String())
}

// TestLimitSearchCapacityWhenNothingServes: when even the largest limits
// cannot serve the target, the search measures their capacity (a
// capacity search up to the target, for the projection): on
// limitsRuntime 0.3 CPU serves 30 users, found within its 10 %
// resolution, its probes marked as the capacity trial's.
func TestLimitSearchCapacityWhenNothingServes(t *testing.T) {
	rt := &limitsRuntime{}
	e := limitsExperimentOf(t, "1s", "{min: 0.05, max: 0.3, resolution: 0.05}", "128m", "[1]")
	dir := t.TempDir()
	log := &apitest.SyncBuffer{}
	r := &Runner{Runtime: rt, Dir: dir, RunID: "search4", Log: log, Seed: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := r.Run(ctx, e)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	recs, err := record.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	probes := 0
	for _, rec := range recs {
		if rec.Search != nil && rec.Search.Trial == search.TrialCapacity {
			probes++
			if rec.Search.Kind != record.SearchCapacity || rec.Config.CPUs != 0.3 {
				t.Errorf("capacity probe: search %+v at %v CPU", rec.Search, rec.Config.CPUs)
			}
		}
	}
	rs := search.Results(*e.Search, trialsOf(t, recs, 38, e.SLO))
	if len(rs) != 1 || rs[0].Minimal != nil || !rs[0].Complete || probes == 0 {
		t.Fatalf("results %+v with %d capacity probes; want no minimal configuration and a measured capacity\n%s", rs, probes, log.String())
	}
	if c := rs[0].Capacity; c < 27 || c > 33 {
		t.Errorf("capacity at 0.3 CPU = %v users, want 30 within 10 %%\n%s", c, log.String())
	}
	t.Logf("%d trials, %d steps:\n%s", res.Trials, res.Steps, log.String())
}

// TestLimitSearchMemoryRange: with memory as a range, the search tries
// the smallest memory on its doubling grid that holds the peak use at the
// largest memory under 90 %: limitsRuntime's replicas use 20 MiB, so 32
// MiB (62 %) is the answer at the minimal CPU, deployed with that limit.
func TestLimitSearchMemoryRange(t *testing.T) {
	rt := &limitsRuntime{}
	e := limitsExperimentOf(t, "1s", "{min: 0.4, max: 0.4, resolution: 0.05}", "{min: 16m, max: 128m}", "[1]")
	dir := t.TempDir()
	log := &apitest.SyncBuffer{}
	r := &Runner{Runtime: rt, Dir: dir, RunID: "search5", Log: log, Seed: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := r.Run(ctx, e); err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	recs, err := record.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	memoryTrial := false
	for _, rec := range recs {
		if rec.Search != nil && rec.Search.Trial == search.TrialMemory {
			memoryTrial = true
			if rec.Config.MemoryBytes >= 128<<20 {
				t.Errorf("memory trial at the largest memory: %+v", rec.Config)
			}
		}
	}
	rs := search.Results(*e.Search, trialsOf(t, recs, 38, e.SLO))
	if len(rs) != 1 || rs[0].Minimal == nil || !memoryTrial {
		t.Fatalf("results %+v, memory trial %v\n%s", rs, memoryTrial, log.String())
	}
	if m := rs[0].Minimal; m.CPUs != 0.4 || m.MemoryBytes != 32<<20 {
		t.Errorf("minimal %s, want 1 replica × 0.4 CPU × 32 MiB\n%s", m.Describe(), log.String())
	}
}

// TestLimitSearchFailedDeploysAreFailedTrials: a configuration that cannot
// be deployed fails its trial (its failure record is the trial's, marked),
// and the search goes on to its end.
func TestLimitSearchFailedDeploysAreFailedTrials(t *testing.T) {
	rt := &limitsRuntime{failAll: true}
	e := limitsExperiment(t, "1s")
	dir := t.TempDir()
	log := &apitest.SyncBuffer{}
	r := &Runner{Runtime: rt, Dir: dir, RunID: "search2", Log: log, Seed: 1}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := r.Run(ctx, e)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	recs, err := record.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Trials == 0 || len(res.Failed) != res.Trials || len(recs) != res.Trials {
		t.Fatalf("result %+v, %d records; want one failure record per trial\n%s", res, len(recs), log.String())
	}
	for _, rec := range recs {
		if rec.Failure == "" || rec.Search == nil || rec.Search.Kind != record.SearchLimits || rec.Search.Verdict != record.VerdictFail || rec.Search.Trial == "" {
			t.Errorf("failure record not marked as a failed trial: %q %+v", rec.Failure, rec.Search)
		}
	}
	for _, got := range search.Results(*e.Search, trialsOf(t, recs, 38, e.SLO)) {
		if got.Minimal != nil || !got.Complete {
			t.Errorf("%d replicas: %+v; want a finished search with no answer", got.Replicas, got)
		}
	}
	if !strings.Contains(log.String(), "→ fail") {
		t.Errorf("log lacks the failed trials:\n%s", log.String())
	}
	// A failed trial is named as a trial of its replica count, not as
	// configuration n of n.
	failed := regexp.MustCompile(`(?m)^trial 1 \(2 replicas\) cpu\S+-x2 FAILED \(deploy\): `)
	if !failed.MatchString(log.String()) || regexp.MustCompile(`config \d+/\d+`).MatchString(log.String()) {
		t.Errorf("log does not name the failed trials as trials of their replica count:\n%s", log.String())
	}
}

// TestLimitSearchCancelKeepsTrials: Ctrl-C in the middle of a search stops
// it, tears the deployment down and keeps every record of every trial.
func TestLimitSearchCancelKeepsTrials(t *testing.T) {
	rt := &limitsRuntime{}
	e := limitsExperiment(t, "1s")
	dir := t.TempDir()
	log := &apitest.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	second := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var where []string // progress of the trials, as shown
	r := &Runner{Runtime: rt, Dir: dir, RunID: "search3", Log: log, Seed: 1, Progress: func(p RunProgress) {
		mu.Lock()
		where = append(where, p.Where())
		mu.Unlock()
		if p.Config >= 2 && p.Step.Elapsed > 300*time.Millisecond {
			once.Do(func() { close(second) })
		}
	}}
	var res Result
	var err error
	done := make(chan struct{})
	go func() {
		res, err = r.Run(ctx, e)
		close(done)
	}()
	select {
	case <-second: // inside the second trial
	case <-done:
		t.Fatalf("search ended before its second trial: %+v, %v\n%s", res, err, log.String())
	case <-time.After(time.Minute):
		t.Fatalf("no second trial within a minute\n%s", log.String())
	}
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("search did not stop after cancel")
	}
	if !errors.Is(err, context.Canceled) || !res.Interrupted {
		t.Fatalf("err = %v, res = %+v; want interrupted", err, res)
	}
	recs, rerr := record.ReadFile(dir)
	if rerr != nil {
		t.Fatal(rerr)
	}
	names := map[string]bool{}
	for _, rec := range recs {
		names[rec.Config.Name] = true
		if rec.Search == nil || rec.Search.Trial == "" {
			t.Errorf("record without its trial: %+v", rec)
		}
	}
	if len(recs) != res.Steps || len(names) != 2 || res.Trials != 1 {
		t.Errorf("%d records of %d trials (%d judged), %d steps counted; want every record of both trials\n%s",
			len(recs), len(names), res.Trials, res.Steps, log.String())
	}
	if last := recs[len(recs)-1]; !last.Partial || last.StopReason == "" {
		t.Errorf("last record not the interrupted step: %+v", last)
	}
	if rt.live.Load() != 0 {
		t.Errorf("deployment left running after cancel")
	}
	// The progress names each trial within its replica count (the
	// search's length is not known): trial 1, then trial 2, of 1 replica.
	mu.Lock()
	defer mu.Unlock()
	if len(where) == 0 {
		t.Fatal("no progress")
	}
	if where[0] != "trial 1 (1 replica) "+recs[0].Config.Name || !strings.HasPrefix(where[len(where)-1], "trial 2 (1 replica") {
		t.Errorf("progress named %q … %q; want trial 1 (1 replica) %s … trial 2", where[0], where[len(where)-1], recs[0].Config.Name)
	}
}
