package slo

import (
	"math"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
)

func ptr(v float64) *float64 { return &v }

// streamed is a step with streamed responses: TTFT p95 800 ms, ITL p99
// 90 ms, TPOT p50 40 ms, 250 tokens/s, 6 good requests/s.
func streamed() record.Record {
	return record.Record{
		Latency: &record.Latency{P95: 3000},
		TTFT:    &record.Latency{Min: 100, Mean: 400, P50: 350, P90: 700, P95: 800, P99: 950, Max: 1200},
		ITL:     &record.Latency{P50: 30, P99: 90},
		TPOT:    &record.Latency{P50: 40, P95: 70},
		Stream:  record.Stream{Streamed: 120, OutputTokens: 5000, OutputTokensPerS: 250, GoodputRequests: 60, GoodputRPS: ptr(6)},
	}
}

func TestParseStreaming(t *testing.T) {
	tests := []struct {
		expr  string
		kind  Kind
		value float64
	}{
		{"ttft_p95<500ms", KindStreamLatency, 500},
		{"itl_p99<100ms", KindStreamLatency, 100},
		{"tpot_p50<50", KindStreamLatency, 50},
		{"ttft_max<=1.5s", KindStreamLatency, 1500},
		{"output_tokens_per_s>=200", KindTokens, 200},
		{"goodput_rps>=5", KindRPS, 5},
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.expr, err)
		}
		if len(s) != 1 || s[0].Kind != tt.kind || math.Abs(s[0].Value-tt.value) > 1e-9 {
			t.Errorf("Parse(%q) = %+v, want kind %d value %v", tt.expr, s, tt.kind, tt.value)
		}
	}
	for _, bad := range []struct{ expr, want string }{
		{"ttft_p96<1s", `unknown metric "ttft_p96"`},
		{"ttft<1s", `unknown metric "ttft"`},
		{"ttft_p95_ok<1s", "unknown metric"},
		{"tpot_p95<fast", "is not a duration"},
		{"output_tokens_per_s>=-3", "tokens per second"},
	} {
		if _, err := Parse(bad.expr); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Parse(%q) error = %v, want %q", bad.expr, err, bad.want)
		}
	}
	if !KindTokens.HigherIsBetter() || KindStreamLatency.HigherIsBetter() || !KindStreamLatency.Milliseconds() || KindTokens.Milliseconds() {
		t.Error("streaming kinds: tokens/s is higher-is-better, stream latencies are milliseconds, lower is better")
	}
}

func TestMeasureStreaming(t *testing.T) {
	allCut := record.Record{Latency: &record.Latency{P95: 20}, Stream: record.Stream{Streamed: 10}, ErrorRate: 1}
	plain := record.Record{Latency: &record.Latency{P95: 20}, RPS: 50}
	tests := []struct {
		metric string
		rec    record.Record
		want   float64
		ok     bool
		why    string
	}{
		{"ttft_min", streamed(), 100, true, ""},
		{"ttft_mean", streamed(), 400, true, ""},
		{"ttft_p90", streamed(), 700, true, ""},
		{"ttft_p95", streamed(), 800, true, ""},
		{"ttft_max", streamed(), 1200, true, ""},
		{"itl_p99", streamed(), 90, true, ""},
		{"tpot_p50", streamed(), 40, true, ""},
		{"p95", streamed(), 3000, true, ""},
		{"output_tokens_per_s", streamed(), 250, true, ""},
		{"goodput_rps", streamed(), 6, true, ""},
		// Streams that all failed: tokens/s is a measured 0, latencies
		// are missing.
		{"output_tokens_per_s", allCut, 0, true, ""},
		{"ttft_p95", allCut, 0, false, "no streamed response carried content"},
		{"tpot_p95", allCut, 0, false, "no streamed response of two tokens or more"},
		{"goodput_rps", allCut, 0, false, "no streamed responses and no goodput conditions"},
		// A step without streams measured none of them.
		{"ttft_p95", plain, 0, false, "no streamed responses"},
		{"itl_p99", plain, 0, false, "no streamed responses"},
		{"output_tokens_per_s", plain, 0, false, "no streamed responses"},
		{"goodput_rps", plain, 0, false, "no streamed responses and no goodput conditions"},
		{"p95", record.Record{}, 0, false, "no answers"},
	}
	for _, tt := range tests {
		got, ok := Measure(tt.metric, tt.rec)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Measure(%s) = %v, %v; want %v, %v", tt.metric, got, ok, tt.want, tt.ok)
		}
		if !ok {
			if why := NotMeasured(tt.metric, tt.rec); why != tt.why {
				t.Errorf("NotMeasured(%s) = %q, want %q", tt.metric, why, tt.why)
			}
		}
	}
}

