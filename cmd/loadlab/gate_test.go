package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// writeRun records a two-configuration closed-loop run into a results
// folder; p95 of config "b" at 200 users is p95b milliseconds.
func writeRun(t *testing.T, p95b float64, mutate func([]record.Record)) string {
	t.Helper()
	dir := t.TempDir()
	mk := func(name string, users int, p95, rps float64) record.Record {
		return record.Record{Run: "r", Config: record.Config{Name: name, Replicas: 1, Runtime: "docker"},
			Step: users/100 - 1, Load: record.Load{Model: record.ModelUsers, Users: users, ThinkMinS: 0.1, ThinkMaxS: 0.3},
			Requests: 1000, Successes: 1000, RPS: rps, OKRPS: rps, WindowS: 10,
			Latency: &record.Latency{P50: p95 / 2, P95: p95, P99: p95 * 1.2, Max: p95 * 2}, LatencyOK: &record.Latency{P95: p95},
			SLO: record.SLOResult{Pass: p95 < 500, Breaches: []string{}}}
	}
	recs := []record.Record{mk("a", 100, 20, 480), mk("a", 200, 40, 950), mk("b", 100, 20, 490), mk("b", 200, p95b, 960)}
	if mutate != nil {
		mutate(recs)
	}
	appendRecords(t, dir, recs...)
	exp := "name: g\nslo: p95<500ms,error_rate<1%\ntarget_users: 200\ngates: p95<400ms,error_rate<1%,rps>=900\n"
	if err := os.WriteFile(filepath.Join(dir, "experiment.yaml"), []byte(exp), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGateExitCodes(t *testing.T) {
	good := writeRun(t, 45, nil)
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	if code := run([]string{"gate", good}); code != 0 {
		t.Fatalf("passing run (experiment gates): exit %d", code)
	}
	if st, err := os.Stat(filepath.Join(good, "gate.junit.xml")); err != nil || st.Size() == 0 {
		t.Errorf("gate.junit.xml not written: %v", err)
	}
	if code := run([]string{"gate", good, "--slo", "p95<30ms"}); code != 1 {
		t.Errorf("--slo tighter than the run: exit %d, want 1", code)
	}
	if code := run([]string{"gate", good, "--slo", "p95<30ms", "--at-users", "100"}); code != 0 {
		t.Errorf("--at-users 100: exit %d, want 0", code)
	}
	slow := writeRun(t, 450, nil)
	if code := run([]string{"gate", slow}); code != 1 {
		t.Errorf("a gate breached (p95 450ms vs p95<400ms): exit %d, want 1", code)
	}
	saturated := writeRun(t, 45, func(r []record.Record) { r[3].Generator.Saturated = true })
	if code := run([]string{"gate", saturated}); code != 3 {
		t.Errorf("saturated generator: exit %d, want 3", code)
	}
	partial := writeRun(t, 45, func(r []record.Record) { r[3].Partial = true })
	if code := run([]string{"gate", partial}); code != 3 {
		t.Errorf("partial step: exit %d, want 3", code)
	}
	for _, args := range [][]string{
		{"gate"},
		{"gate", good, "--slo", "p95<<1s"},
		{"gate", good, "--at", "middle"},
		{"gate", good, "--at", "capacity", "--at-users", "100"},
		{"gate", good, "--tolerance", "p95=10%"},
		{"gate", good, "--baseline", filepath.Join(t.TempDir(), "none.json")},
		{"gate", filepath.Join(t.TempDir(), "missing")},
		{"baseline", "save", good},
	} {
		if code := run(args); code != 2 {
			t.Errorf("loadlab %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
}

func TestGateAgainstBaseline(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	base := writeRun(t, 45, nil)
	file := filepath.Join(t.TempDir(), "baselines", "g.json")
	if code := run([]string{"baseline", "save", base, file}); code != 0 {
		t.Fatalf("baseline save: exit %d", code)
	}
	same := writeRun(t, 46, nil)
	if code := run([]string{"gate", same, "--baseline", file, "--tolerance", "p95=10%,rps=5%,capacity=1step"}); code != 0 {
		t.Errorf("unchanged run vs baseline: exit %d, want 0", code)
	}
	// p95 of b doubles: within the SLO gate (p95<400ms) but a regression.
	slower := writeRun(t, 90, nil)
	if code := run([]string{"gate", slower, "--baseline", file, "--tolerance", "p95=10%"}); code != 1 {
		t.Errorf("p95 +100%% vs a 10%% tolerance: exit %d, want 1", code)
	}
	// A results folder serves as a baseline too.
	if code := run([]string{"gate", slower, "--baseline", base, "--tolerance", "p95=150%"}); code != 0 {
		t.Errorf("within a 150%% tolerance of a baseline folder: exit %d, want 0", code)
	}
	// The Markdown summary goes to $GITHUB_STEP_SUMMARY when it is set.
	summary := filepath.Join(t.TempDir(), "summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	run([]string{"gate", slower, "--baseline", file, "--tolerance", "p95=10%"})
	b, err := os.ReadFile(summary)
	if err != nil || !strings.Contains(string(b), "loadlab gate: FAIL") || !strings.Contains(string(b), "b: p95 vs baseline at 200 users") {
		t.Errorf("step summary: %v\n%s", err, b)
	}
}
