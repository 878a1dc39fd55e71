package experiments

// The built-in llm experiment, shrunk to two short steps of one
// configuration, run through the runner's real path against the real
// reference API's /v1/chat/completions (its trigram language model,
// streamed over server-sent events): every step must carry the streaming
// contract of steps.jsonl (ttft_ms, itl_ms, tpot_ms, output_tokens from
// the server's usage, input_tokens, goodput_rps) with values that agree
// with what the scenario asked for, and be judged by the experiment's
// streaming SLO.

import (
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/local"
)

// shrunkLLM is the built-in llm experiment with one configuration of
// cpus and two steps of 2 and 4 users, 4 s each.
func shrunkLLM(t *testing.T, cpus float64) Experiment {
	t.Helper()
	e, err := Load("llm")
	if err != nil {
		t.Fatal(err)
	}
	e.Matrix = Matrix{}
	e.Configs = []record.Config{{Name: "api", CPUs: cpus, MemoryBytes: 256 << 20, Replicas: 1}}
	e.Scenario.Ramp.Steps = []float64{2, 4}
	e.Scenario.Ramp.Hold, e.Scenario.Ramp.Settle = 5*time.Second, time.Second
	e.Cooldown = 0
	return e
}

// checkLLMSteps fails unless each record is a clean streaming step: every
// request streamed and succeeded, token counts from the server's usage,
// output tokens per request within the scenario's bounds (16..256:
// ignore_eos makes the model write exactly max_tokens), prompt tokens at
// least the generated words (16..512), positive and ordered TTFT, ITL
// and TPOT summaries, goodput no more than the successes, and an SLO
// verdict that measured the streaming conditions.
func checkLLMSteps(t *testing.T, recs []record.Record, steps int) {
	t.Helper()
	if len(recs) != steps {
		t.Fatalf("%d records, want %d: %+v", len(recs), steps, recs)
	}
	for _, r := range recs {
		if r.Failure != "" || r.Requests == 0 || r.Errors != 0 {
			t.Fatalf("step %d: failure %q, %d requests, %d errors %v", r.Step, r.Failure, r.Requests, r.Errors, r.ErrorSamples)
		}
		if r.Streamed != r.Requests || r.TokensFrom != record.TokensFromUsage {
			t.Errorf("step %d: streamed %d of %d requests, tokens from %q", r.Step, r.Streamed, r.Requests, r.TokensFrom)
		}
		perReq := float64(r.OutputTokens) / float64(r.Requests)
		if perReq < 16 || perReq > 256 || r.OutputTokens < 16*r.Requests {
			t.Errorf("step %d: %d output tokens for %d requests (%.1f each), want 16..256 each", r.Step, r.OutputTokens, r.Requests, perReq)
		}
		if in := float64(r.InputTokens) / float64(r.Requests); in < 16 {
			t.Errorf("step %d: %.1f input tokens per request, want ≥ 16 (the generated words)", r.Step, in)
		}
		if r.TTFT == nil || r.ITL == nil || r.TPOT == nil {
			t.Fatalf("step %d: ttft %v itl %v tpot %v", r.Step, r.TTFT, r.ITL, r.TPOT)
		}
		for name, l := range map[string]*record.Latency{"ttft": r.TTFT, "itl": r.ITL, "tpot": r.TPOT} {
			// An inter-token gap may be 0: two tokens that arrive in one read.
			if !((l.Min > 0 || name == "itl" && l.Min >= 0) && l.Min <= l.P50 && l.P50 <= l.P95 && l.P95 <= l.Max) {
				t.Errorf("step %d: %s summary out of order: %+v", r.Step, name, *l)
			}
		}
		if r.TTFT.P50 > r.Latency.P50 {
			t.Errorf("step %d: ttft p50 %.2f ms above the whole request's p50 %.2f ms", r.Step, r.TTFT.P50, r.Latency.P50)
		}
		if r.OutputTokensPerS <= 0 || r.GoodputRPS == nil || *r.GoodputRPS > r.OKRPS+1e-9 || r.GoodputRequests > r.Successes {
			t.Errorf("step %d: tokens/s %.1f, goodput %v (%d requests) of ok rps %.2f", r.Step, r.OutputTokensPerS, r.GoodputRPS, r.GoodputRequests, r.OKRPS)
		}
		for _, b := range r.SLO.Breaches {
			if strings.Contains(b, "not measured") {
				t.Errorf("step %d: the streaming SLO was not measured: %s", r.Step, b)
			}
		}
	}
}

// TestLLMExperimentLocal runs the shrunk llm experiment on the local
// runtime (the reference API as a child process).
func TestLLMExperimentLocal(t *testing.T) {
	runLLM(t, local.New(), 1)
}

// runLLM runs the shrunk llm experiment on rt and checks its steps.
func runLLM(t *testing.T, rt runtime.Runtime, cpus float64) []record.Record {
	t.Helper()
	e := shrunkLLM(t, cpus)
	res, err, recs, log := runRecorded(t, &Runner{Runtime: rt, RunID: faultRunID(t)}, e, 2*time.Minute)
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("run: %v, failed %v\nlog:\n%s", err, res.Failed, log)
	}
	checkLLMSteps(t, recs, 2)
	return recs
}
