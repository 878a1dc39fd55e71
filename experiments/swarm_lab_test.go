package experiments

// Issue 14 §4 on the real two-node lab (scripts/swarm-lab.sh: this host's
// engine as the manager at 10.213.0.1, a second dockerd in the network
// namespace n2 as a worker at 10.213.0.2). TestSwarmLabAcceptance brings
// the lab up, runs each acceptance test as a subtest, and tears the lab
// down in t.Cleanup (also after a failure). Guarded by LOADLAB_SWARM_LAB=1
// (make swarm-lab-accept); the caller holds the shared Docker lock for the
// lab's whole life. Traffic goes only to the lab's addresses and 127.0.0.1.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// The lab's addresses and its worker's engine (see scripts/swarm-lab.sh).
const (
	labManager = "10.213.0.1"
	labWorker  = "10.213.0.2"
	labN2      = "unix:///run/docker-n2.sock"
)

// labScript is the path of scripts/swarm-lab.sh.
func labScript() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "scripts", "swarm-lab.sh")
}

// labCmd runs a command for at most two minutes and returns its trimmed
// output, or an error with its output.
func labCmd(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// TestSwarmLabAcceptance: the acceptance tests of issue 14 §4 on the
// two-node lab, each bounded in time and count; the lab is brought up
// once and torn down at the end, and each subtest leaves no service,
// secret or container of its run on either node. The reference image is
// removed from n2 after up: the swarm runtime loads it there itself.
func TestSwarmLabAcceptance(t *testing.T) {
	if os.Getenv("LOADLAB_SWARM_LAB") != "1" {
		t.Skip("the two-node swarm lab needs root, a Docker Engine outside any swarm, and LOADLAB_SWARM_LAB=1 (make swarm-lab-accept)")
	}
	bin := apitest.Binary(t)
	// The reference image from this binary, before the lab loads it into
	// n2: both nodes then run the same agents and API.
	buildReferenceImage(t, bin)
	t.Cleanup(func() {
		start := time.Now()
		if out, err := labCmd("bash", labScript(), "down"); err != nil {
			t.Errorf("swarm-lab.sh down: %v %s", err, out)
		}
		t.Logf("lab down in %s", time.Since(start).Round(time.Millisecond))
		if out, _ := labCmd("docker", "info", "--format", "{{.Swarm.LocalNodeState}}"); out != "inactive" {
			t.Errorf("host engine in swarm state %q after down", out)
		}
	})
	start := time.Now()
	if out, err := labCmd("bash", labScript(), "up"); err != nil {
		t.Fatalf("swarm-lab.sh up: %v %s", err, out)
	}
	t.Logf("lab up in %s", time.Since(start).Round(time.Millisecond))
	// The swarm runtime, not the lab, must give n2 the manager's image
	// (node_engines): remove the copy up loaded.
	if out, err := labCmd("docker", "-H", labN2, "rmi", docker.ReferenceImage); err != nil {
		t.Fatalf("remove the reference image from n2: %v %s", err, out)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	lab := labEnv{host: host, bin: bin}
	t.Run("MergedSpread", lab.mergedSpread)
	t.Run("Truth", lab.truth)
	t.Run("TaskKilled", lab.taskKilled)
	t.Run("AgentKilled", lab.agentKilled)
	t.Run("Rollouts", lab.rollouts)
}

// labEnv is what the lab's subtests share.
type labEnv struct {
	host string // this machine's hostname: both nodes report it
	bin  string // the static loadlab binary of the reference image
}

// buildReferenceImage builds (or finds up to date) the reference image
// from bin on the host's engine.
func buildReferenceImage(t *testing.T, bin string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := docker.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ResolveImage(ctx, runtime.Spec{Binary: bin, Config: record.Config{Name: "lab", Replicas: 1}}); err != nil {
		t.Fatal(err)
	}
}

// experiment parses an experiment of the lab: runtime swarm, the
// worker's engine for its tasks' telemetry, at most one task per node;
// body is the rest of the file.
func (l labEnv) experiment(t *testing.T, name, body string) Experiment {
	t.Helper()
	text := fmt.Sprintf("name: %s\nruntime: swarm\nswarm: {max_replicas_per_node: 1, node_engines: {%s: %q}}\n%s", name, l.host, labN2, body)
	e, err := Parse(name+".yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// run runs e on the lab as `loadlab run` would (SelectRuntime's swarm
// runtime, its agents as a Swarm service) under a fresh run ID, and
// checks after it that nothing of the run is left on either node; short
// names the run (a few letters: service names are at most 63).
func (l labEnv) run(t *testing.T, short string, e Experiment, progress func(run string, p RunProgress)) (string, Result, error, []record.Record, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := SelectRuntime(ctx, "swarm", e)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	run := fmt.Sprintf("lab%d-%s", time.Now().UnixNano()%1e6, short)
	t.Cleanup(func() { assertLabRunRemoved(t, run) })
	r := &Runner{Runtime: rt, RunID: run, Agents: rt.swarm.Agents(run, l.bin)}
	if progress != nil {
		r.Progress = func(p RunProgress) { progress(run, p) }
	}
	res, runErr, recs, log := runRecorded(t, r, e, 3*time.Minute)
	return run, res, runErr, recs, log
}

// assertLabRunRemoved fails when a service, secret or container of run is
// left on the manager or a container on n2, and removes it.
func assertLabRunRemoved(t *testing.T, run string) {
	t.Helper()
	filter := "label=loadlab.run=" + run
	for _, c := range []struct{ list, rm []string }{
		{[]string{"service", "ls", "-q", "--filter", filter}, []string{"service", "rm"}},
		{[]string{"ps", "-aq", "--filter", filter}, []string{"rm", "-f"}},
		{[]string{"-H", labN2, "ps", "-aq", "--filter", filter}, []string{"-H", labN2, "rm", "-f"}},
		{[]string{"secret", "ls", "-q", "--filter", filter}, []string{"secret", "rm"}},
	} {
		out, err := labCmd("docker", c.list...)
		if err != nil || out == "" {
			continue
		}
		t.Errorf("left after the run: docker %s: %s", strings.Join(c.list, " "), out)
		_, _ = labCmd("docker", append(c.rm, strings.Fields(out)...)...)
	}
}

// onNodes lists the running containers of run's configuration cfg on the
// manager and on n2 (names).
func onNodes(run, cfg string) (host, n2 []string, err error) {
	args := []string{"ps", "-q", "--filter", "label=loadlab.run=" + run, "--filter", "label=loadlab.config=" + cfg}
	h, err := labCmd("docker", args...)
	if err != nil {
		return nil, nil, err
	}
	w, err := labCmd("docker", append([]string{"-H", labN2}, args...)...)
	if err != nil {
		return nil, nil, err
	}
	return strings.Fields(h), strings.Fields(w), nil
}

// nodeIDOf is the node ID at the end of a generator's node name
// ("<hostname>/<node ID>").
func nodeIDOf(node string) string {
	if i := strings.LastIndexByte(node, '/'); i >= 0 {
		return node[i+1:]
	}
	return ""
}
