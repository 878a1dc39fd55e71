package main

// --repeat on run and ramp: the bounds of repeat: (1 to 100) with a
// message naming the flag, and runs whose records carry every repeat
// 0..N-1, with plan.json saying N so that reports and gates see them.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// TestRepeatFlagBounds: --repeat outside 1..100 is a usage error naming
// the flag and the bounds, on run and on ramp, before any load.
func TestRepeatFlagBounds(t *testing.T) {
	for _, cmd := range [][]string{
		{"run", "quick"},
		{"ramp", "--url", "http://127.0.0.1:1", "--users", "1"},
	} {
		for _, n := range []string{"0", "-1", "101"} {
			out := filepath.Join(t.TempDir(), "out")
			args := append(append([]string{}, cmd...), "--repeat", n, "--out", out)
			root := newRootCmd("test")
			root.SetArgs(args)
			root.SetOut(&bytes.Buffer{})
			root.SetErr(&bytes.Buffer{})
			err := root.ExecuteContext(context.Background())
			want := "--repeat: must be from 1 to 100 (got " + n + ")"
			if err == nil || !isUsage(err) || !strings.Contains(err.Error(), want) {
				t.Errorf("%v: err %v, want a usage error saying %q", args, err, want)
			}
			if _, serr := os.Stat(out); serr == nil {
				t.Errorf("%v: the refused command created %s", args, out)
			}
		}
	}
	for _, c := range []struct {
		args []string
		want int
	}{{nil, 1}, {[]string{"--repeat", "1"}, 1}, {[]string{"--repeat", "100"}, 100}} {
		r, err := bindRamp(t, append([]string{"--users", "1"}, c.args...)...)
		if err != nil || r.repeat != c.want {
			t.Errorf("ramp %v: repeat %d, %v; want %d", c.args, r.repeat, err, c.want)
		}
	}
}

// stepsByRepeat is, per repeat, the offered loads of its steps in order.
func stepsByRepeat(recs []record.Record) map[int][]float64 {
	out := map[int][]float64{}
	for _, r := range recs {
		out[r.Repeat] = append(out[r.Repeat], r.Offered())
	}
	return out
}

// checkRepeats fails unless recs hold, for each repeat 0..n-1 and nothing
// else, every load of steps with requests answered, and plan.json in dir
// says n repeats.
func checkRepeats(t *testing.T, dir string, n int, steps []float64) {
	t.Helper()
	recs, err := record.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	by := stepsByRepeat(recs)
	if len(by) != n {
		t.Errorf("records carry repeats %v, want 0..%d", by, n-1)
	}
	for rep := range n {
		if got := by[rep]; len(got) != len(steps) || got[0] != steps[0] || got[len(got)-1] != steps[len(steps)-1] {
			t.Errorf("repeat %d: loads %v, want %v", rep, got, steps)
		}
	}
	for _, r := range recs {
		if r.Requests == 0 || r.Partial || r.Failure != "" {
			t.Errorf("repeat %d step %d: %d requests, partial %v, failure %q", r.Repeat, r.Step, r.Requests, r.Partial, r.Failure)
		}
	}
	if p, err := record.ReadPlan(dir); err != nil || p == nil || p.Repeat != n {
		t.Errorf("plan.json %+v, %v: want repeat %d", p, err, n)
	}
}

// TestRampRepeatRunsTheWholeRampNTimes: --repeat 3 on a two-step ladder
// against a loopback server records both steps three times, repeats 0,
// 1, 2; the summary combines the three repeats of each step, and the
// table is printed per repeat.
func TestRampRepeatRunsTheWholeRampNTimes(t *testing.T) {
	srv := newCountingServer(t)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	root := newRootCmd("test")
	root.SetArgs([]string{"ramp", "--url", srv.URL, "--users", "2:4:2", "--hold", "400ms", "--think", "10ms",
		"--slo", "p95<1s", "--repeat", "3", "--out", out})
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	checkRepeats(t, out, 3, []float64{2, 4})
	if len(srv.received()) == 0 {
		t.Error("the server saw no request")
	}
	var summary struct {
		Configs []struct {
			Repeats int `json:"repeats"`
			Steps   []struct {
				Repeats int `json:"repeats"`
			} `json:"steps"`
		} `json:"configs"`
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil || json.Unmarshal(b, &summary) != nil || len(summary.Configs) != 1 || len(summary.Configs[0].Steps) != 2 {
		t.Fatalf("summary.json: %v\n%s", err, b)
	}
	if n := summary.Configs[0].Repeats; n != 3 {
		t.Errorf("summary: %d measured repeats, want 3", n)
	}
	for i, s := range summary.Configs[0].Steps {
		if s.Repeats != 3 {
			t.Errorf("summary step %d combines %d repeats, want 3", i+1, s.Repeats)
		}
	}
	for _, want := range []string{"repeat 1 of 3:", "repeat 3 of 3:"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "runs 3 times (--repeat)") {
		t.Errorf("stderr does not announce the repeats:\n%s", stderr.String())
	}
	// The gate sees the repeats: compared with itself, each metric has
	// 3+3 values, the same on both sides.
	stdout.Reset()
	root = newRootCmd("test")
	root.SetArgs([]string{"gate", out, "--slo", "p95<1s", "--at-users", "4", "--baseline", out, "--tolerance", "p50=50%",
		"--junit", filepath.Join(t.TempDir(), "junit.xml")})
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	if err := root.ExecuteContext(context.Background()); err != nil || !strings.Contains(stdout.String(), "n=3+3") {
		t.Errorf("gate against itself: %v; want a pass comparing 3+3 repeats:\n%s", err, stdout.String())
	}
}

// TestRunRepeatOverridesTheExperiment: an experiment that says repeat: 1,
// run with --repeat 3 against a running URL, measures its configuration
// three times, and its resolved experiment.yaml says repeat: 3.
func TestRunRepeatOverridesTheExperiment(t *testing.T) {
	srv := newCountingServer(t)
	dir := t.TempDir()
	exp := writeTestFile(t, dir, "rep.yaml", "name: rep\ntarget:\n  urls: ["+srv.URL+"]\n"+
		"scenario:\n  model: users\n  ramp: {steps: [2, 3], hold: 400ms}\n  think: 10ms\n"+
		"  requests: [{name: predict, method: GET, path: /predict}]\nslo: p95<1s\nrepeat: 1\n")
	p := startCLI(t, nil, "run", exp, "--repeat", "3", "--out", filepath.Join(dir, "results"))
	results := p.waitLine(resultsLine, time.Minute)[1]
	if code, _ := p.wait(2 * time.Minute); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.stderr())
	}
	checkRepeats(t, results, 3, []float64{2, 3})
	y, err := os.ReadFile(filepath.Join(results, "experiment.yaml"))
	if err != nil || !strings.Contains(string(y), "repeat: 3") {
		t.Errorf("experiment.yaml (%v) does not say repeat: 3:\n%s", err, y)
	}
}
