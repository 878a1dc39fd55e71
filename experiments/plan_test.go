package experiments

import (
	"testing"

	"github.com/loadlab/loadlab/record"
)

func TestPrepareWritesThePlan(t *testing.T) {
	e := testExperiment(t, 100_000_000)
	e.Repeat = 2
	dir, err := Prepare(t.TempDir(), "20261130T000000Z-t", e, Environment{Runtime: "local"})
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
