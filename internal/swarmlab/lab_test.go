package swarmlab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/testsrv"
)

// The lab's addresses and its worker's socket (see scripts/swarm-lab.sh).
const (
	managerAddr = "10.213.0.1"
	workerAddr  = "10.213.0.2"
	image       = "loadlab/reference-api:dev"
)

// script is the path of scripts/swarm-lab.sh.
func script(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", "swarm-lab.sh")
}

// run runs a command under ctx and returns its standard output, failing
// with its standard error.
func run(ctx context.Context, name string, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// taskPort is one running task of the lab's service: its node's address
// and the host-mode port it published there.
type taskPort struct {
	node, addr string
	port       int
}

// TestSwarmLab first removes a partial lab (a namespace, a veth pair and a
// data dir left by an up that failed), then brings the two-node lab up, runs one reference API task per
// node with a host-mode published port, and checks that the task on the
// host answers at 10.213.0.1 and 127.0.0.1 and the task on n2 at
// 10.213.0.2, each at its own task's port; the lab is torn down at the end
// (also on failure) and left with nothing behind. In between, a rollout
// experiment rolls a task from one node's image to the other's (see
// rolloutOnLab). The caller holds the
// shared Docker lock for the lab's whole life (make swarm-lab-test).
func TestSwarmLab(t *testing.T) {
	if os.Getenv("LOADLAB_SWARM_LAB") != "1" {
		t.Skip("the two-node swarm lab needs root, a Docker Engine outside any swarm, and LOADLAB_SWARM_LAB=1 (make swarm-lab-test)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	sh := script(t)

	// down after a partial up: a namespace, a veth pair and a data dir,
	// but no daemon and no swarm.
	for _, c := range [][]string{
		{"ip", "netns", "add", "n2"},
		{"ip", "link", "add", "veth-n2h", "type", "veth", "peer", "name", "veth-n2c"},
		{"mkdir", "-p", "/var/lib/docker-n2/partial"},
	} {
		if _, err := run(ctx, c[0], c[1:]...); err != nil {
			_, _ = run(context.Background(), "bash", sh, "down")
			t.Fatalf("simulate a partial up: %v", err)
		}
	}
	if out, err := run(ctx, "bash", sh, "down"); err != nil {
		t.Fatalf("swarm-lab.sh down after a partial up: %v %s", err, out)
	}
	if out, _ := run(ctx, "ip", "netns", "list"); strings.Contains(out, "n2") {
		t.Errorf("netns n2 left after down of a partial up: %q", out)
	}
	if _, err := run(ctx, "ip", "link", "show", "veth-n2h"); err == nil {
		t.Error("veth-n2h left after down of a partial up")
	}
	if _, err := os.Stat("/var/lib/docker-n2"); !os.IsNotExist(err) {
		t.Errorf("/var/lib/docker-n2 left after down of a partial up (%v)", err)
	}

	t.Cleanup(func() {
		start := time.Now()
		if out, err := run(context.Background(), "bash", sh, "down"); err != nil {
			t.Errorf("swarm-lab.sh down: %v %s", err, out)
		}
		t.Logf("lab down in %s", time.Since(start).Round(time.Millisecond))
		// Nothing is left: no namespace, no second daemon, no swarm.
		if out, _ := run(context.Background(), "ip", "netns", "list"); strings.Contains(out, "n2") {
			t.Errorf("netns n2 left after down: %q", out)
		}
		if _, err := os.Stat("/var/lib/docker-n2"); !os.IsNotExist(err) {
			t.Errorf("/var/lib/docker-n2 left after down (%v)", err)
		}
		if out, _ := run(context.Background(), "docker", "info", "--format", "{{.Swarm.LocalNodeState}}"); strings.TrimSpace(out) != "inactive" {
			t.Errorf("host engine still in swarm state %q after down", strings.TrimSpace(out))
		}
	})
	start := time.Now()
	if out, err := run(ctx, "bash", sh, "up"); err != nil {
		t.Fatalf("swarm-lab.sh up: %v %s", err, out)
	}
	t.Logf("lab up in %s", time.Since(start).Round(time.Millisecond))
	if out, err := run(ctx, "bash", sh, "status"); err != nil {
		t.Fatalf("swarm-lab.sh status after up: %v\n%s", err, out)
	}
	// up twice is harmless: it finds everything in place.
	if out, err := run(ctx, "bash", sh, "up"); err != nil {
		t.Fatalf("swarm-lab.sh up again: %v %s", err, out)
	}

	nodes, err := nodeAddrs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 2 {
		t.Fatalf("swarm has %d ready nodes (%v), want 2", len(nodes), nodes)
	}

	name := fmt.Sprintf("loadlab-lab-%d", time.Now().UnixNano()%1e6)
	svcStart := time.Now()
	if _, err := run(ctx, "docker", "service", "create", "--detach", "--quiet",
		"--name", name, "--label", "loadlab.lab=1", "--mode", "global",
		"--publish", "mode=host,target=8000", image); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = run(context.Background(), "docker", "service", "rm", name) })

	var tasks []taskPort
	testsrv.WaitUntil(t, 90*time.Second, "one running task per node with a published port", func() error {
		tasks, err = runningTasks(ctx, name, nodes)
		if err != nil {
			return err
		}
		if len(tasks) != 2 || tasks[0].node == tasks[1].node {
			return fmt.Errorf("running tasks %+v", tasks)
		}
		return nil
	})
	urls := map[string]bool{}
	for _, tk := range tasks {
		urls[fmt.Sprintf("http://%s:%d/health", tk.addr, tk.port)] = true
		if tk.addr == managerAddr {
			urls[fmt.Sprintf("http://127.0.0.1:%d/health", tk.port)] = true
		}
	}
	for _, want := range []string{managerAddr, workerAddr} {
		found := false
		for _, tk := range tasks {
			found = found || tk.addr == want
		}
		if !found {
			t.Fatalf("no task on the node at %s: %+v", want, tasks)
		}
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for u := range urls {
		testsrv.WaitUntil(t, 60*time.Second, "healthy at "+u, func() error {
			resp, err := client.Get(u)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		})
	}
	t.Logf("service of one task per node healthy at %d URLs in %s: %v", len(urls), time.Since(svcStart).Round(time.Millisecond), tasks)
	if _, err := run(ctx, "docker", "service", "rm", name); err != nil {
		t.Fatal(err)
	}
	t.Run("rollouts", func(t *testing.T) { rolloutOnLab(t, ctx) })
}

// nodeAddrs maps each ready node's ID to its address.
func nodeAddrs(ctx context.Context) (map[string]string, error) {
	out, err := run(ctx, "docker", "node", "ls", "-q")
	if err != nil {
		return nil, err
	}
	addrs := map[string]string{}
	for _, id := range strings.Fields(out) {
		st, err := run(ctx, "docker", "node", "inspect", "-f", "{{.Status.State}} {{.Status.Addr}}", id)
		if err != nil {
			return nil, err
		}
		f := strings.Fields(st)
		if len(f) == 2 && f[0] == "ready" {
			addrs[id] = f[1]
		}
	}
	return addrs, nil
}

// runningTasks lists the service's running tasks with their node's
// address and the host-mode port each published.
func runningTasks(ctx context.Context, service string, nodes map[string]string) ([]taskPort, error) {
	out, err := run(ctx, "docker", "service", "ps", "-q", "--filter", "desired-state=running", service)
	if err != nil {
		return nil, err
	}
	var tasks []taskPort
	for _, id := range strings.Fields(out) {
		js, err := run(ctx, "docker", "inspect", "--type", "task", id)
		if err != nil {
			return nil, err
		}
		var ts []struct {
			NodeID string
			Status struct {
				State      string
				PortStatus struct {
					Ports []struct{ PublishedPort int }
				}
			}
		}
		if err := json.Unmarshal([]byte(js), &ts); err != nil {
			return nil, fmt.Errorf("decode task %s: %w", id, err)
		}
		for _, tk := range ts {
			if tk.Status.State != "running" || len(tk.Status.PortStatus.Ports) == 0 {
				continue
			}
			tasks = append(tasks, taskPort{node: tk.NodeID, addr: nodes[tk.NodeID], port: tk.Status.PortStatus.Ports[0].PublishedPort})
		}
	}
	return tasks, nil
}
