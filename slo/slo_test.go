package slo

import (
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

func TestParse(t *testing.T) {
	tests := []struct {
		expr string
		want []Condition
	}{
		{"p95<1s", []Condition{{Metric: "p95", Op: "<", Value: 1000, Kind: KindLatency}}},
		{" p99 <= 250ms , error_rate<1% ", []Condition{
			{Metric: "p99", Op: "<=", Value: 250, Kind: KindLatency},
			{Metric: "error_rate", Op: "<", Value: 0.01, Kind: KindRate}}},
		{"error_rate<0.005", []Condition{{Metric: "error_rate", Op: "<", Value: 0.005, Kind: KindRate}}},
		{"rps>=500,ok_rps>10", []Condition{
			{Metric: "rps", Op: ">=", Value: 500, Kind: KindRPS},
			{Metric: "ok_rps", Op: ">", Value: 10, Kind: KindRPS}}},
		{"p50_ok<20", []Condition{{Metric: "p50_ok", Op: "<", Value: 20, Kind: KindLatency}}},
		{"max<1500us", []Condition{{Metric: "max", Op: "<", Value: 1.5, Kind: KindLatency}}},
		{"", nil},
	}
	for _, tt := range tests {
		got, err := Parse(tt.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.expr, err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("Parse(%q) = %d conditions, want %d", tt.expr, len(got), len(tt.want))
		}
		for i := range got {
			g, w := got[i], tt.want[i]
			if g.Metric != w.Metric || g.Op != w.Op || g.Kind != w.Kind || abs(g.Value-w.Value) > 1e-9 {
				t.Errorf("Parse(%q)[%d] = %+v, want %+v", tt.expr, i, g, w)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"p95", "want metric, operator and value"},
		{"p95=1s", "operator must be one of"},
		{"p96<1s", `unknown metric "p96"`},
		{"p95<fast", "is not a duration"},
		{"p95<", "missing value"},
		{"error_rate<150%", "from 0% to 100%"},
		{"error_rate<2", "fraction from 0 to 1"},
		{"rps>=-1", "non-negative"},
		{"p95<1s,,rps>1", "empty condition"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.expr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %v, want it to contain %q", tt.expr, err, tt.want)
		}
	}
	// Every bad condition is reported, not just the first.
	_, err := Parse("p96<1s,rps>=x")
	if err == nil || !strings.Contains(err.Error(), "p96") || !strings.Contains(err.Error(), "rps") {
		t.Errorf("want both errors joined, got %v", err)
	}
}

func TestEvaluate(t *testing.T) {
	s, err := Parse("p95<1s,error_rate<1%,rps>=500,p99_ok<2s")
	if err != nil {
		t.Fatal(err)
	}
	ok := record.Record{RPS: 600, ErrorRate: 0.005,
		Latency: &record.Latency{P95: 900}, LatencyOK: &record.Latency{P99: 1500}}
	if res := s.Evaluate(ok); !res.Pass || len(res.Breaches) != 0 {
		t.Errorf("passing step judged %+v", res)
	}
	bad := ok
	bad.Latency.P95 = 1800
	bad.RPS = 400
	res := s.Evaluate(bad)
	if res.Pass || len(res.Breaches) != 2 {
		t.Fatalf("failing step judged %+v", res)
	}
	if res.Breaches[0] != "p95 1.80s breaches p95<1s" || res.Breaches[1] != "rps 400.0 breaches rps>=500" {
		t.Errorf("breaches = %q", res.Breaches)
	}
	// Exactly at the limit fails a strict bound and passes an inclusive one.
	edge := ok
	edge.Latency.P95 = 1000
	if s.Evaluate(edge).Pass {
		t.Error("p95 = 1000ms must breach p95<1s")
	}
	edge.RPS = 500
	edge.Latency.P95 = 999
	if !s.Evaluate(edge).Pass {
		t.Error("rps = 500 must satisfy rps>=500")
	}
}

func TestEvaluateWithinMargin(t *testing.T) {
	s, _ := Parse("p95<1s,rps>=500")
	rec := record.Record{RPS: 460, Latency: &record.Latency{P95: 1080}}
	if s.Evaluate(rec).Pass {
		t.Fatal("without margin the step must breach")
	}
	if res := s.EvaluateWithin(rec, 0.10); !res.Pass {
		t.Errorf("within a 10%% margin the step must pass, got %+v", res)
	}
	rec.Latency.P95 = 1200
	if s.EvaluateWithin(rec, 0.10).Pass {
		t.Error("p95 20% over the limit must breach a 10% margin")
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{"p95<1s,error_rate<1%", "rps>=500", "p99_ok<=2.5s", "x", ",,", "error_rate<0.5"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err != nil {
			return
		}
		// A parsed SLO renders back to an expression that parses the same.
		again, err := Parse(s.String())
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", s.String(), expr, err)
		}
		if len(again) != len(s) {
			t.Fatalf("re-parse of %q changed the condition count", s.String())
		}
	})
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// A step without answers (no result arrived, so no latencies) must breach
// every latency condition, even within a margin, and report why.
func TestEvaluateNoAnswers(t *testing.T) {
	s, _ := Parse("p95<1s,error_rate<1%,p99_ok<2s")
	silent := record.Record{Requests: 0, ErrorRate: 0}
	for _, margin := range []float64{0, 0.5} {
		res := s.EvaluateWithin(silent, margin)
		if res.Pass || len(res.Breaches) != 2 {
			t.Fatalf("margin %v: a step without answers judged %+v", margin, res)
		}
		if res.Breaches[0] != "p95 not measured (no answers) breaches p95<1s" {
			t.Errorf("breach = %q", res.Breaches[0])
		}
	}
	// All requests failed: p95 exists, p99_ok does not.
	failed := record.Record{Requests: 5, Errors: 5, ErrorRate: 1, Latency: &record.Latency{P95: 3}}
	if res := s.Evaluate(failed); res.Pass || len(res.Breaches) != 2 {
		t.Errorf("an all-error step judged %+v", res)
	}
	if _, ok := Measure("p95_ok", failed); ok {
		t.Error("p95_ok of a step without successes must not be measured")
	}
}

func TestCPUCostMetrics(t *testing.T) {
	s, err := Parse("cpu_per_request<2ms,requests_per_cpu_s>=5000")
	if err != nil {
		t.Fatal(err)
	}
	if s[0].Kind != KindCPU || s[0].Value != 2 || s[1].Kind != KindPerCPU || s[1].Value != 5000 {
		t.Fatalf("parsed %+v", s)
	}
	if c, _ := ParseCondition("cpu_per_request<250us"); c.Value != 0.25 {
		t.Fatalf("250us = %v ms, want 0.25", c.Value)
	}
	cheap := record.Record{Target: &record.Target{CPUPerRequestMs: 0.04, RequestsPerCPUS: 25000}}
	if res := s.Evaluate(cheap); !res.Pass {
		t.Fatalf("40µs per request breaches %v: %v", s, res.Breaches)
	}
	dear := record.Record{Target: &record.Target{CPUPerRequestMs: 4, RequestsPerCPUS: 250}}
	if res := s.Evaluate(dear); res.Pass || len(res.Breaches) != 2 {
		t.Fatalf("4ms per request passes %v: %+v", s, res)
	}
	// No telemetry (the url runtime) is not measured, and breaches.
	res := s.Evaluate(record.Record{})
	if res.Pass || !strings.Contains(res.Breaches[0], "no target CPU telemetry") {
		t.Fatalf("a step without telemetry: %+v", res)
	}
	if got := FormatValue(KindCPU, 0.0352); got != "35.2µs" {
		t.Fatalf("FormatValue(KindCPU, 0.0352) = %q", got)
	}
	if !KindPerCPU.HigherIsBetter() || KindCPU.HigherIsBetter() || !KindRPS.HigherIsBetter() || KindLatency.HigherIsBetter() {
		t.Fatal("HigherIsBetter: throughputs only")
	}
}
