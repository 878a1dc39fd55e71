package rundir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseExperiment(t *testing.T) {
	tests := []struct {
		yaml       string
		slo, gates string
		target     int
		thresholds string
		wantErr    string
	}{
		{"name: x\nslo: p95<1s,error_rate<1%\ntarget_users: 500\n", "p95<1s,error_rate<1%", "", 500, "p95<1s,error_rate<1%", ""},
		{"slo: {p95: 1s, error_rate: 1%, p99: 2s, min_rps: 500}\n", "p95<1s,error_rate<1%,p99<2s,rps>=500", "", 0, "p95<1s,error_rate<1%,p99<2s,rps>=500", ""},
		{"slo:\n  p95: 250ms\n  error_rate: 0.5%\n", "p95<250ms,error_rate<0.5%", "", 0, "p95<250ms,error_rate<0.5%", ""},
		{"slo: p95<1s\ngates: p99<2s\n", "p95<1s", "p99<2s", 0, "p99<2s", ""},
		{"slo: p95<1s\ngates: [p99<2s]\n", "p95<1s", "", 0, "p95<1s", ""},
		{"configs: [{name: a}]\nunknown: {deep: [1, 2]}\n", "", "", 0, "", ""},
		{"slo: p95<fast\n", "", "", 0, "", `slo "p95<fast"`},
		{"slo: [p95]\n", "", "", 0, "", "want an expression"},
		{"target_users: -5\n", "", "", 0, "", "target_users -5"},
		{"slo: {p95: 1s\n", "", "", 0, "", "decode"},
	}
	for _, tc := range tests {
		e, err := ParseExperiment([]byte(tc.yaml))
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
		if e.SLO.String() != tc.slo || e.Gates != tc.gates || e.TargetLoad != tc.target || e.Thresholds() != tc.thresholds || string(e.Text) != tc.yaml {
			t.Errorf("%q: slo %q gates %q target %d thresholds %q, want %q %q %d %q", tc.yaml, e.SLO, e.Gates, e.TargetLoad, e.Thresholds(), tc.slo, tc.gates, tc.target, tc.thresholds)
		}
	}
}

// TestExperimentAndEnvironmentFiles: what WriteExperiment and
// WriteEnvironment write, ReadExperiment and ReadEnvironment read back;
// absent files are no error, broken ones are, naming the file.
func TestExperimentAndEnvironmentFiles(t *testing.T) {
	dir := t.TempDir()
	if e, err := ReadExperiment(dir); err != nil || e.Text != nil {
		t.Errorf("no experiment.yaml: %+v, %v", e, err)
	}
	if env, err := ReadEnvironment(dir); err != nil || env != nil {
		t.Errorf("no environment.json: %v, %v", env, err)
	}
	if err := WriteExperiment(dir, []byte("name: quick\nslo: p95<1s\ntarget_users: 30\n")); err != nil {
		t.Fatal(err)
	}
	env := HostEnvironment("v1.2.3")
	env.Runtime = "local"
	if err := WriteEnvironment(dir, env); err != nil {
		t.Fatal(err)
	}
	e, err := ReadExperiment(dir)
	if err != nil || e.Name != "quick" || e.SLO.String() != "p95<1s" || e.TargetLoad != 30 {
		t.Errorf("experiment read back as %+v, %v", e, err)
	}
	got, err := ReadEnvironment(dir)
	if err != nil || got["loadlab_version"] != "v1.2.3" || got["runtime"] != "local" || got["host_cpus"].(float64) < 1 {
		t.Errorf("environment read back as %v, %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, EnvironmentFile), []byte("[1]"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEnvironment(dir); err == nil || !strings.Contains(err.Error(), EnvironmentFile) || !strings.Contains(err.Error(), "JSON object") {
		t.Errorf("broken environment.json: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ExperimentFile), []byte("slo: p95<<1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadExperiment(dir); err == nil || !strings.Contains(err.Error(), ExperimentFile) {
		t.Errorf("broken experiment.yaml: %v", err)
	}
}
