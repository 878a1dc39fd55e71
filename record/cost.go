package record

// SetCost sets the step's CPU cost per request from its average CPU use,
// in cores over the window, and its rate of completed requests, in
// requests per second over the same window: CPU-seconds ÷ requests is
// cores ÷ rps, whatever the window's length. Without requests or without
// CPU use both are 0 (not measured): a cost per request needs both. So
// they are when some replicas were not measured (UnmeasuredReplicas):
// every replica served the requests, but only some CPU was counted.
func (t *Target) SetCost(rps float64) {
	if t == nil {
		return
	}
	t.CPUPerRequestMs, t.RequestsPerCPUS = 0, 0
	if rps <= 0 || t.CPUCores <= 0 || len(t.UnmeasuredReplicas) > 0 {
		return
	}
	t.CPUPerRequestMs = 1000 * t.CPUCores / rps
	t.RequestsPerCPUS = rps / t.CPUCores
}
