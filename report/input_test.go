package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

func TestLoadDir(t *testing.T) {
	in := fixture(t, "workshop")
	if len(in.Records) != 86 || in.SLO.String() != "p95<1s,error_rate<1%" || in.TargetUsers != 10000 || in.Title != "workshop" {
		t.Errorf("workshop: %d records, slo %q, target %d, title %q", len(in.Records), in.SLO, in.TargetUsers, in.Title)
	}
	if in.Environment["docker_version"] != "20.10.24" || !strings.Contains(string(in.Experiment), "configs:") {
		t.Errorf("environment %v / experiment %q not carried through", in.Environment, in.Experiment)
	}
	tuned := fixture(t, "workshop-tuned")
	if tuned.SLO.String() != "p95<1s,error_rate<1%" || tuned.TargetUsers != 10000 {
		t.Errorf("map-form slo decoded as %q, target %d", tuned.SLO, tuned.TargetUsers)
	}
}

func TestDecodeExperimentKeys(t *testing.T) {
	tests := []struct {
		yaml    string
		slo     string
		target  int
		wantErr string
	}{
		{"name: x\nslo: p95<1s,error_rate<1%\ntarget_users: 500\n", "p95<1s,error_rate<1%", 500, ""},
		{"slo: {p95: 1s, error_rate: 1%, p99: 2s, min_rps: 500}\n", "p95<1s,error_rate<1%,p99<2s,rps>=500", 0, ""},
		{"slo:\n  p95: 250ms\n  error_rate: 0.5%\n", "p95<250ms,error_rate<0.5%", 0, ""},
		{"configs: [{name: a}]\nunknown: {deep: [1, 2]}\n", "", 0, ""},
		{"slo: p95<fast\n", "", 0, `slo "p95<fast"`},
		{"slo: [p95]\n", "", 0, "want an expression"},
		{"target_users: -5\n", "", 0, "target_users -5"},
		{"slo: {p95: 1s\n", "", 0, "decode"},
	}
	for _, tc := range tests {
		k, err := decodeExperimentKeys([]byte(tc.yaml))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want one containing %q", tc.yaml, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.yaml, err)
			continue
		}
		if k.slo.String() != tc.slo || k.targetUsers != tc.target {
			t.Errorf("%q: slo %q target %d, want %q %d", tc.yaml, k.slo, k.targetUsers, tc.slo, tc.target)
		}
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
	if err := os.WriteFile(filepath.Join(dir, ExperimentFile), []byte("slo: p95<<1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), ExperimentFile) {
		t.Errorf("bad slo: error %v, want it to name %s", err, ExperimentFile)
	}
	if err := os.WriteFile(filepath.Join(dir, ExperimentFile), []byte("slo: p95<1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, EnvironmentFile), []byte("[1, 2]"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), EnvironmentFile) || !strings.Contains(err.Error(), "JSON object") {
		t.Errorf("bad environment: %v", err)
	}
}
