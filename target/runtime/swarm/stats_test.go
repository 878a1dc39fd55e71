package swarm

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// TestStatsOfTasksOnOtherNodes: seen from a manager that is not on the
// tasks' node, tasks are sampled through that node's engine
// (Options.NodeEngines, here the same engine reached at its socket), and
// without one they are named unmeasured, never reported as zeros.
func TestStatsOfTasksOnOtherNodes(t *testing.T) {
	r := engine(t)
	d := deploy(t, r, newSpec(t, record.Config{Name: "remote", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 2}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ts, err := d.tasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	host := ts[0].hostname
	if host == "" {
		t.Fatal("the task's node has no hostname")
	}

	// The same deployment seen from a runtime whose own node is another.
	elsewhere := *r
	elsewhere.nodeID = "not-this-node"
	elsewhere.nodes = map[string]*docker.Runtime{}
	far := &Deployment{r: &elsewhere, limits: d.limits, name: d.name, labels: d.labels, publish: d.publish,
		targetPort: d.targetPort, replicas: d.replicas, serviceID: d.serviceID,
		seen: map[string]*seenTask{}, slots: map[int]*slotState{}}
	u, err := far.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{d.replicaName(1), d.replicaName(2)}
	if len(u.Replicas) != 0 || !slices.Equal(u.Unmeasured, want) {
		t.Fatalf("without node engines: replicas %+v, unmeasured %v; want none measured and %v", u.Replicas, u.Unmeasured, want)
	}
	tg := runtime.Between(u, u)
	if !slices.Equal(tg.UnmeasuredReplicas, want) || tg.CPUCores != 0 || len(tg.Replicas) != 0 {
		t.Errorf("step telemetry %+v: want the replicas named unmeasured", tg)
	}

	sock := os.Getenv("DOCKER_HOST")
	if sock == "" {
		sock = "unix:///var/run/docker.sock"
	}
	node, err := docker.NewAt(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	elsewhere.nodes = map[string]*docker.Runtime{host: node}
	far.slots = map[int]*slotState{}
	before, err := far.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := drive(t, d.URLs(), predictBody, 2, 200, 5*time.Second); n < 20 {
		t.Fatalf("only %d requests answered", n)
	}
	after, err := far.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Unmeasured) != 0 || len(after.Replicas) != 2 {
		t.Fatalf("with the node's engine: %+v", after)
	}
	if tg := runtime.Between(before, after); tg.CPUCores <= 0 || tg.MemoryBytes <= 0 || len(tg.UnmeasuredReplicas) != 0 {
		t.Errorf("through the node's engine: %+v, want CPU and memory measured", tg)
	}
}

// TestUnplaceableTaskFailsDeploy: a constraint no node meets keeps the
// task pending; Deploy fails at the health timeout with Swarm's reason
// and removes the service.
func TestUnplaceableTaskFailsDeploy(t *testing.T) {
	r := engine(t)
	nowhere := *r
	nowhere.opts.Constraints = []string{"node.labels.loadlab-test==nowhere"}
	spec := newSpec(t, record.Config{Name: "nowhere", Replicas: 1})
	spec.HealthTimeout = 3 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := nowhere.Deploy(ctx, spec)
	if err == nil {
		t.Fatal("a task no node can run was deployed")
	}
	for _, want := range []string{"0 of 1 tasks run after the health timeout", "(slot 1)", "pending", "no suitable node"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	assertGone(t, r, spec.RunID)
}
