package experiments

import "testing"

// TestCPUPerRequestTruthDocker is the truth test (see cpucost_test.go)
// under the Docker runtime: cgroup CPU accounting, in nanoseconds, of a
// container limited to one CPU. It skips without a daemon, except in CI.
func TestCPUPerRequestTruthDocker(t *testing.T) {
	checkCPUCost(t, cpuCostSteps(t, runOn(dockerRuntime(t), assertRunRemoved), "0", "300us", "600us"))
}
