package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// TestGateRefusesIncompleteRuns: a results folder made of real records
// with (a) a partial step, (b) a planned configuration never measured,
// (c) the last line of steps.jsonl cut mid-line: `gate` exits 3 at every
// point, and gate.junit.xml and report.md name why.
func TestGateRefusesIncompleteRuns(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	plan := func(names ...string) func(string) { return planned(t, nil, names...) }
	for _, c := range []struct {
		name   string
		mutate func([]record.Record)
		folder func(dir string)
		why    string
	}{
		{"partial step", func(r []record.Record) { r[3].Partial, r[3].StopReason, r[3].WindowS = true, "interrupted", 1.1 }, plan("a", "b"),
			"b: the step at 200 users was cut short after 1.1 s (interrupted)"},
		{"planned configuration never measured", nil, plan("a", "b", "c"), "c was planned but not run"},
		{"killed between steps", nil, planned(t, []float64{100, 200, 300}, "a", "b"),
			"a: measured steps 1–2 of 3 (up to 200 users) and no stop reason: the run ended without finishing this ramp"},
		{"last line cut mid-line", nil, func(dir string) {
			plan("a", "b")(dir)
			path := filepath.Join(dir, record.FileName)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cut := b[:len(b)-40] // b's step at 200 users loses its end
			if err := os.WriteFile(path, cut, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "steps.jsonl line 4 was cut mid-write"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeRun(t, 45, c.mutate)
			c.folder(dir)
			for _, at := range [][]string{nil, {"--at-users", "100"}, {"--at", "capacity"}} {
				if code := run(append([]string{"gate", dir}, at...)); code != 3 {
					t.Errorf("gate %v: exit %d, want 3", at, code)
				}
				junit, err := os.ReadFile(filepath.Join(dir, "gate.junit.xml"))
				if err != nil || !strings.Contains(string(junit), "incomplete run: ") || !strings.Contains(string(junit), c.why) {
					t.Errorf("gate %v: gate.junit.xml does not say %q (%v):\n%s", at, c.why, err, junit)
				}
			}
			if code := run([]string{"baseline", "save", dir, filepath.Join(t.TempDir(), "b.json")}); code != 3 {
				t.Errorf("baseline save of an incomplete run: exit %d, want 3", code)
			}
			if code := run([]string{"report", dir}); code != 0 {
				t.Fatalf("report: exit %d", code)
			}
			md, err := os.ReadFile(filepath.Join(dir, "report.md"))
			if err != nil {
				t.Fatal(err)
			}
			top := strings.SplitN(string(md), "\n", 4)[2]
			if !strings.HasPrefix(top, "> **Incomplete run:**") || !strings.Contains(top, c.why) {
				t.Errorf("report.md does not open with the reason %q:\n%s", c.why, top)
			}
		})
	}
}

// planned writes a plan.json of one repeat of names, with the ramp's
// steps (users) when given.
func planned(t *testing.T, steps []float64, names ...string) func(string) {
	return func(dir string) {
		p := record.Plan{Repeat: 1, Steps: steps}
		if steps != nil {
			p.Model = record.ModelUsers
		}
		for _, n := range names {
			p.Configs = append(p.Configs, record.Config{Name: n, Replicas: 1, Runtime: "docker"})
		}
		if err := record.WritePlan(dir, p); err != nil {
			t.Fatal(err)
		}
	}
}
