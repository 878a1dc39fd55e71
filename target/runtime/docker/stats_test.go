package docker

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// TestUsageFromEngineStats converts a one-shot stats answer recorded from
// Docker 20.10 on cgroup v1 (throttling values edited to be non-zero).
func TestUsageFromEngineStats(t *testing.T) {
	raw, err := os.ReadFile("testdata/stats-cgroupv1.json")
	if err != nil {
		t.Fatal(err)
	}
	var s container.StatsResponse
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	got := usageFrom("r1", s, record.Config{CPUs: 0.5, MemoryBytes: 64 << 20})
	want := runtime.ReplicaUsage{
		Name:             "r1",
		CPUSeconds:       0.02987948,
		CPULimit:         0.5,
		MemoryBytes:      6668288 - 4931584, // usage minus total_inactive_file
		MemoryLimit:      64 << 20,
		ThrottledPeriods: 3,
		ThrottledSeconds: 0.123456789,
		At:               time.Date(2026, 11, 22, 12, 55, 44, 795091436, time.UTC), // the engine's "read"
	}
	if got != want {
		t.Errorf("usageFrom =\n %+v\nwant\n %+v", got, want)
	}
}

func TestMemoryUsage(t *testing.T) {
	tests := []struct {
		name string
		m    container.MemoryStats
		want uint64
	}{
		{"cgroup v1 subtracts total_inactive_file", container.MemoryStats{Usage: 1000, Stats: map[string]uint64{"total_inactive_file": 300, "inactive_file": 100}}, 700},
		{"cgroup v2 subtracts inactive_file", container.MemoryStats{Usage: 1000, Stats: map[string]uint64{"inactive_file": 250}}, 750},
		{"cache larger than usage is ignored", container.MemoryStats{Usage: 100, Stats: map[string]uint64{"total_inactive_file": 300}}, 100},
		{"no stats", container.MemoryStats{Usage: 42}, 42},
		{"stopped container", container.MemoryStats{}, 0},
	}
	for _, tt := range tests {
		if got := memoryUsage(tt.m); got != tt.want {
			t.Errorf("%s: memoryUsage = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestStatsOfRemovedReplica: a replica removed from outside mid-run (its
// stats and inspect calls answer "not found") keeps its last sample's
// cumulative CPU instead of dropping out of Usage, which would lose the
// target telemetry of the whole step.
func TestStatsOfRemovedReplica(t *testing.T) {
	r := engine(t)
	spec := newSpec(t, record.Config{Name: "removed", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 2})
	ctx := context.Background()
	d := deploy(t, r, spec)
	victim := d.Names()[1]
	if drive(t, d.URLs(), "POST", "/predict", predictBatch(10), 2, 200, 5*time.Second) == 0 {
		t.Fatal("no request succeeded")
	}
	before, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Replicas) != 2 || before.Replicas[1].CPUSeconds <= 0 {
		t.Fatalf("Stats before the removal = %+v, want CPU time for both replicas", before.Replicas)
	}
	if err := r.cli.ContainerRemove(ctx, victim, container.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	after, err := d.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats after %s was removed: %v", victim, err)
	}
	if len(after.Replicas) != 2 {
		t.Fatalf("Stats after the removal = %+v, want both replicas", after.Replicas)
	}
	got, was := after.Replicas[1], before.Replicas[1]
	if got.Name != victim || got.CPUSeconds != was.CPUSeconds || got.MemoryBytes != 0 || got.MemoryLimit != 64<<20 {
		t.Errorf("removed replica = %+v, want its last sample's CPU %.3f s, memory 0, limit kept", got, was.CPUSeconds)
	}
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoLeftovers(t, r, spec.RunID)
}
