package swarm

import (
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/target/runtime/docker"
)

// TestAgentSpecNamesNodeByID: an agent names its node by hostname and
// node ID (two nodes of the lab share this machine's hostname, so the
// hostname alone would not tell the generators' nodes apart), reads its
// token from the secret's file and is never restarted.
func TestAgentSpecNamesNodeByID(t *testing.T) {
	spec := agentSpec("svc", "img:dev", 2, "http://10.213.0.1:4000", "sid", "sname", map[string]string{LabelRun: "r"})
	c := spec.TaskTemplate.ContainerSpec
	if !slices.Contains(c.Env, "LOADLAB_AGENT_NODE={{.Node.Hostname}}/{{.Node.ID}}") {
		t.Errorf("env %q: want the node named by hostname and ID", c.Env)
	}
	if !slices.Contains(c.Env, "LOADLAB_AGENT_ID={{.Task.Name}}") {
		t.Errorf("env %q: want the agent named after its task", c.Env)
	}
	if strings.Contains(strings.Join(append(c.Env, c.Args...), " "), "token=") || !slices.Contains(c.Args, agentTokenFile) {
		t.Errorf("args %q env %q: the token must come from %s only", c.Args, c.Env, agentTokenFile)
	}
	if r := spec.TaskTemplate.RestartPolicy; r == nil || r.Condition != "none" {
		t.Errorf("restart policy %+v, want none", r)
	}
	if n := *spec.Mode.Replicated.Replicas; n != 2 {
		t.Errorf("replicas %d, want 2", n)
	}
}

// TestNodeEngine: the manager's tasks are sampled on its own engine; a
// node_engines entry by node ID wins over one by hostname, so that nodes
// sharing a hostname can each have their engine.
func TestNodeEngine(t *testing.T) {
	mgr, byHost, byID := &docker.Runtime{}, &docker.Runtime{}, &docker.Runtime{}
	r := &Runtime{nodeID: "m", engine: mgr, nodes: map[string]*docker.Runtime{"vm": byHost, "w2": byID}}
	for _, tc := range []struct {
		id, host string
		want     *docker.Runtime
	}{
		{"m", "vm", mgr},
		{"w2", "vm", byID},
		{"w3", "vm", byHost},
		{"w4", "other", nil},
	} {
		if got := r.nodeEngine(tc.id, tc.host); got != tc.want {
			t.Errorf("nodeEngine(%s, %s) = %p, want %p", tc.id, tc.host, got, tc.want)
		}
	}
	if r.sampler("w4", "other") != nil {
		t.Error("sampler of a node without an engine is not nil")
	}
}
