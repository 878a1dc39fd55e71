package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGateOnARunWithoutSteps: a run interrupted during its first deploy
// leaves plan.json, experiment.yaml and an empty steps.jsonl (or one whose
// only line is torn): the run is incomplete, exit 3, saying what was
// planned and never measured. A results folder or steps file that does
// not exist is a usage error, exit 2.
func TestGateOnARunWithoutSteps(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	exp := "name: g\nslo: p95<500ms,error_rate<1%\ntarget_users: 200\n"
	folder := func(steps string, plan bool) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "experiment.yaml"), []byte(exp), 0o644); err != nil {
			t.Fatal(err)
		}
		if plan {
			planned(t, []float64{100, 200}, "a", "b")(dir)
		}
		if steps != "-" {
			if err := os.WriteFile(filepath.Join(dir, "steps.jsonl"), []byte(steps), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, c := range []struct {
		name string
		dir  string
		code int
		why  []string
	}{
		{"empty steps.jsonl", folder("", true), 3, []string{"the run has no recorded steps", "a was planned but not run", "b was planned but not run"}},
		{"only a torn line", folder(`{"run":"r","config":{"na`, true), 3, []string{"steps.jsonl line 1 was cut mid-write", "a was planned but not run"}},
		{"empty steps.jsonl, no plan", folder("", false), 3, []string{"the run has no recorded steps"}},
		{"no steps.jsonl", folder("-", true), 2, nil},
		{"no results folder", filepath.Join(t.TempDir(), "missing"), 2, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, at := range [][]string{nil, {"--at", "capacity"}, {"--at-users", "100"}} {
				code, stderr := gateStderr(t, append([]string{"gate", c.dir}, at...)...)
				if code != c.code {
					t.Errorf("gate %v: exit %d, want %d:\n%s", at, code, c.code, stderr)
				}
				if c.why == nil {
					continue
				}
				junit, err := os.ReadFile(filepath.Join(c.dir, "gate.junit.xml"))
				for _, w := range c.why {
					if err != nil || !strings.Contains(string(junit), w) {
						t.Errorf("gate %v: gate.junit.xml does not say %q (%v):\n%s", at, w, err, junit)
					}
				}
			}
		})
	}
	// As a baseline folder, such a run is refused as incomplete too.
	cur := writeRun(t, 45, nil)
	empty := folder("", true)
	if code, stderr := gateStderr(t, "gate", cur, "--baseline", empty); code != 3 || !strings.Contains(stderr, empty) {
		t.Errorf("gate --baseline <empty run>: exit %d, want 3 naming %s:\n%s", code, empty, stderr)
	}
}
