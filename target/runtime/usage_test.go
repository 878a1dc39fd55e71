package runtime

import (
	"math"
	"testing"
	"time"
)

func TestBetween(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	start := Usage{At: t0, Replicas: []ReplicaUsage{
		{Name: "a", CPUSeconds: 10, CPULimit: 0.5, ThrottledPeriods: 100, ThrottledSeconds: 1},
		{Name: "b", CPUSeconds: 4, CPULimit: 0.5, OOMKills: 1},
	}}
	end := Usage{At: t0.Add(10 * time.Second), Replicas: []ReplicaUsage{
		{Name: "a", CPUSeconds: 14, CPULimit: 0.5, MemoryBytes: 100 << 20, MemoryLimit: 512 << 20,
			ThrottledPeriods: 150, ThrottledSeconds: 3.5},
		{Name: "b", CPUSeconds: 6, CPULimit: 0.5, MemoryBytes: 50 << 20, MemoryLimit: 512 << 20,
			OOMKills: 2, Restarts: 1},
	}}
	got := Between(start, end)
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("cpu_cores", got.CPUCores, 0.6)            // (4+2)/10
	near("cpu_pct_of_limit", got.CPUPctOfLimit, 60) // 0.6 of 1.0
	near("replica a cpu %", got.Replicas[0].CPUPctOfLimit, 80)
	near("memory %", got.MemoryPctOfLimit, 100*150.0/1024)
	near("throttled_s", got.ThrottledS, 2.5)
	if got.MemoryBytes != 150<<20 || got.ThrottledPeriods != 50 || got.OOMKills != 1 || got.Restarts != 1 {
		t.Errorf("sums = %+v", got)
	}
	if len(got.Replicas) != 2 {
		t.Fatalf("want 2 replicas, got %d", len(got.Replicas))
	}
}

// TestBetweenReadTimes: a replica's CPU rate is its CPU time over the
// interval between its own counter reads, when the runtime knows them. A
// Docker stats call returns counters read by the engine's collector up to
// a second after the call began: stamping the call's middle instead made
// a container held at its 0.1-CPU quota measure 88 % or 109 % of it on a
// 5 s window, from one repeat to the next.
func TestBetweenReadTimes(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	start := Usage{At: t0, Replicas: []ReplicaUsage{{Name: "a", CPUSeconds: 1, CPULimit: 0.1, At: t0.Add(400 * time.Millisecond)}}}
	end := Usage{At: t0.Add(5 * time.Second), Replicas: []ReplicaUsage{{Name: "a", CPUSeconds: 1.45, CPULimit: 0.1, At: t0.Add(4900 * time.Millisecond)}}}
	got := Between(start, end)
	if math.Abs(got.CPUCores-0.1) > 1e-9 || math.Abs(got.CPUPctOfLimit-100) > 1e-6 {
		t.Errorf("read 4.5 s apart: %v cores (%v %% of the limit), want 0.1 (100 %%)", got.CPUCores, got.CPUPctOfLimit)
	}
	start.Replicas[0].Clock, end.Replicas[0].Clock = "node-1", "node-2" // a swarm task replaced on another node
	if got := Between(start, end); math.Abs(got.CPUCores-0.09) > 1e-9 {
		t.Errorf("read by two nodes' clocks: %v cores, want 0.45 s / 5 s (the snapshots' times)", got.CPUCores)
	}
	end.Replicas[0].Clock = "node-1"
	start.Replicas[0].At = time.Time{} // unknown on one side: the snapshots' times
	if got := Between(start, end); math.Abs(got.CPUCores-0.09) > 1e-9 {
		t.Errorf("without the start's read time: %v cores, want 0.45 s / 5 s", got.CPUCores)
	}
}

func TestBetweenUnlimitedAndEmpty(t *testing.T) {
	t0 := time.Now()
	got := Between(Usage{At: t0}, Usage{At: t0.Add(time.Second), Replicas: []ReplicaUsage{{Name: "x", CPUSeconds: 0.5}}})
	if got.CPUCores != 0.5 || got.CPUPctOfLimit != 0 || got.MemoryPctOfLimit != 0 {
		t.Errorf("unlimited replica: %+v", got)
	}
	if z := Between(Usage{At: t0}, Usage{At: t0}); z.CPUCores != 0 || len(z.Replicas) != 0 {
		t.Errorf("empty: %+v", z)
	}
}

// TestSpecWithDefaults: an empty health path and a non-positive timeout
// take the defaults; set values are kept.
func TestSpecWithDefaults(t *testing.T) {
	if d := (Spec{HealthTimeout: -1}).WithDefaults(); d.HealthPath != DefaultHealthPath || d.HealthTimeout != DefaultHealthTimeout {
		t.Errorf("defaults: %q %v", d.HealthPath, d.HealthTimeout)
	}
	if d := (Spec{HealthPath: "/ready", HealthTimeout: 5 * time.Second}).WithDefaults(); d.HealthPath != "/ready" || d.HealthTimeout != 5*time.Second {
		t.Errorf("set values changed: %q %v", d.HealthPath, d.HealthTimeout)
	}
}
