package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/rundir"
)

func TestLoadDir(t *testing.T) {
	in := fixture(t, "workshop")
	if len(in.Records) != 86 || in.SLO.String() != "p95<1s,error_rate<1%" || in.TargetLoad != 10000 || in.Title != "workshop" {
		t.Errorf("workshop: %d records, slo %q, target %d, title %q", len(in.Records), in.SLO, in.TargetLoad, in.Title)
	}
	if in.Environment["docker_version"] != "20.10.24" || !strings.Contains(string(in.Experiment), "configs:") {
		t.Errorf("environment %v / experiment %q not carried through", in.Environment, in.Experiment)
	}
	tuned := fixture(t, "workshop-tuned")
	if tuned.SLO.String() != "p95<1s,error_rate<1%" || tuned.TargetLoad != 10000 {
		t.Errorf("map-form slo decoded as %q, target %d", tuned.SLO, tuned.TargetLoad)
	}
}

func TestLoadDirErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "steps.jsonl does not exist") {
		t.Errorf("missing steps: %v", err)
	}
	steps := filepath.Join(dir, record.FileName)
	if err := os.WriteFile(steps, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "no steps recorded yet") {
		t.Errorf("empty steps: %v", err)
	}
	w, err := record.Create(steps)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(record.Record{Config: record.Config{Name: "a"}, Load: record.Load{Model: "users", Users: 10}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.ExperimentFile), []byte("slo: p95<<1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), rundir.ExperimentFile) {
		t.Errorf("bad slo: error %v, want it to name %s", err, rundir.ExperimentFile)
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.ExperimentFile), []byte("slo: p95<1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.EnvironmentFile), []byte("[1, 2]"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), rundir.EnvironmentFile) || !strings.Contains(err.Error(), "JSON object") {
		t.Errorf("bad environment: %v", err)
	}
}
