package experiments

import (
	"testing"
	"time"

	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/search"
)

func TestPortsPerReplica(t *testing.T) {
	users := func(to float64) scenarios.Scenario {
		return scenarios.Scenario{Model: "users", Ramp: scenarios.Ramp{From: 500, To: to, By: 500}}.WithDefaults()
	}
	capSearch := func(max float64) scenarios.Scenario {
		return scenarios.Scenario{Model: "users", Ramp: scenarios.Ramp{Search: &search.Capacity{From: 1000, Max: max}, Hold: 20 * time.Second}}.WithDefaults()
	}
	limits := scenarios.Scenario{Model: "users", Ramp: scenarios.Ramp{Hold: 20 * time.Second}}.WithDefaults()
	tests := []struct {
		name     string
		s        scenarios.Scenario
		replicas int
		peak     int
		want     int
	}{
		{"few users, one port", users(2000), 1, 0, 1},
		{"exactly one port's worth", users(2500), 1, 0, 1},
		{"10,000 users on one replica", users(10000), 1, 0, 4},
		{"10,000 users on two replicas", users(10000), 2, 0, 2},
		{"10,000 users on five replicas", users(10000), 5, 0, 1},
		{"shared pool", scenarios.Scenario{Model: "users", Connections: "shared", Pool: 6000, Ramp: scenarios.Ramp{Steps: []float64{10000}}}.WithDefaults(), 1, 0, 3},
		{"open loop bounded by its workers", scenarios.Scenario{Model: "rate", MaxWorkers: 10000, Ramp: scenarios.Ramp{Steps: []float64{100}}}.WithDefaults(), 2, 0, 2},
		{"never more than the cap", users(100000), 1, 0, maxPortsPerReplica},
		// A limit search's scenario has no levels: its peak is target_users.
		{"search to 10,000 users on one replica", limits, 1, 10000, 4},
		{"search to 10,000 users on two replicas", limits, 2, 10000, 2},
		{"search to 40 users", limits, 1, 40, 1},
		// A capacity search (ramp.search) has no levels either: its peak is search.max.
		{"capacity search to 10,000 users on one replica", capSearch(10000), 1, 0, 4},
		{"capacity search to 10,000 users on two replicas", capSearch(10000), 2, 0, 2},
		{"open-loop search: its workers", scenarios.Scenario{Model: "rate", MaxWorkers: 6000, Ramp: scenarios.Ramp{Hold: time.Second}}.WithDefaults(), 1, 10000, 3},
	}
	for _, tt := range tests {
		if got := portsPerReplica(tt.s, tt.replicas, tt.peak); got != tt.want {
			t.Errorf("%s: portsPerReplica = %d, want %d", tt.name, got, tt.want)
		}
	}
}
