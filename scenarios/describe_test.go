package scenarios

import (
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	tests := []struct {
		s    Scenario
		want string
	}{
		{Scenario{Ramp: Ramp{From: 500, To: 10000, By: 500}}, "users 500→10000 by 500, hold 30s, think 1s–2.5s"},
		{Scenario{Model: "rate", Ramp: Ramp{From: 100, To: 2000, By: 100, Hold: time.Minute, Settle: 5 * time.Second}},
			"rate 100→2000 by 100 req/s, hold 1m, settle 5s"},
		{Scenario{Ramp: Ramp{From: 1}, Think: Think{None: true}, Connections: ConnShared, Pool: 8},
			"users 1, hold 30s, think 0, 8 shared connections"},
		{Scenario{Preset: "spike"}, "spike: users 100, 1000, 100, hold 1m, think 1s–2.5s"},
		{Scenario{Preset: "stress"}, "stress: users 500→10000 by 500, hold 30s, settle 5s, think 1s–2.5s, stop on p95<1s,error_rate<1%"},
		{Scenario{Preset: "soak", Think: Think{Min: 2 * time.Second, Max: 2 * time.Second}}, "soak: users 100, hold 1h, settle 1m, think 2s"},
		{Scenario{Ramp: Ramp{Steps: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, Hold: 90 * time.Second}},
			"users 1, 2, 3, 4, 5, 6, … 10 (10 steps), hold 1m30s, think 1s–2.5s"},
	}
	for _, tc := range tests {
		if got := tc.s.Describe(); got != tc.want {
			t.Errorf("Describe() = %q\n          want %q", got, tc.want)
		}
	}
}
