package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFromDir reads a recorded run (the report's workshop fixture: slo
// p95<1s,error_rate<1%, target_users 10000) into a gate input: the
// experiment's thresholds unless --slo is given, its target load, where to
// evaluate, and each configuration's capacity; wrong options are refused.
func TestFromDir(t *testing.T) {
	dir := filepath.Join("..", "testdata", "workshop")
	in, err := FromDir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if in.SLO.String() != "p95<1s,error_rate<1%" || in.TargetLoad != 10000 || in.At != AtTarget || len(in.Records) == 0 || len(in.Capacity) == 0 {
		t.Errorf("input: slo %q, target %v, at %q, %d records, capacities %v", in.SLO, in.TargetLoad, in.At, len(in.Records), in.Capacity)
	}
	measured := 0
	for name, c := range in.Capacity {
		if c > 0 && in.Step[name] > 0 {
			measured++
		}
	}
	if measured == 0 {
		t.Errorf("capacities %v, steps %v: want a configuration with both > 0", in.Capacity, in.Step)
	}
	if in, err := FromDir(dir, Options{SLO: "p99<2s", AtLoad: 500}); err != nil || in.SLO.String() != "p99<2s" || in.At != AtUsers || in.AtLoad != 500 {
		t.Errorf("with --slo and --at-users: %q %q %v, %v", in.SLO, in.At, in.AtLoad, err)
	}
	if in, err := FromDir(dir, Options{At: AtCapacity}); err != nil || in.At != AtCapacity {
		t.Errorf("--at capacity: %q, %v", in.At, err)
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{SLO: "p95<<1s"}, "--slo"},
		{Options{AtLoad: 5, At: AtCapacity}, "not both"},
		{Options{At: "middle"}, `--at "middle"`},
	} {
		if _, err := FromDir(dir, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error containing %q", tc.o, err, tc.want)
		}
	}

	bare := t.TempDir()
	if err := os.WriteFile(filepath.Join(bare, "steps.jsonl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := FromDir(bare, Options{}); err == nil || !strings.Contains(err.Error(), "no thresholds") {
		t.Errorf("a run without experiment.yaml and --slo: %v, want no thresholds", err)
	}
	if _, err := FromDir(filepath.Join(bare, "missing"), Options{SLO: "p95<1s"}); err == nil {
		t.Error("a folder without steps.jsonl was read")
	}
}
