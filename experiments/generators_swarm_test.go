package experiments

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/internal/swarmtest"
	"github.com/loadlab/loadlab/target/runtime/swarm"
)

// TestGeneratorsSwarm: generators: 2 under the swarm runtime on a real
// swarm: the reference API is a service, the two agents are a service of
// the reference image (`loadlab agent`, host network, the token a Swarm
// secret) that dials the controller at the manager's swarm address; the
// steps are merged from both, the agents are named after their tasks and
// node, and the run leaves no service, container or secret.
func TestGeneratorsSwarm(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sw, err := swarmtest.Start(ctx, 4*time.Minute)
	apitest.RequireDocker(t, err)
	defer func() {
		if err := sw.Stop(); err != nil {
			t.Error(err)
		}
	}()
	on := []string{"node.id==" + sw.NodeID}
	rt, err := swarm.New(ctx, swarm.Options{Constraints: on})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	e, err := Parse("swarm-generators.yaml", []byte(`name: swarm-generators
generators: 2
configs:
  - {name: api, cpus: 0.5, memory: 128m}
scenario:
  ramp: {steps: [4, 8], hold: 3s, settle: 1s}
  think: {min: 20ms, max: 50ms}
slo: p95<1s,error_rate<1%
`))
	if err != nil {
		t.Fatal(err)
	}
	run := faultRunID(t)
	agents := rt.Agents(run, apitest.Binary(t))
	agents.Constraints = on
	res, runErr, recs, log := runRecorded(t, &Runner{Runtime: rt, RunID: run, Agents: agents}, e, 4*time.Minute)
	if runErr != nil || res.Steps != 2 || len(res.Failed) > 0 || len(recs) != 2 {
		t.Fatalf("run = %+v, %v, %d records; want 2 steps\n%s", res, runErr, len(recs), log)
	}
	for i, rec := range recs {
		if rec.Partial || rec.Requests == 0 || rec.Errors > 0 || len(rec.Generators) != 2 || rec.Config.Runtime != "swarm" {
			t.Fatalf("step %d: partial %v requests %d errors %d generators %+v runtime %q\n%s", i, rec.Partial, rec.Requests, rec.Errors, rec.Generators, rec.Config.Runtime, log)
		}
		var sum int64
		for _, g := range rec.Generators {
			sum += g.Requests
			if !strings.Contains(g.ID, "agents") || g.Node == "" || g.Requests == 0 {
				t.Errorf("step %d generator %+v", i, g)
			}
		}
		if sum != rec.Requests {
			t.Errorf("step %d: generators sum to %d, step %d", i, sum, rec.Requests)
		}
		t.Logf("step %d: %d users, %d requests (%s: %d, %s: %d), p95 %.1f ms", i, rec.Load.Users, rec.Requests,
			rec.Generators[0].ID, rec.Generators[0].Requests, rec.Generators[1].ID, rec.Generators[1].Requests, rec.Latency.P95)
	}
	for _, what := range [][]string{{"service", "ls"}, {"secret", "ls"}, {"ps", "-a"}} {
		args := append(what, "-q", "--filter", "label=loadlab.run="+run)
		out, err := exec.Command("docker", args...).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "" {
			t.Errorf("docker %s after the run: %q %v", strings.Join(args, " "), out, err)
		}
	}
}
