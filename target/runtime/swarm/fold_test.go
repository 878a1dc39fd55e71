package swarm

import (
	"errors"
	"testing"
	"time"

	"github.com/loadlab/loadlab/target/runtime"
)

// TestFold: a slot's counters carry on across its tasks, and its read time
// is its one measured task's, so that runtime.Between takes the CPU rate
// between the engine's own reads, as the docker runtime does.
func TestFold(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)
	read := func(id string, cpu float64, at time.Time) sampled {
		return sampled{task: task{id: id, nodeID: "n1"}, ok: true, ru: runtime.ReplicaUsage{CPUSeconds: cpu, MemoryBytes: 10, At: at}}
	}
	failed := func(id string) sampled { return sampled{task: task{id: id}, err: errors.New("stats timed out")} }

	type want struct {
		cpu      float64
		at       time.Time
		measured bool
	}
	rounds := []struct {
		name    string
		samples []sampled
		want    want
	}{
		{"one task", []sampled{read("a", 1, t0)}, want{1, t0, true}},
		{"the same task later", []sampled{read("a", 1.5, t0.Add(5*time.Second))}, want{1.5, t0.Add(5 * time.Second), true}},
		{"its sample failed: the last one stands, with no read time", []sampled{failed("a")}, want{1.5, time.Time{}, false}},
		{"replaced: the ended task's CPU joins the base", []sampled{read("b", 0.25, t0.Add(12*time.Second))}, want{1.75, t0.Add(12 * time.Second), true}},
		{"a start-first rollout: two tasks, no one read time", []sampled{read("b", 0.5, t0.Add(15*time.Second)), read("c", 0.1, t0.Add(15*time.Second))}, want{2.1, time.Time{}, true}},
		{"one task left", []sampled{read("c", 0.2, t0.Add(20*time.Second))}, want{2.2, t0.Add(20 * time.Second), true}},
		{"a new task unread: not counted yet", []sampled{read("c", 0.3, t0.Add(25*time.Second)), failed("d")}, want{2.3, t0.Add(25 * time.Second), true}},
		{"one read and one kept sample: no one read time", []sampled{failed("c"), read("d", 0.05, t0.Add(30*time.Second))}, want{2.35, time.Time{}, true}},
	}
	var acc slotCounters
	for _, r := range rounds {
		ru, measured := acc.fold(r.samples)
		got := want{ru.CPUSeconds, ru.At, measured}
		if diff := got.cpu - r.want.cpu; diff > 1e-9 || diff < -1e-9 || !got.at.Equal(r.want.at) || got.measured != r.want.measured {
			t.Errorf("%s: got %+v, want %+v", r.name, got, r.want)
		}
		if wantClock := map[bool]string{true: "", false: "n1"}[ru.At.IsZero()]; ru.Clock != wantClock {
			t.Errorf("%s: clock %q with read time %v, want %q (the task's node with its read time)", r.name, ru.Clock, ru.At, wantClock)
		}
	}
}
