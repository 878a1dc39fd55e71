package main

import (
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios/engine"
)

// TestProgressLineStreams: a finished step of streamed responses shows its
// TTFT p95 and tokens/s; a plain step and a running step do not.
func TestProgressLineStreams(t *testing.T) {
	streamed := record.Record{RPS: 9.9, Latency: &record.Latency{P95: 4110},
		TTFT: &record.Latency{P95: 745.4}, Stream: record.Stream{OutputTokensPerS: 1258.2}}
	plain := record.Record{RPS: 700, Latency: &record.Latency{P95: 12}}
	at := func(pr engine.Progress) engine.Progress {
		pr.Step, pr.Steps, pr.Users = 4, 5, 32
		return pr
	}
	tests := []struct {
		name string
		pr   engine.Progress
		want string // "" means no streaming figures
	}{
		{"streamed step", at(engine.StepDone(streamed)), "step 4/5 done · 32 users · 9.9 rps · errors 0.00% · p95 4.11s · TTFT p95 745ms · 1258 tokens/s · 0s left"},
		{"plain step", at(engine.StepDone(plain)), ""},
		{"running step", at(engine.Progress{RPS: 3, P95: -1}), ""},
	}
	for _, tt := range tests {
		got := progressLine(tt.pr)
		if tt.want != "" && got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		if tt.want == "" && (strings.Contains(got, "TTFT") || strings.Contains(got, "tokens/s")) {
			t.Errorf("%s: %q shows streaming figures", tt.name, got)
		}
	}
}
