// Package swarm is the swarm runtime: it deploys each configuration as one
// Docker Swarm service (replicated, under the configuration's CPU and
// memory limits per task, restarted by Swarm on failure) through the
// manager's Docker Engine, and reaches every task directly at its node's
// address and the port Swarm published for it in host mode. Images are
// resolved (and built) by the docker runtime on the manager's engine; the
// manager's engine samples the tasks on its own node, and per-node engine
// endpoints (Options.NodeEngines) the others. Besides target/runtime/docker
// it is the only package that imports the Docker client.
//
// Everything it creates carries the labels loadlab.run, loadlab.config,
// loadlab.deployment and the owner's labels (runtime.Owner), on the
// service and on its tasks' containers, so that Clean can remove what a
// killed run left. It never enables swarm mode: New fails with the
// command that does.
package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	apiswarm "github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// Label keys, the docker runtime's (one owner for their names).
const (
	LabelRun        = docker.LabelRun
	LabelConfig     = docker.LabelConfig
	LabelDeployment = docker.LabelDeployment
)

// Publish modes of the API port (Options.Publish).
const (
	// PublishHost publishes a port the engine picks on the node of each
	// task; load goes to every task at its node's address. The default:
	// it needs no IPVS and adds no hop.
	PublishHost = "host"
	// PublishIngress publishes one port on every node through the routing
	// mesh (IPVS), reached at 127.0.0.1; for clusters whose kernel has it.
	PublishIngress = "ingress"
)

// pingTimeout bounds the first contact with the manager's engine.
const pingTimeout = 5 * time.Second

// Options are the swarm settings of an experiment (its swarm: block).
type Options struct {
	// Publish is PublishHost (default when empty) or PublishIngress.
	Publish string
	// Constraints are Swarm placement constraints, e.g. "node.role==worker".
	Constraints []string
	// MaxReplicasPerNode caps the tasks of one service on one node; 0 is
	// no cap.
	MaxReplicasPerNode uint64
	// NodeEngines maps a node's hostname (or its node ID, which tells
	// apart nodes that share a hostname) to the address of its Docker
	// Engine (e.g. "unix:///run/docker-n2.sock"), from which the tasks on
	// that node are sampled. Tasks on the manager's node are sampled
	// through the manager's engine; tasks on other nodes without an entry
	// are reported as not measured (runtime.Usage.Unmeasured).
	NodeEngines map[string]string
}

// WithDefaults returns o with Publish set.
func (o Options) WithDefaults() Options {
	if o.Publish == "" {
		o.Publish = PublishHost
	}
	return o
}

// Check reports what is wrong with o, joined.
func (o Options) Check() error {
	var errs []error
	if p := o.WithDefaults().Publish; p != PublishHost && p != PublishIngress {
		errs = append(errs, fmt.Errorf("publish %q: use %s or %s", o.Publish, PublishHost, PublishIngress))
	}
	for _, c := range o.Constraints {
		if !strings.ContainsAny(c, "=") {
			errs = append(errs, fmt.Errorf("constraint %q: write it as <attribute>==<value> or <attribute>!=<value>, e.g. node.role==worker", c))
		}
	}
	for _, node := range slices.Sorted(maps.Keys(o.NodeEngines)) {
		h := o.NodeEngines[node]
		if _, err := client.ParseHostURL(h); err != nil || !strings.Contains(h, "://") {
			errs = append(errs, fmt.Errorf("node_engines.%s %q: an engine address such as unix:///run/docker-n2.sock or tcp://10.0.0.2:2375", node, h))
		}
	}
	return errors.Join(errs...)
}

// Sampler reads the cumulative counters of one container on a node's
// engine (the docker runtime's ContainerUsage): running is false when the
// container is not running or gone. A generator agent on each node may
// take this job later.
type Sampler interface {
	ContainerUsage(ctx context.Context, id, name string, l record.Config) (ru runtime.ReplicaUsage, running bool, err error)
}

// Runtime deploys targets as services of the swarm whose manager is the
// local Docker Engine. It is safe for concurrent use.
type Runtime struct {
	cli    *client.Client
	engine *docker.Runtime // the manager's engine: images, local stats
	opts   Options
	nodeID string // the manager's own node

	// nodes are the engines of other nodes by hostname or node ID
	// (Options.NodeEngines).
	nodes map[string]*docker.Runtime
}

