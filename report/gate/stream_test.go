package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// streamStep is a streamed step of configuration "llm" at users in one
// repeat: TTFT p95 ttft ms, TPOT p95 tpot ms, tokensPerS output tokens
// per second, 4 requests/s of goodput; the whole requests take seconds.
func streamStep(repeat, users int, ttft, tpot, tokensPerS float64) record.Record {
	good := 4.0
	return record.Record{Run: "20261130T090000Z-llm", Repeat: repeat, Config: record.Config{Name: "llm", CPUs: 2, Replicas: 1, Runtime: "docker"},
		Step: users / 10, WindowS: 20, Load: record.Load{Model: record.ModelUsers, Users: users}, Requests: 100, Successes: 100,
		RPS: 5, OKRPS: 5, Latency: &record.Latency{P50: 2500, P95: 4000, P99: 4500}, LatencyOK: &record.Latency{P95: 4000},
		TTFT:   &record.Latency{P50: ttft / 2, P95: ttft, P99: ttft * 1.2},
		ITL:    &record.Latency{P50: tpot / 2, P95: tpot, P99: tpot * 1.5},
		TPOT:   &record.Latency{P50: tpot * 0.8, P95: tpot, P99: tpot * 1.1},
		Stream: record.Stream{Streamed: 100, OutputTokens: int64(tokensPerS * 20), OutputTokensPerS: tokensPerS, TokensFrom: record.TokensFromUsage, GoodputRequests: 80, GoodputRPS: &good},
		SLO:    record.SLOResult{Pass: true, Breaches: []string{}}}
}

