package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	apiswarm "github.com/docker/docker/api/types/swarm"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// agentTokenFile is where an agent task reads the run's token: a Swarm
// secret mounted in the task, never an environment variable or argument
// of the service's spec.
const agentTokenFile = "/run/secrets/loadlab-agent-token"

// agentNode is the Swarm template of an agent's node name
// (record.GeneratorShare.Node): "<hostname>/<node ID>".
const agentNode = "{{.Node.Hostname}}/{{.Node.ID}}"

// agentsConfig is the loadlab.config label of an agent service.
const agentsConfig = "load-generators"

// Agents launches a run's load generation agents (issue 14 §2) as one
// Swarm service: n replicas of the reference image (the static loadlab
// binary) running `loadlab agent`, spread one per node as far as the
// nodes go, on each node's host network (so that they reach the
// controller at the manager's swarm address and the targets at their
// nodes' published ports, and need no published port of their own), the
// run's token a Swarm secret. It has the method set of
// scenarios/agent.Launcher (Launch, Stop), which it does not import.
// An agent that dies is not restarted: the controller reports its step
// partial instead.
type Agents struct {
	// Constraints, when set, place the agents' tasks (Swarm placement
	// constraints such as node.role==worker); by default they may run on
	// any node, spread one per node as far as the nodes go.
	Constraints []string

	r      *Runtime
	runID  string
	binary string

	mu        sync.Mutex
	serviceID string
	secretID  string
	labels    map[string]string
}

// Agents returns the launcher of run's agents; binary is the static
// loadlab executable the reference image is built from (empty: this
// process's).
func (r *Runtime) Agents(runID, binary string) *Agents {
	return &Agents{r: r, runID: runID, binary: binary}
}

// ListenAddr is where the agents' controller must listen: the manager's
// swarm address (docker info's Swarm.NodeAddr), any free port.
func (a *Agents) ListenAddr(ctx context.Context) (string, error) {
	info, err := a.r.cli.Info(ctx)
	if err != nil {
		return "", unavailable(fmt.Errorf("read the manager's swarm address: %w", err))
	}
	if info.Swarm.NodeAddr == "" {
		return "", errors.New("the manager has no swarm address (docker info: Swarm.NodeAddr)")
	}
	return net.JoinHostPort(info.Swarm.NodeAddr, "0"), nil
}

// Launch creates the token's secret and the agents' service (it returns
// once Swarm accepted it; the controller waits for the agents to
// register). On an error everything created is removed again.
func (a *Agents) Launch(ctx context.Context, n int, url, secret string) error {
	img, err := a.r.engine.ResolveImage(ctx, runtime.Spec{RunID: a.runID, Binary: a.binary, Config: record.Config{Name: agentsConfig, Replicas: 1}})
	if err != nil {
		return fmt.Errorf("agents: the reference image: %w", err)
	}
	if err := a.r.spreadImage(ctx, img.Ref); err != nil {
		return fmt.Errorf("agents: %w", err)
	}
	tok := token()
	labels := runtime.Self().Labels()
	labels[LabelRun] = a.runID
	labels[LabelConfig] = agentsConfig
	labels[LabelDeployment] = tok
	name := serviceName(a.runID, "agents", tok)
	a.mu.Lock()
	a.labels = labels
	a.mu.Unlock()

	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	defer cancel()
	sec, err := a.r.cli.SecretCreate(cctx, apiswarm.SecretSpec{
		Annotations: apiswarm.Annotations{Name: name, Labels: maps.Clone(labels)},
		Data:        []byte(secret),
	})
	if err != nil {
		return unavailable(fmt.Errorf("agents: create the token's secret: %w", err))
	}
	a.mu.Lock()
	a.secretID = sec.ID
	a.mu.Unlock()
	spec := agentSpec(name, img.Ref, n, url, sec.ID, name, labels)
	spec.TaskTemplate.Placement.Constraints = slices.Clone(a.Constraints)
	created, err := a.r.cli.ServiceCreate(cctx, spec, apiswarm.ServiceCreateOptions{})
	if err != nil {
		return errors.Join(unavailable(fmt.Errorf("agents: create service %s: %w", name, err)), a.Stop(10*time.Second))
	}
	a.mu.Lock()
	a.serviceID = created.ID
	a.mu.Unlock()
	return nil
}

// agentSpec is the agents' service: n tasks of image running `loadlab
// agent` against the controller at url, the token from secret (ID
// secretID, name secretName) mounted at agentTokenFile.
func agentSpec(name, image string, n int, url, secretID, secretName string, labels map[string]string) apiswarm.ServiceSpec {
	replicas := uint64(n)
	grace := stopGrace
	return apiswarm.ServiceSpec{
		Annotations: apiswarm.Annotations{Name: name, Labels: maps.Clone(labels)},
		TaskTemplate: apiswarm.TaskSpec{
			ContainerSpec: &apiswarm.ContainerSpec{
				Image:   image,
				Labels:  maps.Clone(labels),
				Command: []string{"/loadlab", "agent"},
				Args:    []string{"--controller", url, "--token-file", agentTokenFile},
				// Swarm's templates: each agent is named after its task
				// and its node: the node's hostname and ID, since nodes
				// may share a hostname (cloned machines, or the two-node
				// lab's second engine in a network namespace of this
				// host).
				Env:             []string{"LOADLAB_AGENT_ID={{.Task.Name}}", "LOADLAB_AGENT_NODE=" + agentNode},
				ReadOnly:        true,
				Privileges:      &apiswarm.Privileges{NoNewPrivileges: true},
				CapabilityDrop:  []string{"ALL"},
				Healthcheck:     &container.HealthConfig{Test: []string{"NONE"}},
				StopGracePeriod: &grace,
				Secrets: []*apiswarm.SecretReference{{
					SecretID: secretID, SecretName: secretName,
					File: &apiswarm.SecretReferenceFileTarget{Name: "loadlab-agent-token", UID: "65534", GID: "65534", Mode: 0o400},
				}},
			},
			RestartPolicy: &apiswarm.RestartPolicy{Condition: apiswarm.RestartPolicyConditionNone},
			Placement: &apiswarm.Placement{Preferences: []apiswarm.PlacementPreference{{
				Spread: &apiswarm.SpreadOver{SpreadDescriptor: "node.id"},
			}}},
			Networks: []apiswarm.NetworkAttachmentConfig{{Target: "host"}},
		},
		Mode: apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: &replicas}},
	}
}

// Stop removes the agents' service, waits (at most containerWait) until
// its containers are gone, and removes the token's secret. grace is
// Swarm's: each task's stop grace period is stopGrace.
func (a *Agents) Stop(grace time.Duration) error {
	a.mu.Lock()
	svc, sec, labels := a.serviceID, a.secretID, a.labels
	a.serviceID, a.secretID = "", ""
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout+grace)
	defer cancel()
	var errs []error
	if svc != "" {
		if err := a.r.cli.ServiceRemove(ctx, svc); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("agents: remove service: %w", err))
		} else if err := a.r.awaitContainers(ctx, a.runID, LabelDeployment, labels[LabelDeployment]); err != nil {
			errs = append(errs, fmt.Errorf("agents: %w", err))
		}
	}
	if sec != "" {
		// The secret is in use until the service's tasks are gone.
		var err error
		for i := 0; i < 20; i++ {
			if err = a.r.cli.SecretRemove(ctx, sec); err == nil || cerrdefs.IsNotFound(err) {
				err = nil
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("agents: remove the token's secret: %w", err))
		}
	}
	return unavailable(errors.Join(errs...))
}
