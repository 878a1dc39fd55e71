package experiments

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/rundir"
	"github.com/loadlab/loadlab/scenarios"
)

func TestPrepareWritesThePlan(t *testing.T) {
	e := testExperiment(t, 100_000_000)
	e.Repeat = 2
	dir, err := Prepare(t.TempDir(), "20261130T000000Z-t", e, rundir.Environment{Runtime: "local", RuntimeApproximate: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := record.ReadPlan(dir)
	if err != nil || p == nil {
		t.Fatalf("plan.json: %v, %v", p, err)
	}
	if p.Repeat != 2 || len(p.Configs) != 3 {
		t.Fatalf("plan %+v: want 3 configurations × 2 repeats", p)
	}
	if c := p.Configs[2]; c.Name != "good2" || c.Replicas != 2 || c.CPUs != 1 || c.Runtime != "local" || !c.Approximate {
		t.Errorf("third planned configuration %+v", c)
	}
}

// TestPlanHasTheRampSteps: the plan stores the offered load of every step
// of the scenario's ramp, in order, and the load model; the warm-up is not
// a step.
func TestPlanHasTheRampSteps(t *testing.T) {
	e := testExperiment(t, 100_000_000)
	e.Warmup = time.Second
	if p := e.Plan("docker", false); p.Model != record.ModelUsers || !slices.Equal(p.Steps, []float64{2, 4}) {
		t.Errorf("users ramp: model %q, steps %v; want users, [2 4]", p.Model, p.Steps)
	}
	e.Scenario.Model = record.ModelRate
	e.Scenario.Ramp = scenarios.Ramp{From: 5, To: 20, By: 10, Hold: time.Second}
	if p := e.Plan("docker", false); p.Model != record.ModelRate || !slices.Equal(p.Steps, []float64{5, 15, 20}) {
		t.Errorf("rate ramp: model %q, steps %v; want rate, [5 15 20]", p.Model, p.Steps)
	}
}

// TestARunThatFinishedIsComplete runs a real (fake-runtime) experiment with
// stability extending its steps: the records' step indexes match the plan,
// so the finished run is complete; without its last record (the process
// killed between steps) it is not.
func TestARunThatFinishedIsComplete(t *testing.T) {
	e := testExperiment(t, 200*time.Millisecond)
	e.Scenario.Stability = scenarios.Stability{Enabled: true, Window: 100 * time.Millisecond, Windows: 2, Tolerance: 0.0001, MaxHold: 400 * time.Millisecond}
	dir, err := Prepare(t.TempDir(), "20261130T000000Z-c", e, rundir.Environment{Runtime: "fake"})
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Runtime: &fakeRuntime{failing: "broken"}, Dir: dir, RunID: "c", Log: io.Discard, Seed: 1}
	if _, err := r.Run(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	recs, err := record.ReadFile(filepath.Join(dir, record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := record.ReadPlan(dir)
	if err != nil || plan == nil {
		t.Fatalf("plan: %v, %v", plan, err)
	}
	extended := false
	for _, r := range recs {
		if r.Failure != "" && r.Config.Name != "broken" {
			t.Fatalf("%s failed: %s", r.Config.Name, r.Failure)
		}
		extended = extended || r.WindowS > 0.25
	}
	if !extended {
		t.Log("no step was extended for stability (the check still holds)")
	}
	if why := record.Incomplete(recs, plan, nil); len(why) > 0 {
		t.Fatalf("a finished run is incomplete: %q", why)
	}
	why := record.Incomplete(recs[:len(recs)-1], plan, nil)
	if len(why) != 1 || !strings.Contains(why[0], "good2: measured steps 1–1 of 2") {
		t.Errorf("killed before good2's last step: %q", why)
	}
}
