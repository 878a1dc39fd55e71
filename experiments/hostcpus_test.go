package experiments

import (
	"context"
	"fmt"
	goruntime "runtime"
	"strings"
	"testing"
)

// hostSearch is a limit search whose largest CPU limit per replica is
// top, on line 4 of s.yaml (on a grid of about 10 values, whatever top).
func hostSearch(t *testing.T, top float64) Experiment {
	t.Helper()
	e, err := Parse("s.yaml", []byte(`name: s
target_users: 40
search:
  cpus: {min: 0.05, max: `+fmt.Sprint(top)+`, resolution: `+fmt.Sprint(top/10)+`}
  memory: 128m
scenario:
  model: users
  ramp: {hold: 1s}
`))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSearchCPUsAboveHost: a limit search whose largest CPU limit is
// above this machine's CPUs is refused for Docker (which refuses such a
// limit: the top trial would fail and the replica count end with no
// answer) at the line of search.cpus.max, naming the fix; the machine's
// own CPU count passes, and so does a search without search:.
func TestSearchCPUsAboveHost(t *testing.T) {
	n := goruntime.NumCPU()
	err := hostSearch(t, float64(n+1)).hostProblems(n)
	cpus := "CPUs"
	if n == 1 {
		cpus = "CPU"
	}
	want := fmt.Sprintf("s.yaml:4: search.cpus.max: %d is more than this machine's %d %s (Docker refuses a larger limit): lower it to %d or less", n+1, n, cpus, n)
	if err == nil || err.Error() != want {
		t.Errorf("max %d CPUs on %d: error %v, want %q", n+1, n, err, want)
	}
	if err := hostSearch(t, float64(n)).hostProblems(n); err != nil {
		t.Errorf("max %d CPUs on %d: %v", n, n, err)
	}
	if err := hostSearch(t, 0.5).hostProblems(1); err != nil {
		t.Errorf("max 0.5 CPU on 1: %v", err)
	}
	if err := (Experiment{Name: "x"}).hostProblems(1); err != nil {
		t.Errorf("no search: %v", err)
	}
}

// TestSearchCPUsAboveHostLocal: the local runtime accepts the limit
// (GOMAXPROCS above the CPUs is only approximate, not refused).
func TestSearchCPUsAboveHostLocal(t *testing.T) {
	rt, err := SelectRuntime(context.Background(), "local", hostSearch(t, float64(goruntime.NumCPU()+1)))
	if err != nil {
		t.Fatalf("local runtime refused: %v", err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSearchCPUsAboveHostDocker: choosing Docker (asked for, or auto with
// the daemon answering) refuses the search before anything is deployed.
func TestSearchCPUsAboveHostDocker(t *testing.T) {
	dockerRuntime(t) // skips without a daemon (fails in CI)
	e := hostSearch(t, float64(goruntime.NumCPU()+1))
	for _, mode := range []string{"docker", "auto"} {
		rt, err := SelectRuntime(context.Background(), mode, e)
		if err == nil {
			_ = rt.Close()
			t.Errorf("%s: accepted a CPU limit above the machine's", mode)
			continue
		}
		if !strings.Contains(err.Error(), "s.yaml:4: search.cpus.max:") {
			t.Errorf("%s: %v", mode, err)
		}
	}
}
