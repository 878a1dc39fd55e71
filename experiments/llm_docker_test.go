package experiments

import "testing"

// TestLLMExperimentDocker runs the shrunk llm experiment on Docker (the
// reference image under a 0.5-CPU limit): the streaming steps as on the
// local runtime, plus the container's telemetry, and nothing left behind.
func TestLLMExperimentDocker(t *testing.T) {
	rt := dockerRuntime(t)
	t.Cleanup(func() { assertRunRemoved(t, faultRunID(t)) })
	for _, r := range runLLM(t, rt, 0.5) {
		if r.Target == nil || r.Target.CPUCores <= 0 || r.Target.CPUPerRequestMs <= 0 {
			t.Errorf("step %d: no container telemetry: %+v", r.Step, r.Target)
		}
	}
}
