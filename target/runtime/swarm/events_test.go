package swarm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// TestKilledTaskIsAnEventAndARestart kills one task's container: Swarm
// replaces it (restart policy on-failure), the deployment records the
// exit and the restart, URLs follow the replacement, Stats counts the
// restart, and the service answers on every URL again.
func TestKilledTaskIsAnEventAndARestart(t *testing.T) {
	r := engine(t)
	spec := newSpec(t, record.Config{Name: "x2", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 2})
	d := deploy(t, r, spec)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	before, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := d.tasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var victim task
	for _, tk := range ts {
		if tk.running() {
			victim = tk
			break
		}
	}
	oldURLs := d.URLs()
	if err := r.cli.ContainerKill(ctx, victim.container, "KILL"); err != nil {
		t.Fatal(err)
	}
	name := d.replicaName(victim.slot)
	var evs []record.Event
	for ctx.Err() == nil {
		evs = d.Events()
		if slices.ContainsFunc(evs, func(e record.Event) bool { return e.Kind == record.EventRestart }) && len(d.URLs()) == 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(evs) < 2 || evs[0].Kind != record.EventExit || evs[0].Replica != name || evs[0].ExitCode != 137 ||
		evs[1].Kind != record.EventRestart || evs[1].Replica != name {
		t.Fatalf("events %+v: want an exit (code 137) then a restart of %s", evs, name)
	}
	if !strings.Contains(evs[0].Message, victim.id[:12]) {
		t.Errorf("exit event %q does not name the task %.12s", evs[0].Message, victim.id)
	}
	urls := d.URLs()
	if slices.Equal(urls, oldURLs) {
		t.Errorf("URLs %v did not change after the task was replaced", urls)
	}
	for _, u := range urls {
		// Swarm says the replacement runs before its API listens.
		if err := runtime.WaitHealthy(ctx, runtime.HealthURL(u, "/health"), 20*time.Second, nil); err != nil {
			t.Errorf("after the restart: %v", err)
		}
		if n := drive(t, []string{u}, predictBody, 1, 3, 20*time.Second); n != 3 {
			t.Errorf("after the restart, %s answered %d of 3 /predict", u, n)
		}
	}
	after, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	restarts := 0
	for i, ru := range after.Replicas {
		restarts += ru.Restarts
		if ru.Name == name && ru.CPUSeconds < before.Replicas[i].CPUSeconds {
			t.Errorf("replica %s: cumulative CPU went back from %.4fs to %.4fs across its tasks", name, before.Replicas[i].CPUSeconds, ru.CPUSeconds)
		}
	}
	if restarts != 1 {
		t.Errorf("Stats counts %d restarts, want 1", restarts)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(d.Events()); n != len(evs) {
		t.Errorf("Close added %d events: removal is not an event", n-len(evs))
	}
	assertGone(t, r, spec.RunID)
}

// TestFailingTaskFailsDeploy deploys a command that cannot start: Deploy
// fails naming the task, its node and Swarm's error, and removes the
// service.
func TestFailingTaskFailsDeploy(t *testing.T) {
	r := engine(t)
	spec := newSpec(t, record.Config{Name: "broken", Replicas: 1})
	spec.Command = []string{"/loadlab", "no-such-command"}
	spec.HealthTimeout = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := r.Deploy(ctx, spec)
	if err == nil {
		t.Fatal("Deploy of a command that exits succeeded")
	}
	for _, want := range []string{"task ", "(slot 1) on node ", "non-zero exit (2)", "last log lines", `unknown command "no-such-command"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	assertGone(t, r, spec.RunID)
}

// TestOOMKilledTask builds a user's image (testdata/leakyapi of the
// experiments package: 1 MiB kept per request) on the manager and runs
// it under 48 MiB: the kernel kills the task under load, which is an oom
// event, an exit with code 137 marked OOM-killed, Swarm's replacement a
// restart, and one OOM kill in Stats.
func TestOOMKilledTask(t *testing.T) {
	r := engine(t)
	dir := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "leakyapi"), "../../../experiments/testdata/leakyapi")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build leakyapi: %v\n%s", err, out)
	}
	dockerfile := "FROM scratch\nCOPY leakyapi /leakyapi\nUSER 65534:65534\nEXPOSE 8000\nENTRYPOINT [\"/leakyapi\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := newSpec(t, record.Config{Name: "oom", CPUs: 0.5, MemoryBytes: 48 << 20, Replicas: 1})
	spec.BuildContext, spec.Image = dir, "loadlab/leakyapi-swarm-test:dev"
	// Registered before deploy's Close, so it runs after it.
	t.Cleanup(func() {
		_, _ = r.cli.ImageRemove(context.Background(), spec.Image, image.RemoveOptions{Force: true, PruneChildren: true})
	})
	d := deploy(t, r, spec)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	hasKind := func(kind string) bool {
		return slices.ContainsFunc(d.Events(), func(e record.Event) bool { return e.Kind == kind })
	}
	for i := 0; i < 20 && !hasKind(record.EventRestart) && ctx.Err() == nil; i++ {
		if urls := d.URLs(); len(urls) > 0 {
			drive(t, urls, `{"age":40}`, 4, 100, 3*time.Second)
		}
		time.Sleep(300 * time.Millisecond)
	}
	evs := d.Events()
	var oom, exit, restart bool
	for _, e := range evs {
		oom = oom || e.Kind == record.EventOOM && e.OOMKilled
		exit = exit || e.Kind == record.EventExit && e.ExitCode == 137 && e.OOMKilled
		restart = restart || e.Kind == record.EventRestart
	}
	if !oom || !exit || !restart {
		t.Fatalf("events %+v: want an oom, an exit 137 marked OOM-killed and a restart", evs)
	}
	u, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Replicas) != 1 || u.Replicas[0].OOMKills < 1 || u.Replicas[0].Restarts < 1 {
		t.Errorf("stats %+v: want the OOM kill and the restart counted", u.Replicas)
	}
}
