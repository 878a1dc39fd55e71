package runtime

import "github.com/loadlab/loadlab/record"

// Between turns two snapshots of the same deployment into a step's target
// telemetry: CPU cores used on average over the interval (each replica's
// between its own counter reads when both are known and were read by the
// same clock, ReplicaUsage.At and Clock),
// memory at the
// end, throttling, OOM kills and restarts during the interval. Replicas are
// matched by name; a replica missing from start counts from zero. The
// replicas end could not measure (Usage.Unmeasured) are named in the
// result's UnmeasuredReplicas; its totals leave them out.
func Between(start, end Usage) record.Target {
	secs := end.At.Sub(start.At).Seconds()
	before := make(map[string]ReplicaUsage, len(start.Replicas))
	for _, r := range start.Replicas {
		before[r.Name] = r
	}
	var sum record.Target
	var cpuLimit float64
	var memLimit int64
	for _, e := range end.Replicas {
		s := before[e.Name]
		var t record.Target
		rs := secs
		if !e.At.IsZero() && !s.At.IsZero() && e.Clock == s.Clock {
			rs = e.At.Sub(s.At).Seconds() // the replica's own reads
		}
		if rs > 0 {
			t.CPUCores = nonNeg(e.CPUSeconds-s.CPUSeconds) / rs
		}
		if e.CPULimit > 0 {
			t.CPUPctOfLimit = 100 * t.CPUCores / e.CPULimit
		}
		t.MemoryBytes = e.MemoryBytes
		if e.MemoryLimit > 0 {
			t.MemoryPctOfLimit = 100 * float64(e.MemoryBytes) / float64(e.MemoryLimit)
		}
		t.ThrottledPeriods = max(0, e.ThrottledPeriods-s.ThrottledPeriods)
		t.ThrottledS = nonNeg(e.ThrottledSeconds - s.ThrottledSeconds)
		t.OOMKills = max(0, e.OOMKills-s.OOMKills)
		t.Restarts = max(0, e.Restarts-s.Restarts)

		sum.CPUCores += t.CPUCores
		sum.MemoryBytes += t.MemoryBytes
		sum.ThrottledPeriods += t.ThrottledPeriods
		sum.ThrottledS += t.ThrottledS
		sum.OOMKills += t.OOMKills
		sum.Restarts += t.Restarts
		cpuLimit += e.CPULimit
		memLimit += e.MemoryLimit
		sum.Replicas = append(sum.Replicas, t)
	}
	sum.UnmeasuredReplicas = append([]string(nil), end.Unmeasured...)
	if cpuLimit > 0 {
		sum.CPUPctOfLimit = 100 * sum.CPUCores / cpuLimit
	}
	if memLimit > 0 {
		sum.MemoryPctOfLimit = 100 * float64(sum.MemoryBytes) / float64(memLimit)
	}
	return sum
}

func nonNeg(f float64) float64 {
	if f < 0 {
		return 0
	}
	return f
}
