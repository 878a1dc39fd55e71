package record

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPlanRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if p, err := ReadPlan(dir); err != nil || p != nil {
		t.Fatalf("no plan file: %v, %v; want nil, nil", p, err)
	}
	p := Plan{Repeat: 2, Configs: []Config{{Name: "a", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 1}, {Name: "b", Replicas: 2}},
		Model: ModelRate, Steps: []float64{5, 12.5, 20}}
	if err := WritePlan(dir, p); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlan(filepath.Join(dir, PlanFile))
	if err != nil || !reflect.DeepEqual(*got, p) {
		t.Errorf("read back %+v, %v; want %+v", got, err, p)
	}
	got, err = ReadPlan(dir)
	if err != nil || got == nil {
		t.Errorf("a results folder: %v, %v", got, err)
	}
}

func TestIncomplete(t *testing.T) {
	step := func(cfg string, rep, users int, partial bool) Record {
		return Record{Config: Config{Name: cfg}, Repeat: rep, Step: users/10 - 1, Load: Load{Model: ModelUsers, Users: users},
			WindowS: 4, Partial: partial, StopReason: map[bool]string{true: "interrupted"}[partial]}
	}
	plan := &Plan{Repeat: 1, Configs: []Config{{Name: "one"}, {Name: "two"}, {Name: "three"}}}
	// ramp plans 10→50 users by 10 (steps 0–4) for each named configuration.
	ramp := func(repeat int, names ...string) *Plan {
		p := &Plan{Repeat: repeat, Model: ModelUsers, Steps: []float64{10, 20, 30, 40, 50}}
		for _, n := range names {
			p.Configs = append(p.Configs, Config{Name: n})
		}
		return p
	}
	stopped := func(r Record, why string) Record { r.StopReason = why; return r }
	for _, c := range []struct {
		name string
		recs []Record
		plan *Plan
		torn *TornLine
		want []string
	}{
		{"complete", []Record{step("one", 0, 10, false), step("two", 0, 10, false), step("three", 0, 10, false)}, plan, nil, nil},
		{"no plan, complete", []Record{step("one", 0, 10, false)}, nil, nil, nil},
		{"failed configuration counts as run", []Record{step("one", 0, 10, false), step("two", 0, 10, false),
			{Config: Config{Name: "three"}, Step: -1, Failure: "deploy: no"}}, plan, nil, nil},
		{"partial step", []Record{step("one", 0, 10, false), step("one", 0, 20, true)}, nil, nil,
			[]string{"one: the step at 20 users was cut short after 4 s (interrupted)"}},
		{"interrupted in the first configuration", []Record{step("one", 0, 10, false), step("one", 0, 20, true)}, plan, nil,
			[]string{"one: the step at 20 users was cut short after 4 s (interrupted)", "two was planned but not run", "three was planned but not run"}},
		{"a repeat not run", []Record{step("a", 0, 10, false)}, &Plan{Repeat: 2, Configs: []Config{{Name: "a"}}}, nil,
			[]string{"a: repeat 2 of 2 was planned but not run"}},
		{"killed between steps", []Record{step("one", 0, 10, false), step("one", 0, 20, false)}, ramp(1, "one"), nil,
			[]string{"one: measured steps 1–2 of 5 (up to 20 users) and no stop reason: the run ended without finishing this ramp"}},
		{"killed between steps of a later repeat", []Record{step("a", 0, 10, false), step("a", 0, 50, false), step("a", 1, 10, false),
			step("a", 1, 20, false), step("a", 1, 30, false)}, ramp(2, "a"), nil,
			[]string{"a repeat 2 of 2: measured steps 1–3 of 5 (up to 30 users) and no stop reason: the run ended without finishing this ramp"}},
		{"stopped early with a reason", []Record{step("one", 0, 10, false), stopped(step("one", 0, 20, false), "slo breached: p95 2s breaches p95<1s")},
			ramp(1, "one"), nil, nil},
		{"interrupted mid-step is said once", []Record{step("one", 0, 10, false), step("one", 0, 20, true)}, ramp(1, "one"), nil,
			[]string{"one: the step at 20 users was cut short after 4 s (interrupted)"}},
		{"finished ramp", []Record{step("one", 0, 10, false), step("one", 0, 20, false), step("one", 0, 30, false),
			step("one", 0, 40, false), step("one", 0, 50, false)}, ramp(1, "one"), nil, nil},
		{"a plan without steps (older runs) skips the check", []Record{step("one", 0, 10, false)},
			&Plan{Repeat: 1, Configs: []Config{{Name: "one"}}}, nil, nil},
		{"torn last line", []Record{step("one", 0, 10, false)}, nil, &TornLine{Path: "steps.jsonl", Line: 2, Bytes: 17},
			[]string{"steps.jsonl line 2 was cut mid-write (17 bytes, not valid JSON): the step it held is lost"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Incomplete(c.recs, c.plan, c.torn)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

// TestReadPlanWithoutSteps: a plan.json written before plans had steps
// still reads, with no steps (the unfinished-ramp check is skipped).
func TestReadPlanWithoutSteps(t *testing.T) {
	dir := t.TempDir()
	old := `{"configs": [{"name": "a", "cpus": 1, "memory_bytes": 0, "replicas": 1, "runtime": "docker"}], "repeat": 1}`
	if err := os.WriteFile(filepath.Join(dir, PlanFile), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := ReadPlan(dir)
	if err != nil || p == nil || len(p.Configs) != 1 || p.Steps != nil {
		t.Fatalf("old plan.json: %+v, %v", p, err)
	}
}

func TestNotRun(t *testing.T) {
	plan := &Plan{Repeat: 2, Configs: []Config{{Name: "one"}, {Name: "two"}, {Name: "three"}}}
	recs := []Record{{Config: Config{Name: "two"}, Step: 0}, {Config: Config{Name: "three"}, Step: -1, Failure: "deploy: no"}}
	var got []string
	for _, c := range NotRun(recs, plan) {
		got = append(got, c.Name)
	}
	if strings.Join(got, ",") != "one" {
		t.Errorf("NotRun = %v, want [one] (a failure record counts as reached)", got)
	}
	if NotRun(recs, nil) != nil {
		t.Error("NotRun without a plan: want nil")
	}
}
