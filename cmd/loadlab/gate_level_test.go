package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// quickName is the configuration of the quick experiment.
const quickName = "cpu0.1-mem128m-x1"

// writeQuick records a run of the quick experiment (target_users 400) of
// quickName at users, repeats times; at each level rps is rps(users) and
// p95 1 ms.
func writeQuick(t *testing.T, run string, users []int, repeats int, rps func(users, repeat int) float64) string {
	t.Helper()
	dir := t.TempDir()
	var recs []record.Record
	for rep := range repeats {
		for i, u := range users {
			x := rps(u, rep)
			recs = append(recs, record.Record{Run: run, Repeat: rep, Step: i,
				Config:   record.Config{Name: quickName, CPUs: 0.1, MemoryBytes: 128 << 20, Replicas: 1, Runtime: "docker"},
				Load:     record.Load{Model: record.ModelUsers, Users: u, ThinkMinS: 0.1, ThinkMaxS: 0.3},
				Requests: 1000, Successes: 1000, RPS: x, OKRPS: x, WindowS: 10,
				Latency: &record.Latency{P50: 0.6, P95: 1, P99: 1.2, Max: 2}, LatencyOK: &record.Latency{P95: 1},
				SLO: record.SLOResult{Pass: true, Breaches: []string{}}})
		}
	}
	appendRecords(t, dir, recs...)
	exp := "name: quick\nslo: p95<250ms,error_rate<1%\ntarget_users: 400\n"
	if err := os.WriteFile(filepath.Join(dir, "experiment.yaml"), []byte(exp), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// closedLoop is a closed-loop step's rps when the API keeps up: users ÷
// 0.2 s of think time, capped at 811 requests per second.
func closedLoop(users, _ int) float64 { return min(float64(users)/0.2, 811.4) }

// TestGateComparesAtTheBaselinesLevel reproduces issue 13's case: a
// baseline saved at 10 users, and a run whose target is 400 users, gated
// with --baseline and no --at-users. The thresholds stay at 400 users;
// the baseline is compared at 10 users, where it was recorded (not 811.4
// rps at 400 against 50 at 10); a run without a step at 10 users exits 2
// saying which levels each side has.
func TestGateComparesAtTheBaselinesLevel(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	ladder := []int{10, 25, 50, 100, 200, 400}
	base := writeQuick(t, "20261122T155504Z-quick", ladder, 1, closedLoop)
	file := filepath.Join(t.TempDir(), "quick.json")
	if code := run([]string{"baseline", "save", base, file, "--at-users", "10"}); code != 0 {
		t.Fatalf("baseline save: exit %d", code)
	}
	gate := func(dir string, extra ...string) (int, string, string) {
		junit := filepath.Join(t.TempDir(), "gate.xml")
		code, stderr := gateStderr(t, append([]string{"gate", dir, "--baseline", file, "--tolerance", "rps=20%", "--junit", junit}, extra...)...)
		b, _ := os.ReadFile(junit)
		return code, stderr, string(b)
	}

	same := writeQuick(t, "20261130T100000Z-quick-3fa9c2", ladder, 1, closedLoop)
	code, stderr, junit := gate(same)
	if code != 0 {
		t.Errorf("unchanged run: exit %d\n%s", code, stderr)
	}
	for _, w := range []string{"cpu0.1-mem128m-x1: p95&lt;250ms at 400 users", "cpu0.1-mem128m-x1: rps vs baseline at 10 users", "measured 50.0, limit ≥ 40.0, baseline 50.0"} {
		if !strings.Contains(junit, w) {
			t.Errorf("JUnit lacks %q:\n%s", w, junit)
		}
	}
	if strings.Contains(junit, "rps vs baseline at 400 users") {
		t.Errorf("the baseline was compared at the target's 400 users:\n%s", junit)
	}

	// Throughput at 10 users drops by a third: 811 rps at 400 hides nothing now.
	slower := writeQuick(t, "20261130T110000Z-quick-77aa01", ladder, 1, func(u, r int) float64 {
		if u == 10 {
			return 33
		}
		return closedLoop(u, r)
	})
	if code, stderr, junit := gate(slower); code != 1 || !strings.Contains(junit, "rps: measured 33.0, limit ≥ 40.0") {
		t.Errorf("rps -34%% at the baseline's 10 users: exit %d, want 1\n%s\n%s", code, stderr, junit)
	}

	noTen := writeQuick(t, "20261130T120000Z-quick-0b1c2d", ladder[1:], 1, closedLoop)
	code, stderr, _ = gate(noTen)
	want := "cpu0.1-mem128m-x1: the baseline holds 10 users; this run measured 25, 50, 100, 200, 400 users: re-record the baseline or run the level"
	if code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("a run without the baseline's level: exit %d, want 2 saying %q:\n%s", code, want, stderr)
	}
	// --at-users picks where the thresholds are evaluated, never the baseline's level.
	if code, stderr, _ := gate(noTen, "--at-users", "25"); code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("--at-users 25 without the level: exit %d, want 2:\n%s", code, stderr)
	}
}
