package slo

import (
	"math"
	"testing"

	"github.com/loadlab/loadlab/record"
)

func TestPressure(t *testing.T) {
	rec := func(p95, errRate, rps float64) record.Record {
		return record.Record{Latency: &record.Latency{P95: p95, P99: 2 * p95}, LatencyOK: &record.Latency{P95: p95}, ErrorRate: errRate, RPS: rps}
	}
	inf := math.Inf(1)
	tests := []struct {
		name string
		slo  string
		rec  record.Record
		want float64
		text string
	}{
		{"empty SLO", "", rec(500, 0, 10), 0, ""},
		{"upper bound below", "p95<1s", rec(500, 0, 10), 0.5, "p95<1s"},
		{"at the limit", "p95<1s", rec(1000, 0, 10), 1, "p95<1s"},
		{"upper bound above", "p95<1s", rec(1400, 0, 10), 1.4, "p95<1s"},
		{"largest condition decides", "p95<1s,error_rate<1%", rec(500, 0.02, 10), 2, "error_rate<1%"},
		{"the other one", "p95<1s,error_rate<1%", rec(900, 0.005, 10), 0.9, "p95<1s"},
		{"p99 tighter", "p95<1s,p99<1500ms", rec(900, 0, 10), 1.2, "p99<1500ms"},
		{"lower bound met", "rps>=500", rec(100, 0, 1000), 0.5, "rps>=500"},
		{"lower bound missed", "rps>=500", rec(100, 0, 250), 2, "rps>=500"},
		{"lower bound, nothing measured", "rps>=500", rec(100, 0, 0), inf, "rps>=500"},
		{"no answers", "p95<1s", record.Record{}, inf, "p95<1s"},
		{"no successful answers", "p95_ok<1s", record.Record{Latency: &record.Latency{P95: 10}}, inf, "p95_ok<1s"},
		{"zero limit, zero measured", "error_rate<=0", rec(100, 0, 10), 0, "error_rate<=0"},
		{"zero limit, anything measured", "error_rate<=0", rec(100, 0.001, 10), inf, "error_rate<=0"},
		{"zero measured against an upper bound", "error_rate<1%", rec(100, 0, 10), 0, "error_rate<1%"},
		{"infinite beats finite", "p95<1s,rps>=500", rec(5000, 0, 0), inf, "rps>=500"},
	}
	for _, tt := range tests {
		s, err := Parse(tt.slo)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		p, text := s.Pressure(tt.rec)
		if !(p == tt.want || math.Abs(p-tt.want) < 1e-9) || text != tt.text {
			t.Errorf("%s: Pressure = %v %q, want %v %q", tt.name, p, text, tt.want, tt.text)
		}
		// Pressure above 1 is a breach, at or below 1 a pass, for the strict
		// bounds used here (except at exactly 1).
		if p != 1 && len(s) > 0 && (p > 1) == s.Evaluate(tt.rec).Pass {
			t.Errorf("%s: pressure %v disagrees with Evaluate %+v", tt.name, p, s.Evaluate(tt.rec))
		}
	}
}
