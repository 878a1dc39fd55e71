package experiments

import (
	"testing"

	"github.com/loadlab/loadlab/scenarios"
)

func TestPortsPerReplica(t *testing.T) {
	users := func(to float64) scenarios.Scenario {
		return scenarios.Scenario{Model: "users", Ramp: scenarios.Ramp{From: 500, To: to, By: 500}}.WithDefaults()
	}
	tests := []struct {
		name     string
		s        scenarios.Scenario
		replicas int
		want     int
	}{
		{"few users, one port", users(2000), 1, 1},
		{"exactly one port's worth", users(2500), 1, 1},
		{"10,000 users on one replica", users(10000), 1, 4},
		{"10,000 users on two replicas", users(10000), 2, 2},
		{"10,000 users on five replicas", users(10000), 5, 1},
		{"shared pool", scenarios.Scenario{Model: "users", Connections: "shared", Pool: 6000, Ramp: scenarios.Ramp{Steps: []float64{10000}}}.WithDefaults(), 1, 3},
		{"open loop bounded by its workers", scenarios.Scenario{Model: "rate", MaxWorkers: 10000, Ramp: scenarios.Ramp{Steps: []float64{100}}}.WithDefaults(), 2, 2},
		{"never more than the cap", users(100000), 1, maxPortsPerReplica},
	}
	for _, tt := range tests {
		if got := portsPerReplica(tt.s, tt.replicas); got != tt.want {
			t.Errorf("%s: portsPerReplica = %d, want %d", tt.name, got, tt.want)
		}
	}
}
