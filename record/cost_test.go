package record

import (
	"math"
	"testing"
)

func TestSetCost(t *testing.T) {
	for _, tc := range []struct {
		name          string
		cores, rps    float64
		perReq, perCS float64
	}{
		{"half a core at 1000 req/s", 0.5, 1000, 0.5, 2000},
		{"40 µs per request", 0.02, 500, 0.04, 25000},
		{"no requests", 0.5, 0, 0, 0},
		{"no CPU", 0, 1000, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := Target{CPUCores: tc.cores, CPUPerRequestMs: 9, RequestsPerCPUS: 9}
			tg.SetCost(tc.rps)
			if math.Abs(tg.CPUPerRequestMs-tc.perReq) > 1e-9 || math.Abs(tg.RequestsPerCPUS-tc.perCS) > 1e-6 {
				t.Fatalf("SetCost(%v) on %v cores = %v ms, %v req/CPU-s; want %v, %v", tc.rps, tc.cores, tg.CPUPerRequestMs, tg.RequestsPerCPUS, tc.perReq, tc.perCS)
			}
		})
	}
	partial := Target{CPUCores: 0.5, UnmeasuredReplicas: []string{"svc.2"}}
	if partial.SetCost(1000); partial.CPUPerRequestMs != 0 || partial.RequestsPerCPUS != 0 {
		t.Errorf("a step with an unmeasured replica has a cost per request: %+v", partial)
	}
	var nilTarget *Target
	nilTarget.SetCost(100) // no panic: a step without telemetry
}
