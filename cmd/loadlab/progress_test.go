package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/experiments"
	"github.com/loadlab/loadlab/scenarios/engine"
)

func TestRunLeft(t *testing.T) {
	step := engine.Progress{Elapsed: 2 * time.Minute, Remaining: 3 * time.Minute} // 5-minute ramps
	tests := []struct {
		name string
		rp   experiments.RunProgress
		want time.Duration
	}{
		{"last configuration", experiments.RunProgress{Config: 3, Configs: 3, Repeats: 1, Step: step}, 3 * time.Minute},
		{"first of three", experiments.RunProgress{Config: 1, Configs: 3, Repeats: 1, Step: step}, 13 * time.Minute},
		{"repeats count", experiments.RunProgress{Config: 1, Configs: 2, Repeat: 0, Repeats: 2, Step: step}, 18 * time.Minute},
		{"last repeat of the last", experiments.RunProgress{Config: 2, Configs: 2, Repeat: 1, Repeats: 2, Step: step}, 3 * time.Minute},
		{"a search's trial: the rest of it", experiments.RunProgress{Config: 3, Configs: 0, Repeats: 1, Trial: 2, Replicas: 1, Step: step}, 3 * time.Minute},
	}
	for _, tt := range tests {
		if got := runLeft(tt.rp); got != tt.want {
			t.Errorf("%s: runLeft = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestProgressPlainLines(t *testing.T) {
	var buf bytes.Buffer
	p, finish := newProgress(&buf) // not a terminal: plain lines
	p.update(experiments.RunProgress{Config: 1, Configs: 2, Name: "cpu1-x1", Repeats: 1,
		Step: engine.Progress{Step: 2, Steps: 4, Users: 100, RPS: 50, P95: 400 * time.Microsecond, Elapsed: time.Minute, Remaining: time.Minute, Done: true}})
	if _, err := p.Write([]byte("config cpu1-x1: removed in 1s\n")); err != nil {
		t.Fatal(err)
	}
	finish()
	out := buf.String()
	for _, w := range []string{"loadlab: config 1/2 cpu1-x1 · step 2/4 done · 100 users", "p95 0.4ms", "run ≤ 3m0s left", "loadlab: config cpu1-x1: removed in 1s"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestRunProgressLine: a run of listed configurations reads "config 1/2
// … run ≤ … left"; a limit search, whose number of trials is not known,
// names the trial within its replica count (and its phase when it is not
// a step of the CPU search) and only the time left in the trial.
func TestRunProgressLine(t *testing.T) {
	step := engine.Progress{Step: 2, Steps: 4, Users: 100, Elapsed: time.Minute, Remaining: 40 * time.Second}
	tests := []struct {
		name string
		rp   experiments.RunProgress
		want string
	}{
		{"configuration", experiments.RunProgress{Config: 1, Configs: 2, Name: "cpu1-x1", Repeats: 1, Step: step},
			"config 1/2 cpu1-x1 · step 2/4 · 100 users"},
		{"trial", experiments.RunProgress{Config: 5, Name: "cpu0.4-mem512m-x1", Repeats: 1, Trial: 3, Replicas: 1, Phase: "cpu", Step: step},
			"trial 3 (1 replica) cpu0.4-mem512m-x1 · step 2/4 · 100 users"},
		{"recheck", experiments.RunProgress{Config: 9, Name: "cpu0.2-mem512m-x2-r2", Repeats: 1, Trial: 4, Replicas: 2, Phase: "recheck", Step: step},
			"trial 4 (2 replicas, recheck) cpu0.2-mem512m-x2-r2 · step 2/4"},
	}
	for _, tt := range tests {
		got := runProgressLine(tt.rp)
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %q, want it to start with %q", tt.name, got, tt.want)
		}
		// 40 s left in this ramp, and one more ramp of 1m40s in the run;
		// a search knows only the rest of its trial.
		left := " · 40s left · run ≤ 2m20s left"
		if tt.rp.Trial > 0 {
			left = " · 40s left"
		}
		if !strings.HasSuffix(got, left) || (tt.rp.Trial > 0 && strings.Contains(got, "run ≤")) {
			t.Errorf("%s: %q, want it to end with %q", tt.name, got, left)
		}
	}
}
