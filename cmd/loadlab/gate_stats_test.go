package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGateStatistics: with 5 repeats on both sides, a throughput drop
// beyond the tolerance that Mann-Whitney U finds significant fails (exit
// 1) with its statistics in the --summary file and $GITHUB_STEP_SUMMARY;
// noise beyond the tolerance passes as "~"; --alpha is checked.
func TestGateStatistics(t *testing.T) {
	ladder := []int{10, 50, 400}
	noise := []float64{-1.5, 0.5, 1.5, -0.5, 0}
	base := writeQuick(t, "20261130T080000Z-quick-aaaaaa", ladder, 5, func(u, r int) float64 { return closedLoop(u, r) + noise[r] })
	file := filepath.Join(t.TempDir(), "quick.json")
	if code := run([]string{"baseline", "save", base, file, "--at-users", "10"}); code != 0 {
		t.Fatalf("baseline save: exit %d", code)
	}
	b, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(b), `"experiment": "quick"`) || !strings.Contains(string(b), `"model": "users"`) ||
		!strings.Contains(string(b), `"rps": [`) {
		t.Fatalf("baseline save does not keep the experiment, model and samples (%v):\n%s", err, b)
	}

	slower := writeQuick(t, "20261130T090000Z-quick-bbbbbb", ladder, 5, func(u, r int) float64 {
		if u == 10 {
			return 40 + noise[r]
		}
		return closedLoop(u, r)
	})
	summary := filepath.Join(t.TempDir(), "gate.md")
	step := filepath.Join(t.TempDir(), "step.md")
	t.Setenv("GITHUB_STEP_SUMMARY", step)
	code, stderr := gateStderr(t, "gate", slower, "--baseline", file, "--tolerance", "rps=10%", "--summary", summary)
	if code != 1 {
		t.Errorf("rps -20%%, significant: exit %d, want 1\n%s", code, stderr)
	}
	for _, f := range []string{summary, step} {
		md, err := os.ReadFile(f)
		if err != nil || !strings.HasPrefix(string(md), "### loadlab gate: FAIL — 1 of 3 gates failed") ||
			!strings.Contains(string(md), "- **FAIL** cpu0.1-mem128m-x1: rps vs baseline at 10 users: 40.0 vs 50.0, -20.0% \\[-23.3%, -16.5%\\] p=0.008 n=5+5") {
			t.Errorf("%s (%v):\n%s", f, err, md)
		}
	}

	// rps -12% in the median, but the repeats overlap the baseline's: noise.
	noisy := writeQuick(t, "20261130T100000Z-quick-cccccc", ladder, 5, func(u, r int) float64 {
		if u == 10 {
			return []float64{44, 52, 40, 49, 38}[r]
		}
		return closedLoop(u, r)
	})
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	if code, stderr := gateStderr(t, "gate", noisy, "--baseline", file, "--tolerance", "rps=10%", "--summary", summary); code != 0 {
		t.Errorf("noise beyond the tolerance: exit %d, want 0\n%s", code, stderr)
	}
	if md, _ := os.ReadFile(summary); !strings.Contains(string(md), "~ (p=0.22 n=5+5)") || !strings.Contains(string(md), "No gate failed") {
		t.Errorf("--summary of a noisy pass:\n%s", md)
	}
	for _, alpha := range []string{"1.5", "-0.1", "0"} {
		if code := run([]string{"gate", slower, "--baseline", file, "--alpha", alpha}); code != 2 {
			t.Errorf("--alpha %s: exit %d, want 2", alpha, code)
		}
	}
}

// TestGateOtherExperimentAndMissing: a baseline of experiment g against a
// run of quick is refused (exit 2); --allow-other-experiment compares,
// and each side's configurations missing from the other fail (exit 1)
// until --allow-missing.
func TestGateOtherExperimentAndMissing(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	file := filepath.Join(t.TempDir(), "g.json")
	if code := run([]string{"baseline", "save", writeRun(t, 45, nil), file}); code != 0 {
		t.Fatalf("baseline save: exit %d", code)
	}
	cur := writeQuick(t, "20261130T080000Z-quick-aaaaaa", []int{10, 400}, 1, closedLoop)
	args := []string{"gate", cur, "--baseline", file, "--tolerance", "p95=10%"}
	code, stderr := gateStderr(t, args...)
	if code != 2 || !strings.Contains(stderr, `the baseline is of experiment "g"`) || !strings.Contains(stderr, `this run of "quick"`) {
		t.Errorf("another experiment: exit %d, want 2:\n%s", code, stderr)
	}
	args = append(args, "--allow-other-experiment")
	junit := filepath.Join(t.TempDir(), "j.xml")
	if code, stderr := gateStderr(t, append(args, "--junit", junit)...); code != 1 {
		t.Errorf("missing configurations: exit %d, want 1:\n%s", code, stderr)
	}
	x, _ := os.ReadFile(junit)
	for _, w := range []string{"configuration not in the baseline (it holds a, b)", "configuration in the baseline but not in this run", "compared as --allow-other-experiment asks"} {
		if !strings.Contains(string(x), w) {
			t.Errorf("JUnit lacks %q:\n%s", w, x)
		}
	}
	if code, stderr := gateStderr(t, append(args, "--allow-missing")...); code != 0 {
		t.Errorf("--allow-missing: exit %d, want 0:\n%s", code, stderr)
	}
}