// streamDir writes a results folder of an "llm" experiment (gates
// ttft_p95<1s,tpot_p95<100ms,error_rate<1%, target 20 users): three
// repeats of 10 and 20 users, TTFT p95 at 20 users ttft (+10 ms per
// repeat), TPOT p95 60 ms, tokens/s 300 (−5 per repeat).
func streamDir(t *testing.T, ttft float64, plain bool) string {
	t.Helper()
	dir := t.TempDir()
	exp := "name: llm\nslo: ttft_p95<1s,tpot_p95<100ms,error_rate<1%\ngates: ttft_p95<1s,tpot_p95<100ms,error_rate<1%\ntarget_users: 20\n"
	if err := os.WriteFile(filepath.Join(dir, "experiment.yaml"), []byte(exp), 0o644); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for rep := 0; rep < 3; rep++ {
		for _, users := range []int{10, 20} {
			r := streamStep(rep, users, ttft*float64(users)/20+10*float64(rep), 60, 300-5*float64(rep))
			if plain {
				r.TTFT, r.ITL, r.TPOT, r.Stream = nil, nil, nil, record.Stream{}
			}
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(append(line, '\n'))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, record.FileName), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRunStreaming gates results folders of a streaming API end to end:
// the experiment's streaming gates pass, the baseline keeps the streaming
// metrics per repeat, a run whose TTFT doubled fails the default
// streaming tolerance (in the table, JUnit and the Markdown summary), and
// a run without streams fails the streaming gates as not measured.
func TestRunStreaming(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	base := streamDir(t, 400, false)
	var stdout, stderr bytes.Buffer
	if err := Run(context.Background(), base, Options{}, &stdout, &stderr); err != nil {
		t.Fatalf("gate of the baseline run: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	for _, s := range []string{"ttft_p95<1s", "410.0ms", "tpot_p95<100ms"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("verdict table lacks %q:\n%s", s, stdout.String())
		}
	}

	baseline := filepath.Join(t.TempDir(), "baseline.json")
	if err := SaveBaseline(context.Background(), base, baseline, Options{}, &stderr); err != nil {
		t.Fatalf("save baseline: %v", err)
	}
	b, err := LoadBaseline(baseline)
	if err != nil {
		t.Fatal(err)
	}
	m := b.Configs["llm"]
	if got := m.Samples["ttft_p95"]; len(got) != 3 || got[0] != 400 || got[2] != 420 {
		t.Errorf("baseline ttft_p95 samples %v, want [400 410 420]", got)
	}
	if m.Metrics["output_tokens_per_s"] != 295 || m.Metrics["goodput_rps"] != 4 || m.Metrics["tpot_p95"] != 60 {
		t.Errorf("baseline metrics %v", m.Metrics)
	}

	slower := streamDir(t, 800, false)
	summary := filepath.Join(t.TempDir(), "summary.md")
	stdout.Reset()
	err = Run(context.Background(), slower, Options{Baseline: baseline, Summary: summary}, &stdout, &stderr)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitFail {
		t.Fatalf("TTFT doubled: err %v, want exit %d\n%s", err, ExitFail, stdout.String())
	}
	junit, _ := os.ReadFile(filepath.Join(slower, "gate.junit.xml"))
	md, _ := os.ReadFile(summary)
	for name, out := range map[string]string{"table": stdout.String(), "JUnit": string(junit), "summary": string(md)} {
		if !strings.Contains(out, "llm: ttft_p95 vs baseline") {
			t.Errorf("%s lacks the ttft_p95 regression:\n%s", name, out)
		}
	}
	v := verdictOf(t, slower, Options{Baseline: baseline})
	for _, c := range v.Checks {
		switch c.Metric {
		case "ttft_p95":
			if strings.Contains(c.Name, "vs baseline") && (c.Pass || c.Measured != "810.0ms" || c.Limit != "≤ 512.5ms") {
				t.Errorf("ttft_p95 regression check %+v: want a failure at 810 ms against ≤ 410 ms × 1.25", c)
			}
		case "tpot_p95", "output_tokens_per_s":
			if !c.Pass {
				t.Errorf("check %+v: unchanged, want a pass", c)
			}
		}
	}

	plain := streamDir(t, 400, true)
	v = verdictOf(t, plain, Options{})
	for _, c := range v.Checks {
		if c.Metric == "ttft_p95" && (c.Pass || c.Measured != "not measured (no streamed responses)") {
			t.Errorf("plain run's ttft_p95 check %+v: want not measured, a failure", c)
		}
	}
}

// verdictOf evaluates results folder dir with o as Run does.
func verdictOf(t *testing.T, dir string, o Options) Verdict {
	t.Helper()
	in, err := FromDir(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if o.Baseline != "" {
		if in.Baseline, err = OpenBaseline(o.Baseline, in); err != nil {
			t.Fatal(err)
		}
		tol, _ := o.ParseTolerance()
		in.Tolerance = tol.withStreaming(in)
	}
	return Evaluate(in)
}

func TestToleranceStreaming(t *testing.T) {
	tol, err := ParseTolerance("ttft_p95=10%,output_tokens_per_s=10%,goodput_rps=20%,itl_p99=15%")
	if err != nil {
		t.Fatal(err)
	}
	if tol.Metrics["ttft_p95"] != 0.1 || tol.Metrics["goodput_rps"] != 0.2 || tol.String() != "goodput_rps=20%,itl_p99=15%,output_tokens_per_s=10%,ttft_p95=10%" {
		t.Errorf("tolerance %+v", tol)
	}
	if _, err := ParseTolerance("ttft=10%"); err == nil || !strings.Contains(err.Error(), "ttft_<stat>") {
		t.Errorf("ttft=10%%: %v", err)
	}
	for _, tt := range []struct {
		metric string
		base   float64
		limit  float64
		higher bool
	}{
		{"ttft_p95", 400, 440, true},
		{"output_tokens_per_s", 300, 270, false},
		{"goodput_rps", 10, 9, false},
	} {
		k, _ := slo.KindOf(tt.metric)
		bound, higher := toleranceBound(k, 0.1)
		if got := bound(tt.base); higher != tt.higher || got < tt.limit-1e-9 || got > tt.limit+1e-9 {
			t.Errorf("%s: bound %v (worse is higher %v), want %v (%v)", tt.metric, got, higher, tt.limit, tt.higher)
		}
	}
	// The streaming defaults join only a streaming run with a baseline
	// holding them.
	def, _ := ParseTolerance(DefaultTolerance)
	stream := []record.Record{streamStep(0, 10, 400, 60, 300)}
	withTTFT := &Baseline{Configs: map[string]BaselineMetrics{"llm": {Metrics: map[string]float64{"ttft_p95": 400}}}}
	without := &Baseline{Configs: map[string]BaselineMetrics{"llm": {Metrics: map[string]float64{"p95": 400}}}}
	if got := def.withStreaming(Input{Records: stream, Baseline: withTTFT}); got.Metrics["ttft_p95"] != 0.25 || got.Metrics["output_tokens_per_s"] != 0.15 || got.Metrics["p95"] != 0.25 {
		t.Errorf("streaming defaults %v", got.Metrics)
	}
	if got := def.withStreaming(Input{Records: stream, Baseline: without}); len(got.Metrics) != len(def.Metrics) {
		t.Errorf("a baseline without streams got %v", got.Metrics)
	}
	if got := def.withStreaming(Input{Records: []record.Record{step("a", 100, 10, 0, 5)}, Baseline: withTTFT}); len(got.Metrics) != len(def.Metrics) {
		t.Errorf("a plain run got %v", got.Metrics)
	}
}

// TestRunStreamingDefaultsWhereHeld: the default streaming tolerances
// compare a configuration only on the metrics its baseline holds. A
// baseline configuration without tpot_p95 (its streams were single
// tokens, or it did not stream in a mixed baseline) is not failed as
// "the baseline has no tpot_p95" for a tolerance nobody asked for; the
// same tolerance given by --tolerance still fails it.
func TestRunStreamingDefaultsWhereHeld(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	run := streamDir(t, 400, false)
	baseline := filepath.Join(t.TempDir(), "baseline.json")
	var stdout, stderr bytes.Buffer
	if err := SaveBaseline(context.Background(), run, baseline, Options{}, &stderr); err != nil {
		t.Fatalf("save baseline: %v", err)
	}
	b, err := LoadBaseline(baseline)
	if err != nil {
		t.Fatal(err)
	}
	m := b.Configs["llm"]
	delete(m.Metrics, "tpot_p95")
	delete(m.Samples, "tpot_p95")
	b.Configs["llm"] = m
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(baseline, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), run, Options{Baseline: baseline}, &stdout, &stderr); err != nil {
		t.Fatalf("default tolerances failed a metric the baseline does not hold: %v\n%s", err, stdout.String())
	}
	if strings.Contains(stdout.String(), "tpot_p95 vs baseline") || !strings.Contains(stdout.String(), "ttft_p95 vs baseline") {
		t.Errorf("want ttft_p95 compared and tpot_p95 not:\n%s", stdout.String())
	}
	stdout.Reset()
	err = Run(context.Background(), run, Options{Baseline: baseline, Tolerance: "tpot_p95=25%"}, &stdout, &stderr)
	if !errors.As(err, new(*ExitError)) || !strings.Contains(stdout.String(), "the baseline has no tpot_p95") {
		t.Errorf("an explicit tpot_p95 tolerance must fail without it in the baseline: %v\n%s", err, stdout.String())
	}
}