// New connects to the Docker Engine named by the environment, checks that
// it is a manager of an active swarm (see CheckSwarm) and connects to
// every engine of opts.NodeEngines. It never enables swarm mode.
func New(ctx context.Context, opts Options) (*Runtime, error) {
	opts = opts.WithDefaults()
	if err := opts.Check(); err != nil {
		return nil, err
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("configure the Docker client: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	info, err := cli.Info(pctx)
	if err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("no Docker daemon answers at %s: %w", cli.DaemonHost(), err)
	}
	if err := CheckSwarm(info); err != nil {
		_ = cli.Close()
		return nil, err
	}
	r := &Runtime{cli: cli, opts: opts, nodeID: info.Swarm.NodeID, nodes: map[string]*docker.Runtime{}}
	if r.engine, err = docker.New(ctx); err != nil {
		return nil, errors.Join(err, r.Close())
	}
	for _, node := range slices.Sorted(maps.Keys(opts.NodeEngines)) {
		e, err := docker.NewAt(ctx, opts.NodeEngines[node])
		if err != nil {
			return nil, errors.Join(fmt.Errorf("swarm node_engines.%s: %w", node, err), r.Close())
		}
		r.nodes[node] = e
	}
	return r, nil
}

// ErrNoSwarm marks CheckSwarm's errors: the engine is no manager of an
// active swarm (`loadlab clean` then has no services to look at).
var ErrNoSwarm = errors.New("no swarm manager")

// CheckSwarm says why an engine described by info cannot deploy services:
// not in swarm mode (with the command that enables it), or not a manager.
// Its errors wrap ErrNoSwarm.
func CheckSwarm(info system.Info) error {
	if err := checkSwarm(info); err != nil {
		return fmt.Errorf("%w: %w", ErrNoSwarm, err)
	}
	return nil
}

func checkSwarm(info system.Info) error {
	switch s := info.Swarm; {
	case s.LocalNodeState == apiswarm.LocalNodeStateInactive || s.LocalNodeState == "":
		return fmt.Errorf("the Docker engine %s is not in swarm mode: enable it with `docker swarm init --advertise-addr <this host's address>` (loadlab never does), or use --runtime docker", info.Name)
	case s.LocalNodeState != apiswarm.LocalNodeStateActive:
		return fmt.Errorf("the Docker engine %s is in swarm state %q, not active%s: fix the swarm (docker info shows why) or use --runtime docker", info.Name, s.LocalNodeState, errText(s.Error))
	case !s.ControlAvailable:
		return fmt.Errorf("the Docker engine %s is a swarm worker: run loadlab on a manager node (docker node ls there)", info.Name)
	}
	return nil
}

func errText(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// Name is "swarm".
func (r *Runtime) Name() string { return "swarm" }

// Approximate is false: the kernel enforces the limits (cgroups) on every
// node.
func (r *Runtime) Approximate() bool { return false }

// Publish is the publish mode of the runtime's deployments (PublishHost or
// PublishIngress), recorded in every step (record.Config.Publish).
func (r *Runtime) Publish() string { return r.opts.Publish }

// Engine is the manager's engine as the docker runtime (leftover checks,
// sweeps and the engine version use it).
func (r *Runtime) Engine() *docker.Runtime { return r.engine }

// EngineVersion is the manager engine's version (see docker.Runtime).
func (r *Runtime) EngineVersion(ctx context.Context) string { return r.engine.EngineVersion(ctx) }

// Close releases the clients. Deployments must be closed first.
func (r *Runtime) Close() error {
	errs := []error{r.cli.Close()}
	if r.engine != nil {
		errs = append(errs, r.engine.Close())
	}
	for _, e := range r.nodes {
		errs = append(errs, e.Close())
	}
	return errors.Join(errs...)
}

// sampler is the engine that samples containers on node (by hostname and
// ID), or nil when none can.
func (r *Runtime) sampler(nodeID, hostname string) Sampler {
	if e := r.nodeEngine(nodeID, hostname); e != nil {
		return e
	}
	return nil
}

// spreadImage gives every node engine loadlab reaches (Options.NodeEngines)
// the image the manager holds under ref, loading it where it is missing or
// another build of the same tag (the manager may just have rebuilt the
// reference image from this binary): a task or agent placed there must
// not start an older image. Nodes without an engine endpoint need the
// image from a registry or loaded by hand.
func (r *Runtime) spreadImage(ctx context.Context, ref string) error {
	for _, node := range slices.Sorted(maps.Keys(r.nodes)) {
		if _, err := r.engine.CopyImageTo(ctx, ref, r.nodes[node]); err != nil {
			return fmt.Errorf("give node %s the image: %w", node, err)
		}
	}
	return nil
}

// nodeEngine is the engine of the node with ID nodeID and hostname: the
// manager's own, else Options.NodeEngines' entry for its node ID, else
// for its hostname (nodes may share a hostname: an entry by node ID
// tells them apart); nil when there is none.
func (r *Runtime) nodeEngine(nodeID, hostname string) *docker.Runtime {
	if nodeID == r.nodeID {
		return r.engine
	}
	if e, ok := r.nodes[nodeID]; ok && nodeID != "" {
		return e
	}
	return r.nodes[hostname]
}

var (
	_ runtime.Runtime    = (*Runtime)(nil)
	_ runtime.Deployment = (*Deployment)(nil)
	_ Sampler            = (*docker.Runtime)(nil)
)

// unavailable marks err with runtime.ErrUnavailable when the engine could
// not be reached, as the docker runtime does.
func unavailable(err error) error {
	if err != nil && client.IsErrConnectionFailed(err) && !errors.Is(err, runtime.ErrUnavailable) {
		return fmt.Errorf("%w: %w", runtime.ErrUnavailable, err)
	}
	return err
}

// engines are the manager's engine and every node engine.
func (r *Runtime) engines() []*docker.Runtime {
	out := []*docker.Runtime{r.engine}
	for _, n := range slices.Sorted(maps.Keys(r.nodes)) {
		out = append(out, r.nodes[n])
	}
	return out
}
