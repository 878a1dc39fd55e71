package experiments

import (
	"reflect"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/rundir"
	"github.com/loadlab/loadlab/search"
)

// TestLimitSearchFileErrors: a search: that conflicts with configs or
// matrix, lacks target_users, repeats, targets running URLs or has bad
// limits is refused with the file, the line and the field, before
// anything is deployed.
func TestLimitSearchFileErrors(t *testing.T) {
	scenario := "scenario:\n  model: users\n  ramp: {hold: 1s}\n"
	tests := []struct {
		name, text string
		want       []string
	}{
		{"configs and repeat", `name: s
search:
  cpus: {min: 0.05, max: 1, resolution: 0.05}
  memory: 128m
configs:
  - {cpus: 1}
repeat: 2
target_users: 40
` + scenario, []string{
			"s.yaml:2: search: replaces configs and matrix: remove them or remove search",
			"s.yaml:7: repeat: must be 1 with search (got 2)",
		}},
		{"matrix", `name: s
target_users: 40
matrix:
  cpus: [0.5, 1]
search:
  cpus: {min: 0.05, max: 1}
  memory: 128m
` + scenario, []string{"s.yaml:5: search: replaces configs and matrix: remove them or remove search"}},
		{"no target_users", `name: s
search:
  cpus: {min: 0.05, max: 1}
  memory: 128m
` + scenario, []string{"s.yaml:1: target_users: required with search"}},
		{"running URLs", `name: s
target: {urls: ["http://127.0.0.1:9"]}
target_users: 40
search:
  cpus: {min: 0.05, max: 1}
  memory: 128m
` + scenario, []string{"s.yaml:4: search: target.urls runs APIs that are already running"}},
		{"bad cpu range", `name: s
target_users: 40
search:
  cpus: {min: 2, max: 1, resolution: 0.05}
  memory: 128m
` + scenario, []string{"s.yaml:4: search.cpus"}},
		{"cpus above the bound", `name: s
target_users: 40
search:
  cpus: {min: 1, max: 5000, resolution: 1000}
  memory: 128m
` + scenario, []string{"s.yaml:4: search.cpus.max: must be at most 1024 cores"}},
		{"memory below Docker's minimum", `name: s
target_users: 40
search:
  cpus: {min: 0.05, max: 1}
  memory: 1m
` + scenario, []string{"s.yaml:5: search.memory"}},
		{"too many replicas", `name: s
target_users: 40
search:
  cpus: {min: 0.05, max: 1}
  memory: 128m
  replicas: [1, 65]
` + scenario, []string{"s.yaml:6: search.replicas[1]: must be from 1 to 64 (got 65)"}},
		{"ramp levels", `name: s
target_users: 40
search:
  cpus: {min: 0.05, max: 1}
  memory: 128m
scenario:
  model: users
  ramp: {from: 10, to: 40, by: 10, hold: 1s}
`, []string{"s.yaml:8: scenario.ramp: a limit search plans each trial's steps itself"}},
		{"unknown field", `name: s
target_users: 40
search:
  cpu: {min: 0.05, max: 1}
  memory: 128m
` + scenario, []string{"s.yaml:4: search.cpu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tt.text))
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.text)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestLimitSearchResolvedRoundTrips: the built-in workshop-search loads
// by name, plans no configurations (plan.json says search), and its
// resolved experiment.yaml decodes to the same search.
func TestLimitSearchResolvedRoundTrips(t *testing.T) {
	e, err := Load("workshop-search")
	if err != nil {
		t.Fatal(err)
	}
	if e.Search == nil || e.TargetUsers != 10000 || len(e.Expand()) != 0 {
		t.Fatalf("workshop-search: search %+v, target %d, configs %v", e.Search, e.TargetUsers, e.Expand())
	}
	want := search.Limits{
		CPUs:     search.CPURange{Min: 0.05, Max: 2, Resolution: 0.05},
		Memory:   search.MemoryRange{Min: 512 << 20, Max: 512 << 20},
		Replicas: []int{1, 2},
		Strategy: search.StrategyBisect,
	}
	if !reflect.DeepEqual(*e.Search, want) {
		t.Errorf("search = %+v, want %+v", *e.Search, want)
	}
	if p := e.Plan("docker", false); !p.Search || len(p.Configs) != 0 || len(p.Steps) != 0 || p.Repeat != 1 {
		t.Errorf("plan = %+v; want a search plan without configurations or steps", p)
	}
	y, err := e.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("resolved.yaml", y)
	if err != nil {
		t.Fatalf("resolved experiment does not load: %v\n%s", err, y)
	}
	if !reflect.DeepEqual(back.Search, e.Search) {
		t.Errorf("round trip: %+v, want %+v\n%s", back.Search, e.Search, y)
	}
	dir, err := Prepare(t.TempDir(), "run1", e, rundir.Environment{Runtime: "limits"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := record.ReadPlan(dir)
	if err != nil || p == nil || !p.Search || len(p.Configs) != 0 {
		t.Fatalf("plan.json = %+v, %v", p, err)
	}
}
