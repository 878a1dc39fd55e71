package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/internal/swarmtest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/rundir"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/swarm"
)

// useSwarm gives the test a real single-node swarm (the engine's, or one
// it initialises at 127.0.0.1 and leaves at the end of the test), and
// skips without Docker (fails in CI).
func useSwarm(t *testing.T) *swarmtest.Swarm {
	t.Helper()
	requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sw, err := swarmtest.Start(ctx, 4*time.Minute)
	apitest.RequireDocker(t, err)
	t.Cleanup(func() {
		if err := sw.Stop(); err != nil {
			t.Error(err)
		}
	})
	return sw
}

// swarmLeftovers lists the services, containers and networks of run.
func swarmLeftovers(t *testing.T, run string) []string {
	t.Helper()
	b, err := exec.Command("docker", "service", "ls", "--filter", "label=loadlab.run="+run, "--format", "service {{.Name}}").CombinedOutput()
	if err != nil {
		t.Fatalf("docker service ls: %v\n%s", err, b)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return append(out, dockerLeftovers(t, run)...)
}

// TestRunOnSwarm runs a tiny experiment with runtime: swarm through the
// real binary: one configuration of 2 replicas, 2 short steps. Both steps
// are recorded with the swarm runtime, host publishing and target
// telemetry for both replicas, and nothing of the run is left.
func TestRunOnSwarm(t *testing.T) {
	sw := useSwarm(t)
	dir := t.TempDir()
	exp := writeTestFile(t, dir, "swarm.yaml", fmt.Sprintf(`name: swarm-e2e
runtime: swarm
swarm:
  publish: host
  constraints: ["node.id==%s"]
  max_replicas_per_node: 2
configs:
  - {name: x2, cpus: 0.5, memory: 64m, replicas: 2}
scenario:
  model: users
  ramp: {steps: [2, 4], hold: 2s, settle: 500ms}
  think: {min: 50ms, max: 100ms}
slo: p95<2s,error_rate<5%%
`, sw.NodeID))
	out := filepath.Join(dir, "results")
	code, stdout, stderr := runCLI(t, nil, 3*time.Minute, "run", exp, "--out", out)
	if code != 0 {
		t.Fatalf("loadlab run exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	m := runIDLine.FindStringSubmatch(firstMatch(stderr, runIDLine))
	if m == nil {
		t.Fatalf("no run ID line in:\n%s", stderr)
	}
	run := m[1]
	t.Cleanup(func() {
		if left := swarmLeftovers(t, run); len(left) > 0 {
			t.Errorf("run %s left behind: %v", run, left)
		}
	})
	recs, err := record.ReadFile(filepath.Join(out, run))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2 steps\n%s", len(recs), stderr)
	}
	for _, r := range recs {
		if r.Config.Runtime != "swarm" || r.Config.Publish != swarm.PublishHost || r.Failure != "" {
			t.Errorf("step %d: runtime %q publish %q failure %q", r.Step, r.Config.Runtime, r.Config.Publish, r.Failure)
		}
		if r.Target == nil || len(r.Target.Replicas) != 2 || r.Target.CPUCores <= 0 || r.Target.MemoryBytes <= 0 || len(r.Target.UnmeasuredReplicas) != 0 {
			t.Errorf("step %d: target telemetry %+v: want CPU and memory of 2 measured replicas", r.Step, r.Target)
		}
		if r.Requests == 0 || r.Errors != 0 {
			t.Errorf("step %d: %d requests, %d errors", r.Step, r.Requests, r.Errors)
		}
	}
	if !strings.Contains(stderr, "runtime swarm") {
		t.Errorf("the run does not say it runs on swarm:\n%s", stderr)
	}
	if env, err := os.ReadFile(filepath.Join(out, run, rundir.EnvironmentFile)); err != nil || !bytes.Contains(env, []byte(`"swarm"`)) {
		t.Errorf("environment.json does not name the swarm runtime (%v): %s", err, env)
	}
}

func firstMatch(text string, re interface{ MatchString(string) bool }) string {
	for _, l := range strings.Split(text, "\n") {
		if re.MatchString(l) {
			return l
		}
	}
	return ""
}

// TestCleanRemovesDeadOwnersServices leaves a service owned by a process
// that has exited: `loadlab clean --dry-run` lists it, `loadlab clean`
// removes it and its task container, and a live run's service is kept.
func TestCleanRemovesDeadOwnersServices(t *testing.T) {
	sw := useSwarm(t)
	ctx := context.Background()
	rt, err := swarm.New(ctx, swarm.Options{Constraints: []string{"node.id==" + sw.NodeID}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	run := rundir.NewRunID(time.Now(), "swarm-clean")
	deps := map[string]*swarm.Deployment{}
	for name, owner := range map[string]runtime.Owner{"dead": {PID: gone.Process.Pid, Host: host, Start: 1}, "live": runtime.Self()} {
		d, err := rt.Deploy(ctx, runtime.Spec{RunID: run, Owner: owner, Config: record.Config{Name: name, Replicas: 1},
			Binary: loadlabBinary(t), HealthTimeout: 60 * time.Second})
		if err != nil {
			t.Fatalf("deploy %s: %v", name, err)
		}
		deps[name] = d.(*swarm.Deployment)
		t.Cleanup(func() { _ = d.Close(context.Background()) })
	}
	clean := func(c *cleanCmd) string {
		t.Helper()
		var out bytes.Buffer
		if err := c.exec(ctx, &out); err != nil {
			t.Fatalf("clean %+v: %v\n%s", c, err, out.String())
		}
		return out.String()
	}
	dead, live := "service "+deps["dead"].Name(), "service "+deps["live"].Name()
	out := clean(&cleanCmd{run: run, dryRun: true})
	if !strings.Contains(out, "would remove "+dead+"\n") || strings.Contains(out, live) {
		t.Errorf("clean --dry-run must list %s and not %s:\n%s", dead, live, out)
	}
	out = clean(&cleanCmd{run: run})
	if !strings.Contains(out, "removed "+dead+"\n") || strings.Contains(out, "removed "+live) {
		t.Errorf("clean must remove %s only:\n%s", dead, out)
	}
	left := swarmLeftovers(t, run)
	if len(left) != 2 || !strings.Contains(strings.Join(left, " "), deps["live"].Name()) {
		t.Errorf("after clean: %v, want only the live service and its container", left)
	}
	out = clean(&cleanCmd{run: run, force: true})
	if left := swarmLeftovers(t, run); len(left) != 0 || !strings.Contains(out, "removed "+live) {
		t.Errorf("clean --force left %v:\n%s", left, out)
	}
}
