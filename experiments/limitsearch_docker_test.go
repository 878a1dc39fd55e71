package experiments

// A tiny limit search against the reference API in real Docker containers
// (skipped when no daemon answers, except with CI=true where that fails):
// each trial is a container under the trial's real CPU limit, every trial
// is recorded with its limits and search marks, the search ends with an
// answer consistent with its own trials, and nothing labelled with the
// run is left in Docker.

import (
	"testing"

	"github.com/loadlab/loadlab/search"
)

func TestLimitSearchDockerReference(t *testing.T) {
	res, err, recs, log := faultRun(t, `name: search-docker
search:
  cpus: {min: 0.05, max: 0.2, resolution: 0.05}
  memory: 128m
  replicas: [1]
target_users: 50
slo: p95<100ms,error_rate<1%
scenario:
  model: users
  ramp: {hold: 2s, settle: 500ms}
  think: {min: 10ms, max: 50ms}
  spawn_rate: 500
`, nil)
	if err != nil || res.Trials == 0 || res.Steps != len(recs) || len(res.Failed) > 0 {
		t.Fatalf("run = %+v, %v, %d records\n%s", res, err, len(recs), log)
	}
	grid := map[float64]bool{0.05: true, 0.1: true, 0.15: true, 0.2: true}
	for _, r := range recs {
		if r.Search == nil || r.Search.Trial == "" || r.Config.Runtime != "docker" || r.Config.MemoryBytes != 128<<20 {
			t.Errorf("%s step %d: search %+v, config %+v; want a marked trial step with its real limits", r.Config.Name, r.Step, r.Search, r.Config)
		}
		if r.Search != nil && r.Search.Trial != search.TrialCapacity && !grid[r.Config.CPUs] {
			t.Errorf("%s: %v CPU is not on the grid 0.05–0.2 by 0.05", r.Config.Name, r.Config.CPUs)
		}
		if r.Failure == "" && (r.Requests == 0 || r.Target == nil) {
			t.Errorf("%s step %d not measured: %d requests, target %v", r.Config.Name, r.Step, r.Requests, r.Target != nil)
		}
	}
	e, perr := Parse("faults.yaml", []byte("name: x\nsearch: {cpus: {min: 0.05, max: 0.2, resolution: 0.05}, memory: 128m}\ntarget_users: 50\nscenario: {model: users, ramp: {hold: 2s}}\n"))
	if perr != nil {
		t.Fatal(perr)
	}
	rs := search.Results(*e.Search, trialsOf(t, recs, 50, "p95<100ms,error_rate<1%"))
	if len(rs) != 1 || !rs[0].Complete {
		t.Fatalf("results = %+v\n%s", rs, log)
	}
	if m := rs[0].Minimal; m != nil && rs[0].FailBelow >= m.CPUs {
		t.Errorf("minimal %v CPU but %v CPU below it failed: %+v", m.CPUs, rs[0].FailBelow, rs[0])
	}
	minimal := "none"
	if m := rs[0].Minimal; m != nil {
		minimal = m.Describe()
	}
	t.Logf("minimal: %s (fails below: %v CPU) in %d trials\n%s", minimal, rs[0].FailBelow, res.Trials, log)
}
