package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGateAfterSIGTERMInTheFirstConfiguration: `loadlab run` (the real
// binary, local runtime) gets SIGTERM in the second step of the first of
// two configurations. The measured first step passes its SLO, yet the run
// is incomplete (a step cut short, a configuration never run): `gate`
// exits 3 at that step and at capacity and says why, and the report says
// so at the top.
func TestGateAfterSIGTERMInTheFirstConfiguration(t *testing.T) {
	p, _, results := startSignalRun(t, "local")
	p.waitLine(healthyOne, 3*time.Minute)
	time.Sleep(signalHold + 1500*time.Millisecond) // inside step 2 of configuration one
	p.signal(syscall.SIGTERM)
	if code, _ := p.wait(60 * time.Second); code != 143 {
		t.Fatalf("run: exit %d, want 143; stderr:\n%s", code, p.stderr())
	}
	if _, err := os.Stat(filepath.Join(results, "plan.json")); err != nil {
		t.Fatalf("the run left no plan: %v", err)
	}
	for _, at := range [][]string{{"--at-users", "10"}, {"--at", "capacity"}, nil} {
		code, stdout, stderr := runCLI(t, []string{"GITHUB_STEP_SUMMARY="}, 30*time.Second, append([]string{"gate", results}, at...)...)
		if code != 3 {
			t.Errorf("gate %v: exit %d, want 3\nstdout:\n%s\nstderr:\n%s", at, code, stdout, stderr)
		}
		for _, why := range []string{"incomplete run: one: the step at 20 users was cut short", "(interrupted)", "incomplete run: two was planned but not run"} {
			if !strings.Contains(stdout, why) {
				t.Errorf("gate %v does not say %q:\n%s", at, why, stdout)
			}
		}
	}
	md, err := os.ReadFile(filepath.Join(results, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if top := strings.SplitN(string(md), "\n", 4)[2]; !strings.HasPrefix(top, "> **Incomplete run:**") || !strings.Contains(top, "two was planned but not run") {
		t.Errorf("report.md does not open with why the run is incomplete:\n%s", top)
	}
}
