package swarm

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// TestDeployTwoReplicasUnderLimits deploys the reference API as a
// 2-replica service under 0.5 CPU and 64 MiB per task: both task URLs
// answer /predict at different ports, the containers carry the limits,
// Stats measures CPU per replica, and Close leaves nothing.
func TestDeployTwoReplicasUnderLimits(t *testing.T) {
	r := engine(t)
	cfg := record.Config{Name: "cpu0.5-mem64m-x2", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 2}
	spec := newSpec(t, cfg)
	t0 := time.Now()
	d := deploy(t, r, spec)
	t.Logf("deploy → healthy in %s", time.Since(t0).Round(time.Millisecond))

	urls := d.URLs()
	if len(urls) != 2 {
		// Once seen under the whole -race suite (CI rehearsal, 2026-12-01):
		// the tasks and events say whether a task died or lost its port.
		t.Fatalf("URLs = %v, want 2 (one per task); tasks:\n%s\nevents: %+v", urls, strings.Join(d.Tasks(), "\n"), d.Events())
	}
	ports := map[string]bool{}
	for _, u := range urls {
		p, err := url.Parse(u)
		if err != nil || p.Hostname() != "127.0.0.1" {
			t.Fatalf("URL %q: want http://127.0.0.1:<port>, the address of the single-node swarm's only node (%v)", u, err)
		}
		ports[p.Port()] = true
		if n := drive(t, []string{u}, predictBody, 1, 3, 10*time.Second); n != 3 {
			t.Errorf("task at %s: %d of 3 /predict answered 2xx", u, n)
		}
	}
	if len(ports) != 2 {
		t.Errorf("task URLs %v share a port: want one host port per task", urls)
	}

	// The kernel limits of each task's container.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ts, err := d.tasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, tk := range ts {
		if !tk.running() {
			continue
		}
		c, err := r.cli.ContainerInspect(ctx, tk.container)
		if err != nil {
			t.Fatalf("inspect %s: %v", tk.where(), err)
		}
		seen++
		t.Logf("%s: NanoCPUs %d, Memory %d, MemorySwap %d", tk.where(), c.HostConfig.NanoCPUs, c.HostConfig.Memory, c.HostConfig.MemorySwap)
		if c.HostConfig.NanoCPUs != 500_000_000 || c.HostConfig.Memory != 64<<20 {
			t.Errorf("%s: NanoCPUs %d, Memory %d; want 500000000 and %d", tk.where(), c.HostConfig.NanoCPUs, c.HostConfig.Memory, 64<<20)
		}
		if c.Config.Labels[LabelRun] != spec.RunID || c.Config.Labels[LabelConfig] != cfg.Name || c.Config.Labels["loadlab.owner.pid"] == "" {
			t.Errorf("%s: labels %v lack the run, configuration or owner", tk.where(), c.Config.Labels)
		}
	}
	if seen != 2 {
		t.Fatalf("%d running tasks, want 2", seen)
	}

	// CPU per replica under load.
	before, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := drive(t, urls, predictBody, 4, 400, 8*time.Second); n < 50 {
		t.Fatalf("only %d requests answered under load", n)
	}
	after, err := d.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Replicas) != 2 || len(after.Unmeasured) != 0 {
		t.Fatalf("stats: %d replicas measured, unmeasured %v; want 2 and none", len(after.Replicas), after.Unmeasured)
	}
	for i, ru := range after.Replicas {
		prev := before.Replicas[i]
		if ru.Name != prev.Name || ru.CPUSeconds <= prev.CPUSeconds {
			t.Errorf("replica %s: CPU %.4fs → %.4fs: want it to grow under load", ru.Name, prev.CPUSeconds, ru.CPUSeconds)
		}
		if ru.CPULimit != 0.5 || ru.MemoryLimit != 64<<20 || ru.MemoryBytes <= 0 {
			t.Errorf("replica %s: limits %v CPU %d B, memory %d B", ru.Name, ru.CPULimit, ru.MemoryLimit, ru.MemoryBytes)
		}
	}

	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	assertGone(t, r, spec.RunID)
}

// TestDeployCancelledLeavesNothing cancels Deploy while Swarm starts the
// tasks: Deploy returns the cancellation, and neither the service nor a
// task container is left.
func TestDeployCancelledLeavesNothing(t *testing.T) {
	r := engine(t)
	spec := newSpec(t, record.Config{Name: "cancelled", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 2})
	if _, err := r.engine.ResolveImage(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	d, err := r.Deploy(ctx, spec)
	if err == nil {
		_ = d.Close(context.Background())
		t.Fatal("Deploy succeeded within 300 ms; the test needs it to be cancelled mid-way")
	}
	if ctx.Err() == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("error %v: want the interruption", err)
	}
	assertGone(t, r, spec.RunID)
}

// TestIngressWorksOrSaysWhy deploys with publish: ingress: where the
// routing mesh works, the task answers /predict at the mesh's port on
// 127.0.0.1; where the kernel lacks IPVS (this machine), Deploy fails at
// the health timeout saying to use publish: host, and removes the service.
func TestIngressWorksOrSaysWhy(t *testing.T) {
	r := engine(t)
	mesh := *r
	mesh.opts.Publish = PublishIngress
	spec := newSpec(t, record.Config{Name: "ingress", Replicas: 1})
	spec.HealthTimeout = 8 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dep, err := mesh.Deploy(ctx, spec)
	if err != nil {
		if !strings.Contains(err.Error(), "try publish: host") {
			t.Errorf("ingress deploy failed without the hint: %v", err)
		}
		t.Logf("the routing mesh does not answer here: %v", err)
		assertGone(t, r, spec.RunID)
		return
	}
	d := dep.(*Deployment)
	defer d.Close(context.Background())
	urls := d.URLs()
	if len(urls) != 1 || !strings.HasPrefix(urls[0], "http://127.0.0.1:") || d.Publish() != PublishIngress {
		t.Fatalf("ingress URLs %v", urls)
	}
	if n := drive(t, urls, predictBody, 1, 3, 10*time.Second); n != 3 {
		t.Errorf("%d of 3 /predict answered through the mesh", n)
	}
}
