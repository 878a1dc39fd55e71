package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
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

// TestSwarmRuntimeNeedsSwarmMode runs `loadlab run --runtime swarm`
// against the real engine outside swarm mode: the run stops before
// anything is deployed with the command that enables swarm mode, and the
// engine is left outside swarm mode. When the engine is in a swarm
// already (not ours to leave), the test cannot check this and skips.
func TestSwarmRuntimeNeedsSwarmMode(t *testing.T) {
	requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	inactive, release, err := swarmtest.Outside(ctx, 4*time.Minute)
	apitest.RequireDocker(t, err)
	defer func() {
		if err := release(); err != nil {
			t.Error(err)
		}
	}()
	if !inactive {
		t.Skip("the engine is in a swarm that is not this test's to leave: the refusal outside swarm mode cannot be checked here")
	}
	dir := t.TempDir()
	exp := writeTestFile(t, dir, "x.yaml", "name: needs-swarm\nconfigs:\n  - {cpus: 0.5, replicas: 1}\n")
	code, _, stderr := runCLI(t, nil, time.Minute, "run", exp, "--runtime", "swarm", "--out", filepath.Join(dir, "results"))
	if code == 0 || !strings.Contains(stderr, "not in swarm mode: enable it with `docker swarm init --advertise-addr <this host's address>` (loadlab never does)") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "results")); err == nil {
		t.Error("a results folder was created before the runtime was checked")
	}
	if st, err := exec.Command("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").Output(); err != nil || strings.TrimSpace(string(st)) != "inactive" {
		t.Errorf("after the run the engine's swarm state is %q (%v): loadlab must never enable swarm mode", st, err)
	}
}

// TestSignalOnSwarm sends SIGINT to `loadlab run` on the swarm runtime,
// once during the ramp and once while the service's tasks start: the run
// exits 130, and neither the service nor a task container is left.
func TestSignalOnSwarm(t *testing.T) {
	sw := useSwarm(t)
	for _, c := range []struct {
		name string
		wait *regexp.Regexp
	}{
		{"ramp", regexp.MustCompile(`^loadlab: config x1: healthy in `)},
		{"deploy", regexp.MustCompile(`deploying`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			exp := writeTestFile(t, dir, "sig.yaml", fmt.Sprintf(`name: swarm-signal
runtime: swarm
swarm: {constraints: ["node.id==%s"]}
configs:
  - {name: x1, cpus: 0.5, memory: 64m, replicas: 1}
scenario:
  model: users
  ramp: {steps: [2, 2, 2], hold: 3s}
  think: {min: 50ms, max: 100ms}
`, sw.NodeID))
			p := startCLI(t, nil, "run", exp, "--out", filepath.Join(dir, "results"))
			run := p.waitLine(runIDLine, 60*time.Second)[1]
			p.waitLine(c.wait, 2*time.Minute)
			if c.name == "ramp" {
				time.Sleep(time.Second)
			}
			sent := p.signal(syscall.SIGINT)
			code, exited := p.wait(90 * time.Second)
			t.Logf("exit %d %s after SIGINT during the %s", code, exited.Sub(sent).Round(time.Millisecond), c.name)
			if code != 130 {
				t.Errorf("exit code %d, want 130; stderr:\n%s", code, p.stderr())
			}
			if left := swarmLeftovers(t, run); len(left) > 0 {
				t.Errorf("run %s left behind: %v\nstderr:\n%s", run, left, p.stderr())
			}
		})
	}
}
