package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// appendRecords appends recs to dir's steps.jsonl with the real writer.
func appendRecords(t *testing.T, dir string, recs ...record.Record) {
	t.Helper()
	w, err := record.Create(filepath.Join(dir, record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// failRepeat2OfB appends to dir (a run of writeRun) a second repeat in
// which a measured its steps and b failed to deploy.
func failRepeat2OfB(t *testing.T, dir string) {
	t.Helper()
	recs, err := record.ReadFile(filepath.Join(dir, record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		recs[i].Repeat = 1
	}
	recs[2] = record.Record{Run: "r", Config: recs[2].Config, Repeat: 1, Step: -1, Failure: "deploy: container exited with code 1"}
	appendRecords(t, dir, recs[:3]...)
}

// gateStderr runs args and returns the exit code and what went to stderr.
func gateStderr(t *testing.T, args ...string) (int, string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = f
	code := run(args)
	os.Stderr = old
	b, _ := os.ReadFile(f.Name())
	return code, string(b)
}

// TestGateRefusesAnIncompleteBaselineFolder: `gate --baseline <results
// folder>` reads that folder's own plan.json and torn line, as `baseline
// save` does, and refuses an incomplete baseline run with exit 3 naming
// the folder and why.
func TestGateRefusesAnIncompleteBaselineFolder(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	cur := writeRun(t, 45, nil)
	planned(t, []float64{100, 200}, "a", "b")(cur)
	for _, c := range []struct {
		name   string
		folder func(dir string)
		why    string
	}{
		{"planned configuration never measured", planned(t, nil, "a", "b", "c"), "c was planned but not run"},
		{"killed between steps", planned(t, []float64{100, 200, 300}, "a", "b"), "a: measured steps 1–2 of 3 (up to 200 users) and no stop reason"},
		{"last line cut mid-line", func(dir string) {
			planned(t, nil, "a", "b")(dir)
			path := filepath.Join(dir, record.FileName)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b[:len(b)-40], 0o644); err != nil {
				t.Fatal(err)
			}
		}, "steps.jsonl line 4 was cut mid-write"},
		{"a failed repeat", func(dir string) {
			p := record.Plan{Repeat: 2, Configs: []record.Config{{Name: "a", Replicas: 1}, {Name: "b", Replicas: 1}}}
			if err := record.WritePlan(dir, p); err != nil {
				t.Fatal(err)
			}
			failRepeat2OfB(t, dir)
		}, "b: repeat 2 of 2 failed (deploy: container exited with code 1)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := writeRun(t, 45, nil)
			c.folder(base)
			code, stderr := gateStderr(t, "gate", cur, "--baseline", base, "--tolerance", "p95=10%")
			if code != 3 {
				t.Errorf("exit %d, want 3; stderr:\n%s", code, stderr)
			}
			if !strings.Contains(stderr, base) || !strings.Contains(stderr, c.why) {
				t.Errorf("stderr does not name the baseline folder %s and %q:\n%s", base, c.why, stderr)
			}
			if code := run([]string{"baseline", "save", base, filepath.Join(t.TempDir(), "b.json")}); code != 3 {
				t.Errorf("baseline save: exit %d, want 3", code)
			}
		})
	}
	// A complete baseline folder still works.
	base := writeRun(t, 45, nil)
	planned(t, []float64{100, 200}, "a", "b")(base)
	if code, stderr := gateStderr(t, "gate", cur, "--baseline", base, "--tolerance", "p95=10%"); code != 0 {
		t.Errorf("complete baseline folder: exit %d:\n%s", code, stderr)
	}
}

// TestGateRefusesAFailedRepeat: repeat 2 of b failed to deploy; b keeps
// repeat 1's steps, so every planned repeat has a record. `gate` exits 3
// at every point and names b's repeat 2.
func TestGateRefusesAFailedRepeat(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	dir := writeRun(t, 45, nil)
	failRepeat2OfB(t, dir)
	if err := record.WritePlan(dir, record.Plan{Repeat: 2, Configs: []record.Config{{Name: "a", Replicas: 1}, {Name: "b", Replicas: 1}}}); err != nil {
		t.Fatal(err)
	}
	for _, at := range [][]string{nil, {"--at-users", "100"}, {"--at", "capacity"}} {
		if code := run(append([]string{"gate", dir}, at...)); code != 3 {
			t.Errorf("gate %v: exit %d, want 3", at, code)
		}
		junit, err := os.ReadFile(filepath.Join(dir, "gate.junit.xml"))
		if err != nil || !strings.Contains(string(junit), "b: repeat 2 of 2 failed (deploy: container exited with code 1)") {
			t.Errorf("gate %v: gate.junit.xml does not name b's repeat 2 (%v):\n%s", at, err, junit)
		}
	}
}
