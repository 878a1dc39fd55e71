package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunGate: `loadlab run --gate` (the real binary, local runtime) gates
// the fresh run on the experiment's gates after its report: the table on
// stdout, gate.junit.xml in the results folder, the outcome on stderr,
// and the exit code is the gate's (0 pass, 1 a gate failed).
func TestRunGate(t *testing.T) {
	for _, c := range []struct {
		gates string
		code  int
		said  string
		table string
	}{
		{"p95<1h", 0, "loadlab: gate: pass (JUnit: ", "PASS — 1 gates passed"},
		{"p95<1ns", 1, "loadlab: gate: FAIL (JUnit: ", "FAIL — 1 of 1 gates failed"},
	} {
		t.Run(c.gates, func(t *testing.T) {
			dir := t.TempDir()
			exp := writeTestFile(t, dir, "tiny.yaml", tinyExperiment+"gates: "+c.gates+"\n")
			code, stdout, stderr := runCLI(t, []string{"GITHUB_STEP_SUMMARY="}, 2*time.Minute,
				"run", exp, "--runtime", "local", "--out", filepath.Join(dir, "results"), "--gate")
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, stdout, stderr)
			}
			if !strings.Contains(stdout, "one: "+c.gates+" at the highest step (5 users)") || !strings.Contains(stdout, c.table) {
				t.Errorf("stdout lacks the gate table and %q:\n%s", c.table, stdout)
			}
			i := strings.Index(stderr, c.said)
			if i < 0 {
				t.Fatalf("stderr does not say %q:\n%s", c.said, stderr)
			}
			junit, _, _ := strings.Cut(stderr[i+len(c.said):], ")")
			if filepath.Base(junit) != "gate.junit.xml" || !strings.HasPrefix(junit, filepath.Join(dir, "results")) {
				t.Errorf("JUnit %q is not the results folder's gate.junit.xml", junit)
			}
			if _, err := os.Stat(junit); err != nil {
				t.Errorf("no JUnit file: %v", err)
			}
		})
	}
}
