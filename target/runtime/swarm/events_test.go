package swarm

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
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
		if n := drive(t, []string{u}, predictBody, 1, 3, 20*time.Second); n == 0 {
			// The replacement runs; its health may need a moment.
			t.Errorf("after the restart, %s does not answer /predict", u)
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
