package gate

import "fmt"

// cpuMetrics are the tolerance metrics that count a CPU model's work: a
// baseline of them compares only on the CPU model it was recorded on.
var cpuMetrics = []string{"cpu_per_request", "requests_per_cpu_s"}

// machineOf is the CPU model in a results folder's environment.json
// (rundir.Environment.CPUModel), "" when it does not say (older runs).
func machineOf(env map[string]any) string {
	s, _ := env["cpu_model"].(string)
	return s
}

// machineCheck is the verdict's note on a baseline recorded on another CPU
// model than in's run while a CPU metric is compared: a passing check
// (runners of one CI type vary in CPU model, and a refusal would break
// their gates at random) whose message names both models, so that a
// failure or a pass on CPU per request is read knowing it. ok is false
// when the models agree, either is unknown, or no CPU metric is compared.
func machineCheck(in Input) (c Check, ok bool) {
	base := in.Baseline.Machine
	if base == "" || in.Machine == "" || base == in.Machine {
		return Check{}, false
	}
	for _, m := range cpuMetrics {
		if _, compared := in.Tolerance.Metrics[m]; compared {
			ok = true
		}
	}
	if !ok {
		return Check{}, false
	}
	return Check{Name: "baseline machine", Metric: "machine", Measured: in.Machine, Limit: "the same CPU model",
		Baseline: base, Pass: true,
		Message: fmt.Sprintf("the baseline was recorded on %q, this run on %q: CPU per request counts one CPU model's work, so its change mixes the API's with the machine's (record the baseline on this runner type)", base, in.Machine)}, true
}
