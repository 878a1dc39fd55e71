package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReportAndCompareCommands re-renders the recorded fixtures of package
// report through the CLI.
func TestReportAndCompareCommands(t *testing.T) {
	workshop := filepath.Join("..", "..", "report", "testdata", "workshop")
	tuned := filepath.Join("..", "..", "report", "testdata", "workshop-tuned")
	out := t.TempDir()
	if code := run([]string{"report", workshop, "--out", out, "--target-users", "6000"}); code != 0 {
		t.Fatalf("loadlab report exited %d", code)
	}
	for _, f := range []string{"report.md", "report.html", "summary.json", "steps.csv", "plots/rps_vs_users.png", "plots/timeline.svg"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(workshop, "report.html")); err == nil {
		t.Errorf("--out was ignored: the fixture folder got a report")
	}

	cmpOut := t.TempDir()
	if code := run([]string{"compare", workshop, tuned, "--out", cmpOut}); code != 0 {
		t.Fatalf("loadlab compare exited %d", code)
	}
	for _, f := range []string{"compare.md", "plots/compare_rps_vs_users.png", "plots/compare_latency_vs_users.svg"} {
		if _, err := os.Stat(filepath.Join(cmpOut, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}

	for _, args := range [][]string{
		{"report"},
		{"report", filepath.Join(t.TempDir(), "missing")},
		{"report", workshop, "--slo", "p95<<1s"},
		{"report", workshop, "--target-users", "-1"},
		{"compare", workshop},
	} {
		if code := run(args); code != 2 {
			t.Errorf("loadlab %v exited %d, want 2 (usage)", args, code)
		}
	}
	if code := run([]string{"report", t.TempDir()}); code != 1 {
		t.Errorf("a folder without steps.jsonl: exit %d, want 1", code)
	}
}
