package experiments

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime/swarm"
)

func TestParseSwarm(t *testing.T) {
	e, err := Parse("x.yaml", []byte(`name: x
runtime: swarm
swarm:
  publish: ingress
  constraints: [node.role==worker, "node.labels.zone!=b"]
  max_replicas_per_node: 1
  node_engines: {n2: "unix:///run/docker-n2.sock"}
`))
	if err != nil {
		t.Fatal(err)
	}
	o := e.swarmOptions()
	if e.RuntimeMode() != "swarm" || o.Publish != swarm.PublishIngress || o.MaxReplicasPerNode != 1 ||
		!slices.Equal(o.Constraints, []string{"node.role==worker", "node.labels.zone!=b"}) || o.NodeEngines["n2"] != "unix:///run/docker-n2.sock" {
		t.Errorf("runtime %q, options %+v", e.RuntimeMode(), o)
	}
	if c := e.deployedOn(record.Config{Name: "c"}, "swarm", false); c.Publish != "ingress" || c.Runtime != "swarm" {
		t.Errorf("records carry %+v", c)
	}
	if c := e.deployedOn(record.Config{Name: "c"}, "docker", false); c.Publish != "" {
		t.Errorf("a docker run records publish %q", c.Publish)
	}
	plain, err := Parse("x.yaml", []byte("name: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if plain.RuntimeMode() != "auto" || plain.swarmOptions().Publish != swarm.PublishHost || plain.publishOn("swarm") != "host" {
		t.Errorf("defaults: runtime %q, publish %q", plain.RuntimeMode(), plain.swarmOptions().Publish)
	}
}

func TestParseSwarmErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"runtime", "name: x\nruntime: k8s\n", "x.yaml:2: runtime: \"k8s\": use auto, docker, local, swarm"},
		{"publish", "name: x\nswarm:\n  publish: mesh\n", "x.yaml:3: swarm.publish: \"mesh\": use host"},
		{"constraint", "name: x\nswarm:\n  constraints: [worker]\n", "x.yaml:3: swarm.constraints[0]: \"worker\": write <attribute>==<value>"},
		{"zero max replicas", "name: x\nswarm:\n  max_replicas_per_node: 0\n", "x.yaml:3: swarm.max_replicas_per_node: must be ≥ 1 (got 0)"},
		{"negative max replicas", "name: x\nswarm:\n  max_replicas_per_node: -2\n", "x.yaml:3: swarm.max_replicas_per_node: must be ≥ 1 (got -2)"},
		{"node engine", "name: x\nswarm:\n  node_engines: {n2: /run/docker-n2.sock}\n", "swarm.node_engines.n2: \"/run/docker-n2.sock\": the address of that node's Docker Engine"},
		{"unknown field", "name: x\nswarm:\n  replicas_per_node: 1\n", "x.yaml:3: swarm.replicas_per_node: unknown field"},
	} {
		_, err := Parse("x.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestComposeDeployUnderSwarm: a compose service's deploy: section gives
// the configuration (replicas, limits) and the placement under runtime
// swarm when the experiment sets neither; the experiment's own win, and
// other runtimes ignore it.
func TestComposeDeployUnderSwarm(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(path, []byte(`services:
  api:
    image: acme/scorer:1.2
    ports: ["8080"]
    deploy:
      replicas: 3
      resources:
        limits: {cpus: "0.25", memory: 256M}
      placement:
        constraints: [node.role==worker]
        max_replicas_per_node: 2
`), 0o644); err != nil {
		t.Fatal(err)
	}
	base := Experiment{Target: Target{Compose: path, Service: "api"}}
	sw := base
	sw.Runtime = "swarm"
	got, err := sw.ResolveTarget(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []record.Config{{Name: "cpu0.25-mem256m-x3", CPUs: 0.25, MemoryBytes: 256 << 20, Replicas: 3}}
	if !slices.Equal(got.Expand(), want) {
		t.Errorf("configurations %+v, want %+v", got.Expand(), want)
	}
	if o := got.swarmOptions(); !slices.Equal(o.Constraints, []string{"node.role==worker"}) || o.MaxReplicasPerNode != 2 {
		t.Errorf("placement %+v", o)
	}

	own := sw
	own.Configs = []record.Config{{Name: "mine", CPUs: 1, Replicas: 1}}
	own.Swarm = &Swarm{Constraints: []string{"node.hostname==a"}}
	got, err = own.ResolveTarget(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cs := got.Expand(); len(cs) != 1 || cs[0].Name != "mine" || got.swarmOptions().Constraints[0] != "node.hostname==a" || got.swarmOptions().MaxReplicasPerNode != 2 {
		t.Errorf("the experiment's own configs and constraints must win: %+v %+v", cs, got.swarmOptions())
	}

	got, err = base.ResolveTarget(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cs := got.Expand(); len(cs) != 1 || cs[0].Replicas != 1 || cs[0].CPUs != 0 || got.Swarm != nil {
		t.Errorf("under docker the deploy: section is not used: %+v %+v", cs, got.Swarm)
	}
}
