package experiments

// Faults a run must survive, against the real Docker engine (skipped when
// no daemon answers, except with CI=true where that fails): a replica
// killed mid-step, a kernel OOM kill under load, a health check that never
// passes. Each test runs a two-configuration experiment and checks that
// the fault is recorded in its step (errors by kind, events, telemetry) or
// as the configuration's Failure, that the next configuration is still
// measured, and that nothing labelled with the run is left in Docker.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

var (
	faultRTOnce sync.Once
	faultRT     *docker.Runtime
	faultRTErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if faultRT != nil {
		_ = faultRT.Close()
	}
	apitest.Cleanup()
	os.Exit(code)
}

// dockerRuntime is the shared docker runtime, skipping the test when no
// daemon answers (failing in CI).
func dockerRuntime(t *testing.T) *docker.Runtime {
	t.Helper()
	faultRTOnce.Do(func() { faultRT, faultRTErr = docker.New(context.Background()) })
	apitest.RequireDocker(t, faultRTErr)
	return faultRT
}

// referenceBinary is the static loadlab binary the reference image holds,
// built once per test process.
func referenceBinary(t *testing.T) string { return apitest.Binary(t) }

// dockerCLI runs the docker command line and returns its trimmed output.
func dockerCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("docker %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// assertRunRemoved fails when a container or network labelled with run is
// still there (and removes it, so one failure does not leak into others).
func assertRunRemoved(t *testing.T, run string) {
	t.Helper()
	label := "label=" + docker.LabelRun + "=" + run
	cs, err := dockerCLI(t, "ps", "-a", "--filter", label, "--format", "{{.Names}}")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := dockerCLI(t, "network", "ls", "--filter", label, "--format", "{{.Name}}")
	if err != nil {
		t.Fatal(err)
	}
	if cs != "" || ns != "" {
		t.Errorf("left behind by run %s: containers [%s] networks [%s]", run, cs, ns)
		if rt := dockerRuntime(t); rt != nil {
			_, _ = rt.CleanRun(context.Background(), run)
		}
	}
}

var unsafeLabel = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// faultRunID is the run ID of the test's run, unique to the test process
// and the test, so leftover checks never see other runs' objects.
func faultRunID(t *testing.T) string {
	return fmt.Sprintf("faults-%d-%s", os.Getpid(), unsafeLabel.ReplaceAllString(t.Name(), "-"))
}

// faultRun runs the experiment text on Docker under a run ID unique to
// the test and returns the run's result, error, records and log.
func faultRun(t *testing.T, text string, progress func(RunProgress)) (Result, error, []record.Record, string) {
	t.Helper()
	return faultRunOn(t, dockerRuntime(t), text, progress)
}

// faultRunOn is faultRun on runtime rt.
func faultRunOn(t *testing.T, rt runtime.Runtime, text string, progress func(RunProgress)) (Result, error, []record.Record, string) {
	t.Helper()
	e, err := Parse("faults.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	run := faultRunID(t)
	t.Cleanup(func() { assertRunRemoved(t, run) })
	return runRecorded(t, &Runner{Runtime: rt, RunID: run, Progress: progress}, e, 3*time.Minute)
}

// runRecorded runs e with r (its Runtime, RunID and Progress set by the
// caller) into a fresh folder, with the reference binary, seed 1 and a
// log, for at most timeout, and returns the result, the run's error, the
// records it appended and its log.
func runRecorded(t *testing.T, r *Runner, e Experiment, timeout time.Duration) (Result, error, []record.Record, string) {
	t.Helper()
	dir := t.TempDir()
	log := &apitest.SyncBuffer{}
	r.Dir, r.Log, r.Seed, r.Binary = dir, log, 1, referenceBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, runErr := r.Run(ctx, e)
	recs, err := record.ReadFile(dir)
	if err != nil {
		t.Fatalf("read steps: %v\nlog:\n%s", err, log.String())
	}
	return res, runErr, recs, log.String()
}

// onlyStep fails unless the run ended without error after steps steps
// with no failed configuration, and configuration name has exactly one
// step; it returns that step and the records by configuration.
func onlyStep(t *testing.T, res Result, err error, recs []record.Record, log string, steps int, name string) (record.Record, map[string][]record.Record) {
	t.Helper()
	if err != nil || len(res.Failed) > 0 || res.Steps != steps {
		t.Fatalf("run = %+v, %v; want %d steps, no failure\n%s", res, err, steps, log)
	}
	cfgs := byConfig(recs)
	if len(cfgs[name]) != 1 {
		t.Fatalf("%s records: %+v", name, cfgs[name])
	}
	return cfgs[name][0], cfgs
}

// byConfig groups records by configuration name.
func byConfig(recs []record.Record) map[string][]record.Record {
	out := map[string][]record.Record{}
	for _, r := range recs {
		out[r.Config.Name] = append(out[r.Config.Name], r)
	}
	return out
}

// transportErrors sums the non-HTTP error kinds of a record.
func transportErrors(r record.Record) int64 {
	var n int64
	for k, v := range r.ErrorsByKind {
		if !strings.HasPrefix(k, "http_") {
			n += v
		}
	}
	return n
}

// assertMeasured checks that a configuration after the fault was measured
// normally: steps, requests, successes, no failure and no events.
func assertMeasured(t *testing.T, recs []record.Record, name string) {
	t.Helper()
	if len(recs) == 0 {
		t.Fatalf("configuration %s after the fault: no records", name)
	}
	for _, r := range recs {
		if r.Failure != "" || r.Requests == 0 || r.Successes == 0 || r.Target == nil || len(r.Events) > 0 {
			t.Errorf("configuration %s step %d after the fault not measured normally: failure %q, %d requests, %d ok, target %v, events %+v",
				name, r.Step, r.Failure, r.Requests, r.Successes, r.Target != nil, r.Events)
		}
	}
}

// TestFaultReplicaKilledMidStep: `docker kill` of one of two replicas in
// the middle of a step. The step counts the failed requests by transport
// kind, carries the exit event (container, time inside the step, exit code
// 137, not an OOM kill), and the next configuration runs normally.
func TestFaultReplicaKilledMidStep(t *testing.T) {
	var (
		killOnce sync.Once
		killedAt time.Time
		victim   string
		killErr  error
		killDone = make(chan struct{})
	)
	run := faultRunID(t)
	progress := func(p RunProgress) {
		if p.Config != 1 || p.Step.Step != 1 || p.Step.Elapsed < 1500*time.Millisecond || p.Step.Done {
			return
		}
		killOnce.Do(func() {
			go func() {
				defer close(killDone)
				victim, killErr = dockerCLI(t, "ps", "--filter", "label="+docker.LabelRun+"="+run,
					"--filter", "label="+docker.LabelConfig+"=victim", "--filter", "label="+docker.LabelReplica+"=2", "--format", "{{.Names}}")
				if killErr == nil && victim == "" {
					killErr = fmt.Errorf("no running replica 2 of run %s", run)
				}
				if killErr == nil {
					killedAt = time.Now()
					_, killErr = dockerCLI(t, "kill", victim)
				}
			}()
		})
	}
	res, err, recs, log := faultRun(t, `name: faults-kill
configs:
  - {name: victim, cpus: 0.5, memory: 64m, replicas: 2}
  - {name: after, cpus: 0.5, memory: 64m, replicas: 1}
scenario:
  model: users
  ramp: {steps: [10], hold: 5s}
  think: {min: 20ms, max: 50ms}
  timeout: 2s
slo: p95<1s
`, progress)
	select {
	case <-killDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the kill never happened")
	}
	if killErr != nil {
		t.Fatal(killErr)
	}
	step, cfgs := onlyStep(t, res, err, recs, log, 2, "victim")
	t.Logf("killed %s at %s; step: %d requests, %d ok, errors by kind %v, events %+v",
		victim, killedAt.UTC().Format(time.StampMilli), step.Requests, step.Successes, step.ErrorsByKind, step.Events)
	if step.Errors == 0 || transportErrors(step) == 0 || step.Successes == 0 {
		t.Errorf("step with a killed replica: %d errors (%v), %d ok; want transport errors and successes from the survivor",
			step.Errors, step.ErrorsByKind, step.Successes)
	}
	var exit *record.Event
	for i, ev := range step.Events {
		if ev.Replica == victim && ev.Kind == docker.KindExit {
			exit = &step.Events[i]
		}
	}
	switch {
	case exit == nil:
		t.Errorf("no exit event of %s in the step: %+v", victim, step.Events)
	case exit.ExitCode != 137 || exit.OOMKilled:
		t.Errorf("exit event %+v: want code 137 (SIGKILL), not an OOM kill", *exit)
	case exit.Time.Before(step.StartedAt) || exit.Time.Sub(killedAt).Abs() > 2*time.Second:
		t.Errorf("exit event at %s; the step started at %s and the kill was sent at %s", exit.Time, step.StartedAt, killedAt)
	}
	assertMeasured(t, cfgs["after"], "after")
}

// TestFaultOOMKillUnderLoad: a replica the kernel OOM-kills because its
// memory limit is too small for the load. The reference API's request path
// does not allocate, so the target is testdata/leakyapi, a user's `build:`
// target that keeps 1 MiB per request up to 96 MiB: at 48 MiB it is killed
// within a few dozen requests, every time, and at 512 MiB it never is.
// (An earlier version used the reference API with GOGC=off; it reached
// the limit only through the image's Docker healthcheck process, which
// loadlab now disables, and otherwise thrashed on page cache for minutes.)
// The step records the kill as events (oom, then exit 137 with OOMKilled)
// and as oom_kills in the target telemetry, and the next configuration is
// measured.
func TestFaultOOMKillUnderLoad(t *testing.T) {
	ctxDir := leakyAPIContext(t)
	res, err, recs, log := faultRun(t, `name: faults-oom
target: {build: `+ctxDir+`, port: 8000, health_path: /health}
configs:
  - {name: oom, cpus: 0.5, memory: 48m}
  - {name: roomy, cpus: 0.5, memory: 512m}
scenario:
  model: users
  ramp: {steps: [20], hold: 6s}
  think: {min: 20ms, max: 50ms}
  timeout: 2s
  requests:
    - {name: predict, method: POST, path: /predict, body: {age: 40}}
slo: p95<1s
`, nil)
	step, cfgs := onlyStep(t, res, err, recs, log, 2, "oom")
	t.Logf("OOM step: %d requests, %d ok, errors by kind %v, target %+v, events %+v",
		step.Requests, step.Successes, step.ErrorsByKind, step.Target, step.Events)
	var oom, exit bool
	for _, ev := range step.Events {
		if ev.Kind == docker.KindOOM && ev.OOMKilled {
			oom = true
		}
		if ev.Kind == docker.KindExit && ev.ExitCode == 137 && ev.OOMKilled {
			exit = true
		}
		if ev.Time.Before(step.StartedAt) {
			t.Errorf("event %+v before the step started at %s", ev, step.StartedAt)
		}
	}
	if !oom || !exit {
		t.Errorf("events %+v: want an oom event and an exit with code 137 marked OOMKilled", step.Events)
	}
	if step.Target == nil || step.Target.OOMKills < 1 {
		t.Errorf("target telemetry %+v: want oom_kills ≥ 1", step.Target)
	}
	if step.Successes == 0 || transportErrors(step) == 0 {
		t.Errorf("%d ok, errors by kind %v: want successes before the kill and transport errors after it", step.Successes, step.ErrorsByKind)
	}
	assertMeasured(t, cfgs["roomy"], "roomy")
}

// TestFaultHealthNeverPasses: a health path that never answers 2xx. Each
// configuration fails after its health timeout with the container's last
// log lines in its recorded Failure, and the run goes on to the next
// configuration instead of stopping.
func TestFaultHealthNeverPasses(t *testing.T) {
	start := time.Now()
	res, err, recs, log := faultRun(t, `name: faults-health
target: {health_path: /never-healthy, health_timeout: 3s}
configs:
  - {name: first, cpus: 0.5, memory: 64m}
  - {name: second, cpus: 0.5, memory: 64m}
scenario:
  model: users
  ramp: {steps: [5], hold: 2s}
slo: p95<1s
`, nil)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("run error %v: a failed configuration must not stop the run\n%s", err, log)
	}
	if res.Steps != 0 || len(res.Failed) != 2 {
		t.Fatalf("result %+v: want both configurations failed, no steps\n%s", res, log)
	}
	if len(recs) != 2 || recs[0].Config.Name != "first" || recs[1].Config.Name != "second" {
		t.Fatalf("records %+v: want one failure record per configuration, in order", recs)
	}
	for _, r := range recs {
		f := r.Failure
		if !strings.Contains(f, "is not healthy") || !strings.Contains(f, "/never-healthy") ||
			!strings.Contains(f, "last log lines of ") || !strings.Contains(f, `"msg":"listening"`) {
			t.Errorf("failure of %s does not name the health check and carry the container's last log lines:\n%s", r.Config.Name, f)
		}
		if r.SLO.Pass || r.Requests != 0 {
			t.Errorf("failure record of %s: %+v", r.Config.Name, r)
		}
	}
	// Each configuration waited for its 3 s timeout, not much less or more.
	if took < 6*time.Second || took > 60*time.Second {
		t.Errorf("run took %s; want about 2 × the 3 s health timeout plus deploys", took)
	}
	t.Logf("failure recorded:\n%s", recs[0].Failure)
}

// leakyAPIContext builds testdata/leakyapi as a static binary into a
// fresh build context with a FROM-scratch Dockerfile, and returns it.
func leakyAPIContext(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "leakyapi"), "./testdata/leakyapi")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build testdata/leakyapi: %v\n%s", err, out)
	}
	dockerfile := "FROM scratch\nCOPY leakyapi /leakyapi\nUSER 65534:65534\nEXPOSE 8000\nENTRYPOINT [\"/leakyapi\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	// The docker runtime tags a build: target loadlab/<folder>:dev; the
	// test's image goes with the test.
	tag := "loadlab/" + strings.ToLower(filepath.Base(dir)) + ":dev"
	t.Cleanup(func() {
		if out, err := exec.Command("docker", "image", "rm", "-f", tag).CombinedOutput(); err != nil {
			t.Logf("remove the test's image %s: %v %s", tag, err, out)
		}
	})
	return dir
}
