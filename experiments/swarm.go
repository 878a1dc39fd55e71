package experiments

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime/swarm"
)

// Runtimes are the values of an experiment's runtime: field and of the
// --runtime flags.
var Runtimes = []string{"auto", "docker", "local", "swarm"}

// Placement is where an experiment's target runs: its runtime and the
// swarm runtime's settings. It is inline in Experiment, so its fields are
// top-level keys of the experiment file.
type Placement struct {
	// Runtime is auto (the default: docker when the daemon answers, else
	// local), docker, local or swarm; the --runtime flag overrides it.
	Runtime string `yaml:"runtime,omitempty"`
	// Swarm holds the swarm runtime's settings; nil means its defaults.
	Swarm *Swarm `yaml:"swarm,omitempty"`
}

// Swarm is an experiment's swarm: block (see swarm.Options).
type Swarm struct {
	// Publish is host (default: each task's own port on its node) or
	// ingress (the routing mesh, for clusters with IPVS).
	Publish string `yaml:"publish,omitempty"`
	// Constraints are Swarm placement constraints, e.g. node.role==worker.
	Constraints []string `yaml:"constraints,omitempty"`
	// MaxReplicasPerNode caps the tasks of one configuration on one node
	// (unset: no cap).
	MaxReplicasPerNode int `yaml:"max_replicas_per_node,omitempty" nonzero:"≥ 1"`
	// NodeEngines maps a node's hostname to its Docker Engine's address,
	// from which the tasks on that node are sampled; tasks on other nodes
	// than the manager's without one are recorded as not measured.
	NodeEngines map[string]string `yaml:"node_engines,omitempty"`
}

// RuntimeMode is the runtime to select: the experiment's, or auto.
func (p Placement) RuntimeMode() string {
	if p.Runtime == "" {
		return "auto"
	}
	return p.Runtime
}

// swarmOptions are the swarm runtime's options from the swarm: block.
func (p Placement) swarmOptions() swarm.Options {
	if p.Swarm == nil {
		return swarm.Options{}.WithDefaults()
	}
	s := p.Swarm
	return swarm.Options{
		Publish: s.Publish, Constraints: slices.Clone(s.Constraints),
		MaxReplicasPerNode: uint64(max(s.MaxReplicasPerNode, 0)), NodeEngines: maps.Clone(s.NodeEngines),
	}.WithDefaults()
}

// publishOn is how a run on runtime publishes the target's port, for the
// records (record.Config.Publish): the swarm block's mode under swarm,
// "" elsewhere.
func (p Placement) publishOn(runtime string) string {
	if runtime != "swarm" {
		return ""
	}
	return p.swarmOptions().Publish
}

// placementProblems checks the runtime: field and the swarm: block.
func (p Placement) placementProblems() []FieldError {
	var ps []FieldError
	add := func(path, format string, a ...any) {
		ps = append(ps, FieldError{Field: path, Msg: fmt.Sprintf(format, a...)})
	}
	if p.Runtime != "" && !slices.Contains(Runtimes, p.Runtime) {
		add("runtime", "%q: use %s", p.Runtime, strings.Join(Runtimes, ", "))
	}
	s := p.Swarm
	if s == nil {
		return ps
	}
	if s.Publish != "" && s.Publish != swarm.PublishHost && s.Publish != swarm.PublishIngress {
		add("swarm.publish", "%q: use host (each task's port on its node) or ingress (the routing mesh, needs IPVS)", s.Publish)
	}
	for i, c := range s.Constraints {
		if !strings.Contains(c, "==") && !strings.Contains(c, "!=") {
			add(fmt.Sprintf("swarm.constraints[%d]", i), "%q: write <attribute>==<value> or <attribute>!=<value>, e.g. node.role==worker", c)
		}
	}
	if s.MaxReplicasPerNode < 0 {
		add("swarm.max_replicas_per_node", "must be ≥ 1 (got %d); leave it out for no cap", s.MaxReplicasPerNode)
	}
	for _, node := range slices.Sorted(maps.Keys(s.NodeEngines)) {
		u, err := url.Parse(s.NodeEngines[node])
		if err != nil || (u.Scheme != "unix" && u.Scheme != "tcp" && u.Scheme != "ssh") || (u.Host == "" && u.Path == "") {
			add("swarm.node_engines."+node, "%q: the address of that node's Docker Engine, e.g. unix:///run/docker-n2.sock or tcp://10.213.0.2:2375", s.NodeEngines[node])
		}
	}
	return ps
}

// fromComposeDeploy applies a compose service's deploy: section under the
// swarm runtime: its placement constraints and max_replicas_per_node when
// the experiment's swarm: block sets none, and its replicas and
// resources.limits as the one configuration when the experiment lists
// neither matrix nor configs.
func (e Experiment) fromComposeDeploy(d *types.DeployConfig) Experiment {
	if d == nil || e.Runtime != "swarm" {
		return e
	}
	s := Swarm{}
	if e.Swarm != nil {
		s = *e.Swarm
	}
	if len(s.Constraints) == 0 {
		s.Constraints = slices.Clone(d.Placement.Constraints)
	}
	if s.MaxReplicasPerNode == 0 {
		s.MaxReplicasPerNode = int(d.Placement.MaxReplicas)
	}
	e.Swarm = &s
	m := e.Matrix
	if len(m.CPUs)+len(m.Memory)+len(m.Replicas)+len(e.Configs) > 0 || e.Search != nil {
		return e
	}
	c := record.Config{Replicas: 1}
	if d.Replicas != nil && *d.Replicas > 0 {
		c.Replicas = *d.Replicas
	}
	if l := d.Resources.Limits; l != nil {
		c.CPUs, c.MemoryBytes = math.Round(float64(l.NanoCPUs)*1e6)/1e6, record.Bytes(l.MemoryBytes)
	}
	c.Name = c.AutoName()
	e.Configs = []record.Config{c}
	return e
}

// selectSwarm is the swarm runtime for e.
func selectSwarm(ctx context.Context, e Experiment) (*Runtime, error) {
	s, err := swarm.New(ctx, e.swarmOptions())
	if err != nil {
		return nil, fmt.Errorf("swarm runtime: %w", err)
	}
	return &Runtime{Runtime: s, docker: s.Engine(), swarm: s}, nil
}
