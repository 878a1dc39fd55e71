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
