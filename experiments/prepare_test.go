package experiments

import (
	"testing"

	"github.com/loadlab/loadlab/rundir"
)

// TestPrepareWritesWhatReportsRead: the experiment.yaml and
// environment.json that Prepare writes are what reports and gates read
// through package rundir (name, SLO, gates, target load), so that the
// writer's YAML keys and the reader's cannot drift apart.
func TestPrepareWritesWhatReportsRead(t *testing.T) {
	e, err := Parse("prep.yaml", []byte(`name: prep
configs: [{name: a, cpus: 1, memory: 1t}]
scenario:
  model: rate
  ramp: {steps: [5, 10], hold: 1s}
slo: p95<500ms
gates: p99<2s,error_rate<1%
target_users: 7
`))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := Prepare(t.TempDir(), "20261130T000000Z-prep", e, rundir.Environment{Runtime: "docker"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := rundir.ReadExperiment(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "prep" || got.SLO.String() != "p95<500ms" || got.Gates != "p99<2s,error_rate<1%" || got.TargetLoad != 7 || got.Thresholds() != got.Gates {
		t.Errorf("read back %+v (thresholds %q)", got, got.Thresholds())
	}
	env, err := rundir.ReadEnvironment(dir)
	if err != nil || env["experiment"] != "prep" || env["experiment_file"] != "prep.yaml" || env["runtime"] != "docker" {
		t.Errorf("environment %v, %v", env, err)
	}
	back, err := Parse("again.yaml", got.Text)
	if err != nil || back.Configs[0].MemoryBytes != 1<<40 {
		t.Errorf("resolved experiment does not parse back with its 1t of memory: %v", err)
	}
}