func TestEvaluateStreaming(t *testing.T) {
	tests := []struct {
		name     string
		expr     string
		rec      record.Record
		breaches []string
	}{
		{"all hold", "ttft_p95<1s,tpot_p95<100ms,itl_p99<100ms,output_tokens_per_s>=200,goodput_rps>=5,error_rate<1%", streamed(), nil},
		{"ttft breaches", "ttft_p95<500ms", streamed(), []string{"ttft_p95 800.0ms breaches ttft_p95<500ms"}},
		{"tokens/s short", "output_tokens_per_s>=300", streamed(), []string{"output_tokens_per_s 250.0 tokens/s breaches output_tokens_per_s>=300"}},
		{"goodput short", "goodput_rps>=10", streamed(), []string{"goodput_rps 6.0 breaches goodput_rps>=10"}},
		{"no streams", "ttft_p95<1s,goodput_rps>=5", record.Record{Latency: &record.Latency{P95: 10}}, []string{
			"ttft_p95 not measured (no streamed responses) breaches ttft_p95<1s",
			"goodput_rps not measured (no streamed responses and no goodput conditions) breaches goodput_rps>=5"}},
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		res := s.Evaluate(tt.rec)
		if res.Pass != (len(tt.breaches) == 0) || strings.Join(res.Breaches, "|") != strings.Join(tt.breaches, "|") {
			t.Errorf("%s: Evaluate = %+v, want breaches %q", tt.name, res, tt.breaches)
		}
	}
}

func TestPressureStreaming(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		expr string
		rec  record.Record
		want float64
		text string
	}{
		{"ttft_p95<1s,tpot_p95<100ms", streamed(), 0.8, "ttft_p95<1s"},
		{"ttft_p95<1s,tpot_p95<50ms", streamed(), 1.4, "tpot_p95<50ms"},
		{"output_tokens_per_s>=500", streamed(), 2, "output_tokens_per_s>=500"},
		{"goodput_rps>=3", streamed(), 0.5, "goodput_rps>=3"},
		{"ttft_p95<1s", record.Record{Latency: &record.Latency{P95: 10}}, inf, "ttft_p95<1s"},
		{"output_tokens_per_s>=1", record.Record{Stream: record.Stream{Streamed: 3}}, inf, "output_tokens_per_s>=1"},
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		p, text := s.Pressure(tt.rec)
		if math.Abs(p-tt.want) > 1e-9 && !(math.IsInf(p, 1) && math.IsInf(tt.want, 1)) || text != tt.text {
			t.Errorf("Pressure(%s) = %v %q, want %v %q", tt.expr, p, text, tt.want, tt.text)
		}
	}
}

func TestFormatStreaming(t *testing.T) {
	for _, tt := range []struct {
		k    Kind
		v    float64
		want string
	}{
		{KindTokens, 212.54, "212.5 tokens/s"},
		{KindStreamLatency, 85.25, "85.2ms"},
		{KindStreamLatency, 1250, "1.25s"},
	} {
		if got := FormatValue(tt.k, tt.v); got != tt.want {
			t.Errorf("FormatValue(%d, %v) = %q, want %q", tt.k, tt.v, got, tt.want)
		}
	}
}
