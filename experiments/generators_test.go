package experiments

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/target/runtime/local"
)

// TestGeneratorsTwoLocal: an experiment with generators: 2 under the local
// runtime runs the reference API's ramp from two real `loadlab agent`
// processes: steps.jsonl holds the merged steps (each the exact sum of its
// two generators' shares, with the merged histogram and target
// telemetry), and no agent process is left when the run returns.
func TestGeneratorsTwoLocal(t *testing.T) {
	e, err := Parse("generators.yaml", []byte(`name: generators
generators: 2
configs:
  - {name: api, cpus: 1, memory: 256m}
scenario:
  ramp: {steps: [4, 8], hold: 3s, settle: 1s}
  think: {min: 20ms, max: 50ms}
warmup: 1s
slo: p95<1s,error_rate<1%
`))
	if err != nil {
		t.Fatal(err)
	}
	res, runErr, recs, log := runRecorded(t, &Runner{Runtime: local.New(), RunID: faultRunID(t)}, e, 2*time.Minute)
	if runErr != nil || res.Steps != 2 || len(res.Failed) > 0 || len(recs) != 2 {
		t.Fatalf("run = %+v, %v, %d records; want 2 steps\n%s", res, runErr, len(recs), log)
	}
	for i, rec := range recs {
		users := []int{4, 8}[i]
		if rec.Load.Users != users || rec.Partial || rec.Requests == 0 || rec.Errors > 0 || rec.Latency == nil || rec.Histogram == "" || rec.Target == nil {
			t.Errorf("step %d: users %d partial %v requests %d errors %d latency %v histogram %d chars target %v",
				i, rec.Load.Users, rec.Partial, rec.Requests, rec.Errors, rec.Latency, len(rec.Histogram), rec.Target)
		}
		if len(rec.Generators) != 2 {
			t.Fatalf("step %d: %d generators, want 2", i, len(rec.Generators))
		}
		var sum int64
		for _, g := range rec.Generators {
			sum += g.Requests
			if g.Users != users/2 || g.Requests == 0 || g.Partial || !strings.HasPrefix(g.ID, "local-") {
				t.Errorf("step %d generator %+v", i, g)
			}
		}
		if sum != rec.Requests {
			t.Errorf("step %d: generators' requests sum to %d, the step has %d", i, sum, rec.Requests)
		}
		t.Logf("step %d: %d users, %d requests (%d + %d), %.0f rps, p95 %.1f ms", i, users, rec.Requests,
			rec.Generators[0].Requests, rec.Generators[1].Requests, rec.RPS, rec.Latency.P95)
	}
	if !strings.Contains(log, "2 load generation agents registered") {
		t.Errorf("log does not say the agents registered:\n%s", log)
	}
	if left := agentChildren(t); len(left) > 0 {
		t.Fatalf("agent processes left after the run: %v", left)
	}
}

// agentChildren lists this process's children that run `loadlab agent`.
func agentChildren(t *testing.T) []string {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []string
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "cmdline"))
		if strings.Contains(string(cmd), "agent\x00--controller") {
			out = append(out, filepath.Base(filepath.Dir(p)))
		}
	}
	return out
}

func TestGeneratorsValidation(t *testing.T) {
	base := "name: g\nconfigs: [{name: api, cpus: 1}]\nscenario: {ramp: {steps: [4], hold: 2s}%s}\n%s"
	for _, tc := range []struct{ scenario, extra, want string }{
		{"", "generators: 0\n", "generators: must be from 1 to 64"},
		{"", "generators: 65\n", "must be from 1 to 64 load generators (got 65)"},
		{", stability: {enabled: true}", "generators: 2\n", "stability"},
		{"", "generators: 8\n", "at most 4 generators"},
	} {
		_, err := Parse("g.yaml", []byte(strings.Replace(strings.Replace(base, "%s", tc.scenario, 1), "%s", tc.extra, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "g.yaml:") {
			t.Errorf("%q: %v, want an error with %q", tc.extra, err, tc.want)
		}
	}
	if _, err := Parse("g.yaml", []byte(strings.Replace(strings.Replace(base, "%s", "", 1), "%s", "generators: 2\n", 1))); err != nil {
		t.Errorf("generators: 2: %v", err)
	}
}
