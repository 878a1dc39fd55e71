package report

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// update regenerates the golden files: go test ./report -run Golden -update
var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// fixture loads a recorded run from testdata.
func fixture(t *testing.T, name string) Input {
	t.Helper()
	in, err := LoadDir(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("load fixture %s: %v", name, err)
	}
	return in
}

func mustSLO(t *testing.T, expr string) slo.SLO {
	t.Helper()
	s, err := slo.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustConfig(t *testing.T, a Analysis, name string) ConfigResult {
	t.Helper()
	c, ok := a.Config(name)
	if !ok {
		t.Fatalf("configuration %s missing from the analysis", name)
	}
	return c
}

// golden compares got with testdata/<name>, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (regenerate with go test ./report -run Golden -update): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (regenerate with -update after checking the change):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// ramp builds the closed-loop records of one configuration and repeat:
// steps[i] = {users, p95 ms, error rate, rps}.
type stepSpec struct {
	users     int
	p95       float64
	errRate   float64
	rps       float64
	saturated bool
}

func rampRecords(cfg record.Config, repeat int, steps []stepSpec) []record.Record {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []record.Record
	for i, s := range steps {
		rps := s.rps
		if rps == 0 {
			rps = float64(s.users) / 1.76
		}
		out = append(out, record.Record{
			Run: "synthetic", Repeat: repeat, Step: i, Config: cfg, StartedAt: t0.Add(time.Duration(i) * 30 * time.Second), WindowS: 25,
			Load: record.Load{Model: record.ModelUsers, Users: s.users, ThinkMinS: 1, ThinkMaxS: 2.5},
			RPS:  rps, OKRPS: rps * (1 - s.errRate), ErrorRate: s.errRate, Requests: int64(rps * 25),
			Latency:   &record.Latency{Mean: 10, P50: s.p95 / 2, P95: s.p95, P99: s.p95 * 1.5},
			Generator: record.Generator{CPUPct: 50, CPUAvailablePct: 200, Saturated: s.saturated},
			Target:    &record.Target{CPUPctOfLimit: 50, MemoryPctOfLimit: 40},
		})
	}
	return out
}

func dockerConfig(name string, cpus float64, memMiB int64, replicas int) record.Config {
	return record.Config{Name: name, CPUs: cpus, MemoryBytes: record.Bytes(memMiB << 20), Replicas: replicas, Runtime: "docker"}
}
