package record

import (
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
	p := Plan{Repeat: 2, Configs: []Config{{Name: "a", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 1}, {Name: "b", Replicas: 2}}}
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
		return Record{Config: Config{Name: cfg}, Repeat: rep, Step: users / 10, Load: Load{Model: ModelUsers, Users: users},
			WindowS: 4, Partial: partial, StopReason: map[bool]string{true: "interrupted"}[partial]}
	}
	plan := &Plan{Repeat: 1, Configs: []Config{{Name: "one"}, {Name: "two"}, {Name: "three"}}}
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
