package rundir

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/search"
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

// TestParseExperimentSearch: the search: key is read leniently: a fixed
// or ranged memory, replicas and strategy as written; a malformed one is
// no error (an old run still reads) but is nil with the reason.
func TestParseExperimentSearch(t *testing.T) {
	tests := []struct {
		yaml    string
		want    *search.Limits
		problem string
	}{
		{"target_users: 10000\nsearch:\n  cpus: {min: 0.05, max: 2, resolution: 0.05}\n  memory: 512m\n  replicas: [1, 2]\n",
			&search.Limits{CPUs: search.CPURange{Min: 0.05, Max: 2, Resolution: 0.05}, Memory: search.MemoryRange{Min: 512 << 20, Max: 512 << 20}, Replicas: []int{1, 2}}, ""},
		{"search: {cpus: {min: 0.1, max: 1}, memory: {min: 64m, max: 2g}, strategy: grid, future: 1}\n",
			&search.Limits{CPUs: search.CPURange{Min: 0.1, Max: 1}, Memory: search.MemoryRange{Min: 64 << 20, Max: 2 << 30}, Strategy: "grid"}, ""},
		{"search: {cpus: {min: 0.1, max: 1}, memory: {min: 536870912, max: 536870912}}\n",
			&search.Limits{CPUs: search.CPURange{Min: 0.1, Max: 1}, Memory: search.MemoryRange{Min: 512 << 20, Max: 512 << 20}}, ""},
		{"slo: p95<1s\n", nil, ""},
		{"search: yes\n", nil, "want a map"},
		{"search: {cpus: {min: 0.1, max: 1}, memory: lots}\n", nil, "memory"},
		{"search: {cpus: fast}\n", nil, "search:"},
		{"search: {memory: 512m}\n", nil, "cpus"},
	}
	for _, tc := range tests {
		e, err := ParseExperiment([]byte(tc.yaml))
		if err != nil {
			t.Errorf("%q: %v, want no error", tc.yaml, err)
			continue
		}
		if !reflect.DeepEqual(e.Search, tc.want) {
			t.Errorf("%q: search %+v, want %+v", tc.yaml, e.Search, tc.want)
		}
		if (tc.problem == "") != (e.SearchProblem == "") || !strings.Contains(e.SearchProblem, tc.problem) {
			t.Errorf("%q: problem %q, want one containing %q", tc.yaml, e.SearchProblem, tc.problem)
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
	if info, _ := os.ReadFile("/proc/cpuinfo"); strings.Contains(string(info), "model name") && (env.CPUModel == "" || got["cpu_model"] != env.CPUModel) {
		t.Errorf("cpu_model %q (read back %v): /proc/cpuinfo names a model", env.CPUModel, got["cpu_model"])
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
