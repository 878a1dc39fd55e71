package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

// writeRepeatRun records a results folder of configuration "api" with one
// repeat per entry of cpuMs: a closed-loop step at 100 and 200 users (the
// target), whose step at 200 users has p95 = p95Ms and that repeat's CPU
// time per request (ms).
func writeRepeatRun(t *testing.T, p95Ms float64, cpuMs []float64) string {
	t.Helper()
	dir := t.TempDir()
	var recs []record.Record
	for rep, cpu := range cpuMs {
		for i, users := range []int{100, 200} {
			p95 := p95Ms * float64(i+1) / 2
			r := record.Record{Run: "r", Repeat: rep, Step: i, Config: record.Config{Name: "api", Replicas: 1, Runtime: "docker"},
				Load:     record.Load{Model: record.ModelUsers, Users: users, ThinkMinS: 0.1, ThinkMaxS: 0.3},
				Requests: 1000, Successes: 1000, RPS: float64(users) * 4.8, OKRPS: float64(users) * 4.8, WindowS: 10,
				Latency: &record.Latency{P50: p95 / 2, P95: p95, P99: p95 * 1.2, Max: p95 * 2}, LatencyOK: &record.Latency{P95: p95},
				SLO:    record.SLOResult{Pass: true, Breaches: []string{}},
				Target: &record.Target{CPUCores: 0.5, CPUPerRequestMs: cpu, RequestsPerCPUS: 1000 / cpu}}
			recs = append(recs, r)
		}
	}
	appendRecords(t, dir, recs...)
	exp := "name: s\nslo: p95<500ms,error_rate<1%\ntarget_users: 200\n"
	if err := os.WriteFile(filepath.Join(dir, "experiment.yaml"), []byte(exp), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// compareOut runs `loadlab compare a b --out <tmp>` in process and returns
// its exit code, stdout and compare.md.
func compareOut(t *testing.T, a, b string) (int, string, string) {
	t.Helper()
	out := t.TempDir()
	root := newRootCmd(version)
	var stdout bytes.Buffer
	root.SetOut(&stdout)
	code := execute(root, []string{"compare", a, b, "--out", out})
	md, err := os.ReadFile(filepath.Join(out, "compare.md"))
	if err != nil && code == 0 {
		t.Fatalf("compare.md: %v", err)
	}
	return code, stdout.String(), string(md)
}

// TestCompareCommandPrintsStatistics: a CPU-per-request regression of 25 %
// over 5 repeats each is significant, an unchanged p95 is "~", and a run
// with one repeat gives the plain change with "no statistics".
func TestCompareCommandPrintsStatistics(t *testing.T) {
	base := writeRepeatRun(t, 40, []float64{0.200, 0.204, 0.196, 0.202, 0.198})
	slower := writeRepeatRun(t, 40, []float64{0.250, 0.255, 0.245, 0.252, 0.248})
	one := writeRepeatRun(t, 40, []float64{0.250})

	code, stdout, md := compareOut(t, base, slower)
	if code != 0 {
		t.Fatalf("loadlab compare exited %d:\n%s", code, stdout)
	}
	for what, out := range map[string]string{"stdout": stdout, "compare.md": md} {
		lines := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			for _, m := range []string{"CPU per request @ target", "requests per CPU-s @ target", "p95 @ target", "capacity"} {
				if strings.Contains(l, " "+m+" ") {
					lines[m] = l
				}
			}
		}
		if l := lines["CPU per request @ target"]; !strings.Contains(l, "200.0µs") || !strings.Contains(l, "250.0µs") || !strings.Contains(l, "+25.0% [+21.6%, +28.6%] p=0.008 n=5+5") {
			t.Errorf("%s: CPU per request row %q: want the medians and +25.0%% [+21.6%%, +28.6%%] p=0.008 n=5+5", what, l)
		}
		if l := lines["requests per CPU-s @ target"]; !strings.Contains(l, "-20.0% [-22.2%, -17.7%] p=0.008 n=5+5") {
			t.Errorf("%s: requests per CPU-s row %q", what, l)
		}
		if l := lines["p95 @ target"]; !strings.Contains(l, "~ (p=1.00 n=5+5)") {
			t.Errorf("%s: p95 row %q: identical repeats are no significant change", what, l)
		}
		if l := lines["capacity"]; !strings.Contains(l, "200 users") || !strings.Contains(l, "~ (") {
			t.Errorf("%s: capacity row %q", what, l)
		}
		if !strings.Contains(out, "α = 0.05") || !strings.Contains(out, "Mann-Whitney U") {
			t.Errorf("%s does not say the method and level:\n%s", what, out)
		}
	}

	code, stdout, _ = compareOut(t, base, one)
	if code != 0 || !strings.Contains(stdout, "+25.0% (n=5+1: no statistics)") || !strings.Contains(stdout, "no statistics: a run with one repeat") {
		t.Errorf("5 repeats vs 1 (exit %d): want the plain change and no statistics:\n%s", code, stdout)
	}
}
